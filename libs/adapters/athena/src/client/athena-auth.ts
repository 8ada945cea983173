import { TokenCache, retryAfterMs, type AdapterContext, type CachedToken } from '@sb/adapters/contracts';
import { ErrorCode, SbError } from '@sb/core';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AthenaEndpoints, AthenaLimits } from '../athena-endpoints';
import { parseAthenaJson } from './athena-json';

/** The one scope of athena's proprietary API (https://docs.athenahealth.com/api/guides/authentication-and-url-locations). */
export const ATHENA_SCOPE = 'athena/service/Athenanet.MDP.*';
/** Name of the vault secret holding the client secret when the connection names none. */
export const ATHENA_DEFAULT_SECRET_NAME = 'client_secret';
/**
 * Tokens are refreshed this much earlier than the shared cache's own margin: athena's
 * tokens live one hour and clients refresh well before (Metriport at 15 min left,
 * Eleanor at 1 min "to resolve intermittent 401s"); 5 min costs one token in twelve.
 */
export const ATHENA_EARLY_REFRESH_MS = 4 * 60_000;
/** Lifetime assumed when athena sends no usable `expires_in`. */
const FALLBACK_LIFETIME_SECONDS = 300;
/** When athena's token 429 carries no Retry-After: it blocks "for the rest of the minute". */
const TOKEN_LIMIT_RETRY_SECONDS = 60;

const tokenResponse = z.object({
  access_token: z.string().min(1),
  // athena sends "3600" (a string) in preview recordings; numbers are accepted too.
  expires_in: z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).optional(),
});

/**
 * 2-legged OAuth for athenaOne: client credentials with HTTP Basic, a form body and the
 * MDP scope. One token per (connection, token URL) in the shared TokenCache (single
 * flight, refreshed before expiry), and a deployment-wide count of new tokens per
 * client id a minute, so a burst of processes or cache misses is refused here rather
 * than drawing athena's token 429 (which locks the client out for the rest of the minute).
 */
export class AthenaAuth {
  constructor(
    private readonly ctx: AdapterContext,
    private readonly endpoints: AthenaEndpoints,
    private readonly limits: Pick<AthenaLimits, 'tokensPerMinute'>,
  ) {}

  private get cacheKey(): string {
    return TokenCache.keyOf(this.ctx.connection.id, this.endpoints.tokenUrl, [ATHENA_SCOPE]);
  }

  async bearer(): Promise<string> {
    return (await this.ctx.tokens.get(this.cacheKey, () => this.requestToken())).accessToken;
  }

  /** Drops a token athena refused (401), so the next `bearer()` fetches a fresh one. */
  invalidate(accessToken: string): void {
    this.ctx.tokens.invalidate(this.cacheKey, accessToken);
  }

  private async requestToken(): Promise<CachedToken> {
    const { connection, credentials } = this.ctx;
    const clientId = connection.clientId;
    if (!clientId) throw new SbError(ErrorCode.VendorError, 'Connection has no client id', { details: { reason: 'missing_client_id' } });
    await this.ctx.budget.countInWindow(tokenBudgetKey(this.endpoints.tokenUrl, clientId), { limit: this.limits.tokensPerMinute, windowSeconds: 60 });
    const secret = await credentials.clientSecret(connection.clientSecretName ?? ATHENA_DEFAULT_SECRET_NAME);
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret.toString('utf8'))}`).toString('base64');
    secret.fill(0);
    const startedAt = Date.now();
    // A token request is never retried by the HTTP client: each one counts against athena's per-minute limit.
    const res = await this.ctx.http.request({
      method: 'POST',
      url: this.endpoints.tokenUrl,
      headers: { authorization: `Basic ${basic}`, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: ATHENA_SCOPE }),
      idempotent: false,
    });
    if (res.status !== 200) throw tokenFailure(res.status, res.headers.get('retry-after'));
    const parsed = tokenResponse.safeParse(parseAthenaJson(res.text));
    if (!parsed.success) throw new SbError(ErrorCode.VendorError, 'The EHR sent a malformed token response', { details: { reason: 'malformed_token' } });
    const lifetimeMs = (parsed.data.expires_in && parsed.data.expires_in > 0 ? parsed.data.expires_in : FALLBACK_LIFETIME_SECONDS) * 1000;
    // Early refresh only when the token lives long enough for it to leave a useful lifetime.
    const early = lifetimeMs > 2 * ATHENA_EARLY_REFRESH_MS ? ATHENA_EARLY_REFRESH_MS : 0;
    return { accessToken: parsed.data.access_token, expiresAtMs: startedAt + lifetimeMs - early };
  }
}

/** The deployment-wide token counter of one client id at one token endpoint (the id is hashed: keys stay short and plain). */
export function tokenBudgetKey(tokenUrl: string, clientId: string): string {
  return `athena:tokens:${new URL(tokenUrl).host}:${createHash('sha256').update(clientId).digest('hex').slice(0, 32)}`;
}

function tokenFailure(status: number, retryAfter: string | null): SbError {
  if (status === 429) {
    const waitMs = retryAfterMs(retryAfter);
    return new SbError(ErrorCode.RateLimited, 'athena refused more tokens this minute; retry later', {
      details: { reason: 'token_rate_limited', vendorStatus: 429, retryAfterSeconds: waitMs === null ? TOKEN_LIMIT_RETRY_SECONDS : Math.max(1, Math.ceil(waitMs / 1000)) },
    });
  }
  if (status === 400 || status === 401 || status === 403) {
    return new SbError(ErrorCode.VendorError, "The EHR refused the connection's credentials", { details: { reason: 'credentials_refused', vendorStatus: status } });
  }
  if (status === 503) return new SbError(ErrorCode.DependencyUnavailable, 'The EHR is unavailable', { details: { vendorStatus: status } });
  if (status === 504) return new SbError(ErrorCode.VendorTimeout, 'The EHR timed out', { details: { vendorStatus: status } });
  return new SbError(ErrorCode.VendorError, 'The EHR answered with an error', { details: { vendorStatus: status } });
}
