import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { EpicClient } from '../admin/client-registry';

/** SMART Backend Services (https://hl7.org/fhir/smart-app-launch/backend-services.html#authorize). */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const ASSERTION_ALGORITHMS = ['RS384', 'ES384'] as const;
/** SMART: the assertion's exp is no more than five minutes ahead. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
export const EPIC_TOKEN_TTL_SECONDS = 300;
/** Clocks drift; a few seconds either way is not a forged assertion. */
const CLOCK_SKEW_SECONDS = 10;
const JWKS_TIMEOUT_MS = 5_000;
/** A rotated key (unknown kid) triggers a refetch at most this often. */
const JWKS_COOLDOWN_MS = 1_000;
const JWKS_MAX_AGE_MS = 60_000;

export class AssertionRejected extends Error {
  constructor(readonly description: string) {
    super(description);
    this.name = 'AssertionRejected';
  }
}

/** Which jtis each client has used, until their assertions expire. */
export class JtiLedger {
  private readonly seen = new Map<string, Map<string, number>>();

  /** False when the jti was already used by this client. */
  remember(clientId: string, jti: string, expiresAtMs: number, nowMs: number): boolean {
    let jtis = this.seen.get(clientId);
    if (!jtis) this.seen.set(clientId, (jtis = new Map()));
    for (const [old, exp] of jtis) if (exp <= nowMs) jtis.delete(old);
    if (jtis.has(jti)) return false;
    jtis.set(jti, expiresAtMs);
    return true;
  }
}

/** One remote key set per registered JWKS URL, fetched over HTTP as Epic does. */
export class RemoteKeySets {
  private readonly sets = new Map<string, JWTVerifyGetKey>();

  for(jwksUrl: string): JWTVerifyGetKey {
    let set = this.sets.get(jwksUrl);
    if (!set) {
      set = createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: JWKS_TIMEOUT_MS, cooldownDuration: JWKS_COOLDOWN_MS, cacheMaxAge: JWKS_MAX_AGE_MS });
      this.sets.set(jwksUrl, set);
    }
    return set;
  }
}

/** The client the assertion claims to be (its unverified `iss`), to find the registration. */
export function claimedClientId(assertion: string): string | undefined {
  try {
    const iss = decodeJwt(assertion).iss;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

export interface AssertionContext {
  client: EpicClient;
  tokenUrl: string;
  keySets: RemoteKeySets;
  jtis: JtiLedger;
  nowMs: number;
}

/**
 * Verifies a client assertion the way Epic does: RS384 or ES384, signed by a key
 * in the client's registered JWKS URL, iss = sub = client id, aud = the token
 * URL exactly, exp no more than five minutes out, and a jti never seen before.
 * Descriptions are for the developer reading the error; they never echo the token.
 */
export async function verifyAssertion(assertion: string, ctx: AssertionContext): Promise<void> {
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(assertion).alg;
  } catch {
    throw new AssertionRejected('client_assertion is not a JWT');
  }
  if (!alg || !(ASSERTION_ALGORITHMS as readonly string[]).includes(alg)) throw new AssertionRejected('client_assertion must be signed with RS384 or ES384');
  const nowSeconds = Math.floor(ctx.nowMs / 1000);
  let payload;
  try {
    ({ payload } = await jwtVerify(assertion, ctx.keySets.for(ctx.client.jwksUrl), {
      algorithms: [...ASSERTION_ALGORITHMS],
      currentDate: new Date(ctx.nowMs),
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'jti'],
    }));
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_JWT_EXPIRED') throw new AssertionRejected('client_assertion has expired');
    if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') throw new AssertionRejected('client_assertion is missing a required claim (iss, sub, aud, exp, jti)');
    if (code === 'ERR_JWKS_TIMEOUT' || code === 'ERR_JOSE_GENERIC') throw new AssertionRejected('the registered JWKS URL could not be fetched');
    if (code === 'ERR_JWKS_NO_MATCHING_KEY' || code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') throw new AssertionRejected('no key in the registered JWKS matches the assertion (kid/alg)');
    throw new AssertionRejected('client_assertion signature could not be verified against the registered JWKS');
  }
  if (payload.iss !== ctx.client.clientId || payload.sub !== ctx.client.clientId) throw new AssertionRejected('iss and sub must both be the client id');
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!audiences.includes(ctx.tokenUrl)) throw new AssertionRejected(`aud must be the token URL, ${ctx.tokenUrl}`);
  const exp = payload.exp as number;
  if (exp > nowSeconds + MAX_ASSERTION_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) throw new AssertionRejected('exp must be no more than 5 minutes in the future');
  const jti = payload.jti as string;
  if (jti.length === 0 || jti.length > 256) throw new AssertionRejected('jti must be a non-empty string of at most 256 characters');
  if (!ctx.jtis.remember(ctx.client.clientId, jti, (exp + CLOCK_SKEW_SECONDS) * 1000, ctx.nowMs)) throw new AssertionRejected('jti has already been used');
}
