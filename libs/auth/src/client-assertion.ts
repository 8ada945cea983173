import { guardedFetch } from '@sb/net';
import { createLocalJWKSet, createRemoteJWKSet, customFetch, decodeProtectedHeader, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

/** Client assertions per RFC 7523 as profiled by SMART Backend Services (https://hl7.org/fhir/smart-app-launch/backend-services.html). */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const ASSERTION_ALGORITHMS = ['RS384', 'ES384'] as const;
/** SMART: `exp` no more than five minutes in the future. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
const CLOCK_SKEW_SECONDS = 30;
const REMOTE_JWKS_TIMEOUT_MS = 5_000;
const REMOTE_JWKS_MAX_BYTES = 256 * 1024;

/** Why an assertion was refused; mapped to `invalid_client` without echoing the token. */
export type AssertionFailure =
  | 'malformed'
  | 'unsupported_alg'
  | 'bad_signature'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'expired'
  | 'exp_too_far'
  | 'missing_jti'
  | 'jti_reused';

export class AssertionError extends Error {
  constructor(readonly reason: AssertionFailure) {
    super(`client assertion rejected: ${reason}`);
    this.name = 'AssertionError';
  }
}

export interface AssertionKeys {
  jwks: unknown;
  jwksUrl: string | null;
  /**
   * A JWKS URL is tenant-supplied, so it is fetched through the outbound guard: https only
   * and never a private, loopback, link-local or metadata address, unless this deployment
   * allows private targets (development and tests).
   */
  allowPrivateTargets: boolean;
}

export interface AssertionChecks {
  clientId: string;
  tokenEndpoint: string;
  keys: AssertionKeys;
  /** Returns false when the jti was seen before for this client. */
  rememberJti: (jti: string, expiresAt: Date) => Promise<boolean>;
  nowSeconds?: number;
}

const remoteSets = new Map<string, JWTVerifyGetKey>();

function keyResolver(keys: AssertionKeys): JWTVerifyGetKey {
  if (keys.jwksUrl) {
    const open = keys.allowPrivateTargets;
    const cacheKey = `${open ? 'open' : 'guarded'} ${keys.jwksUrl}`;
    let set = remoteSets.get(cacheKey);
    if (!set) {
      set = createRemoteJWKSet(new URL(keys.jwksUrl), {
        timeoutDuration: REMOTE_JWKS_TIMEOUT_MS,
        [customFetch]: (url, init) =>
          guardedFetch(url, { method: init.method, headers: init.headers, signal: init.signal }, { allowPrivate: open, allowLoopback: open }, {
            allowHttp: open,
            timeoutMs: REMOTE_JWKS_TIMEOUT_MS,
            maxBodyBytes: REMOTE_JWKS_MAX_BYTES,
          }),
      });
      remoteSets.set(cacheKey, set);
    }
    return set;
  }
  return createLocalJWKSet(keys.jwks as JSONWebKeySet);
}

/**
 * Verifies a private_key_jwt client assertion: RS384/ES384 signature by one of the
 * client's registered keys, `iss` = `sub` = client id, `aud` = our token endpoint,
 * `exp` in the future but at most 5 minutes ahead, and a `jti` never used before.
 */
export async function verifyClientAssertion(assertion: string, checks: AssertionChecks): Promise<void> {
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(assertion).alg;
  } catch {
    throw new AssertionError('malformed');
  }
  if (!alg || !(ASSERTION_ALGORITHMS as readonly string[]).includes(alg)) throw new AssertionError('unsupported_alg');

  const now = checks.nowSeconds ?? Math.floor(Date.now() / 1000);
  let payload;
  try {
    ({ payload } = await jwtVerify(assertion, keyResolver(checks.keys), {
      algorithms: [...ASSERTION_ALGORITHMS],
      currentDate: new Date(now * 1000),
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ['exp', 'iss', 'sub', 'aud'],
    }));
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new AssertionError(code === 'ERR_JWT_EXPIRED' ? 'expired' : code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' ? 'malformed' : 'bad_signature');
  }
  if (payload.iss !== checks.clientId || payload.sub !== checks.clientId) throw new AssertionError('wrong_issuer');
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!audiences.includes(checks.tokenEndpoint)) throw new AssertionError('wrong_audience');
  const exp = payload.exp as number;
  if (exp > now + MAX_ASSERTION_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) throw new AssertionError('exp_too_far');
  if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) throw new AssertionError('missing_jti');
  if (!(await checks.rememberJti(payload.jti, new Date((exp + CLOCK_SKEW_SECONDS) * 1000)))) throw new AssertionError('jti_reused');
}
