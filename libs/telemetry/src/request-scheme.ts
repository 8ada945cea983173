import type { Request } from 'express';
import type { TLSSocket } from 'node:tls';

/**
 * `req.protocol`, without asking the trust-proxy policy when no `X-Forwarded-Proto` came: the answer is then
 * the socket's own scheme whoever the peer is, and the policy parses the peer's address on every call.
 */
export function requestScheme(req: Request): string {
  if (!req.headers['x-forwarded-proto']) return (req.socket as Partial<TLSSocket>).encrypted ? 'https' : 'http';
  return req.protocol;
}
