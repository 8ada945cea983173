import type { Request, Response } from 'express';

/** RFC 6749 §5.1: token responses (and anything else carrying a credential) are never cached. */
export const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

export interface FormParams {
  get(name: string): string | undefined;
  /** RFC 6749 §3.1: no parameter may be sent twice. */
  repeated: string[];
}

/** An OAuth request's parameters: the query of a GET, the form body of a POST. */
export function formParams(req: Request): FormParams {
  const source = (req.method === 'POST' ? req.body : req.query) as Record<string, unknown> | undefined;
  const values = source && typeof source === 'object' ? source : {};
  return {
    get: (name) => {
      const value = values[name];
      return typeof value === 'string' ? value : undefined;
    },
    repeated: Object.entries(values)
      .filter(([, v]) => Array.isArray(v))
      .map(([k]) => k),
  };
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The authorization server's own error page, for requests it must not redirect
 * (RFC 6749 §4.1.2.1: missing or invalid client_id or redirect_uri). The text
 * never echoes request values.
 */
export function errorPage(res: Response, status: number, error: string, description: string): void {
  res
    .status(status)
    .set({ ...NO_STORE, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'", 'referrer-policy': 'no-referrer' })
    .send(`<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Authorization error</title></head>\n<body><h1>Authorization error: ${escapeHtml(error)}</h1><p>${escapeHtml(description)}</p></body></html>\n`);
}

/** RFC 6749 §5.2 error body. */
export function oauthError(res: Response, status: number, error: string, description: string, headers: Record<string, string> = {}): void {
  res.status(status).set({ ...NO_STORE, ...headers }).json({ error, error_description: description });
}

/** `url` with `params` appended, its own query kept byte for byte. */
export function withQuery(url: URL, params: Record<string, string>): string {
  const added = new URLSearchParams(params).toString();
  const base = url.href.slice(0, url.href.length - url.hash.length);
  return `${base}${url.search === '' ? (base.endsWith('?') ? '' : '?') : '&'}${added}${url.hash}`;
}

/** 302 to a URL that carries a credential (code, launch): no caching, no Referer leak. */
export function redirectTo(res: Response, location: string): void {
  res.set({ ...NO_STORE, 'referrer-policy': 'no-referrer' }).redirect(302, location);
}

export type ClientAuthentication =
  | { kind: 'basic'; clientId: string; secret: string }
  | { kind: 'client_id'; clientId: string; secret?: string }
  | { kind: 'none' }
  | { kind: 'malformed'; description: string };

/**
 * The client at the token endpoint: HTTP Basic (confidential, RFC 6749
 * §2.3.1, each part form-urlencoded first) or a `client_id` in the form
 * (public clients; `client_secret` beside it for client_secret_post).
 * Any secret is accepted: the simulator registers no clients, as smart-launcher.
 */
export function clientAuthentication(req: Request, form: FormParams): ClientAuthentication {
  const header = req.headers.authorization;
  if (header !== undefined && /^Basic\b/i.test(header)) {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    const decoded = m ? Buffer.from(m[1] as string, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon <= 0) return { kind: 'malformed', description: 'the Authorization header is not HTTP Basic client_id:client_secret' };
    let clientId: string;
    let secret: string;
    try {
      clientId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    } catch {
      return { kind: 'malformed', description: 'the Authorization header is not HTTP Basic client_id:client_secret' };
    }
    if (secret === '') return { kind: 'malformed', description: 'the client secret is empty' };
    if (form.get('client_secret') !== undefined) return { kind: 'malformed', description: 'use one client authentication method: HTTP Basic or client_secret in the form, not both' };
    const formClientId = form.get('client_id');
    if (formClientId !== undefined && formClientId !== clientId) return { kind: 'malformed', description: 'client_id in the form differs from the HTTP Basic one' };
    return { kind: 'basic', clientId, secret };
  }
  const clientId = form.get('client_id');
  if (clientId === undefined || clientId === '') return { kind: 'none' };
  const secret = form.get('client_secret');
  return secret === undefined ? { kind: 'client_id', clientId } : { kind: 'client_id', clientId, secret };
}
