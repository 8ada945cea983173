import express, { type Request, type Response, type Router } from 'express';
import { ClientRegistry } from '../admin/client-registry';
import type { SandboxState } from '../sandbox-state';

export const ATHENA_TOKEN_PATH = '/athena/oauth2/v1/token';
export const ATHENA_TOKEN_TTL_SECONDS = 3600;
export const ATHENA_SCOPE = 'athena/service/Athenanet.MDP.*';
const MINUTE_MS = 60_000;

/**
 * New tokens per client per clock minute (5 in preview, 50 in production);
 * past the limit the client gets 429 until the minute is over.
 */
export class TokenRateLimiter {
  private readonly windows = new Map<string, { minute: number; issued: number }>();

  /** Counts one issue if the client is under `limit` this minute. */
  take(clientId: string, nowMs: number, limit: number): { ok: boolean; remaining: number } {
    const minute = Math.floor(nowMs / MINUTE_MS);
    const window = this.windows.get(clientId);
    const current = window && window.minute === minute ? window : { minute, issued: 0 };
    this.windows.set(clientId, current);
    if (current.issued >= limit) return { ok: false, remaining: 0 };
    current.issued += 1;
    return { ok: true, remaining: limit - current.issued };
  }

  forget(clientId: string): void {
    this.windows.delete(clientId);
  }
}

function basicCredentials(header: string | undefined): { clientId: string; secret: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  try {
    return { clientId: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

const oauthError = (res: Response, status: number, error: string, description: string, headers: Record<string, string> = {}): void => {
  res.status(status).set({ 'cache-control': 'no-store', ...headers }).json({ error, error_description: description });
};

/**
 * athena's 2-legged token endpoint: HTTP Basic client credentials, a form body
 * with grant_type=client_credentials and the MDP scope; `expires_in` is a string.
 */
export function athenaTokenRoute(state: SandboxState): Router {
  const router = express.Router();
  router.post(ATHENA_TOKEN_PATH, express.urlencoded({ extended: false, limit: '64kb' }), (req: Request, res: Response) => {
    const form = (req.body ?? {}) as Record<string, string | undefined>;
    const credentials = basicCredentials(req.headers.authorization);
    const client = credentials ? state.clients.get(credentials.clientId) : undefined;
    if (!credentials || !client || client.vendor !== 'athena' || !ClientRegistry.secretMatches(client, credentials.secret)) {
      return oauthError(res, 401, 'invalid_client', 'Client authentication failed.', { 'www-authenticate': 'Basic realm="athenahealth"' });
    }
    if (form.grant_type !== 'client_credentials') return oauthError(res, 400, 'unsupported_grant_type', 'grant_type must be client_credentials.');
    const scopes = (form.scope ?? '').split(/\s+/).filter((s) => s !== '');
    if (!scopes.includes(ATHENA_SCOPE)) return oauthError(res, 400, 'invalid_scope', `The scope must include ${ATHENA_SCOPE}.`);
    const limit = state.athena.settings.tokensPerMinute;
    const quota = state.athena.tokenLimiter.take(client.clientId, state.now(), limit);
    const rateHeaders = { 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': String(quota.remaining) };
    if (!quota.ok) return oauthError(res, 429, 'rate_limit_exceeded', 'Too many token requests this minute.', rateHeaders);
    const { token } = state.tokens.issue({ vendor: 'athena', clientId: client.clientId, scopes }, ATHENA_TOKEN_TTL_SECONDS);
    res.set({ 'cache-control': 'no-store', pragma: 'no-cache', ...rateHeaders }).json({ access_token: token, expires_in: String(ATHENA_TOKEN_TTL_SECONDS), scope: scopes.join(' ') });
  });
  return router;
}
