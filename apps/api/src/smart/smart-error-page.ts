import type { Response } from 'express';
import type { SmartOAuthError } from '@sb/smart';

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** No flow value may leak through a cache, a Referer header or a frame. */
export function noStore(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

/** Answers a SMART flow error where RFC 6749 says it goes: the client's redirect URI, a JSON body, or a page. */
export function sendOAuthError(res: Response, e: SmartOAuthError): void {
  noStore(res);
  const redirect = e.redirectUrl();
  if (redirect) {
    res.redirect(302, redirect);
    return;
  }
  const status = e.target.kind === 'redirect' ? 400 : e.target.status;
  if (e.target.kind === 'json') {
    if (status === 401) res.setHeader('WWW-Authenticate', 'Basic realm="smart"');
    res.status(status).json({ error: e.error, error_description: e.description });
    return;
  }
  res
    .status(status)
    .type('html')
    .setHeader('Content-Security-Policy', "default-src 'none'")
    .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Launch failed</title></head><body><h1>The app could not be launched</h1><p>${escapeHtml(e.description)}</p><p>Error: <code>${escapeHtml(e.error)}</code></p></body></html>`);
}
