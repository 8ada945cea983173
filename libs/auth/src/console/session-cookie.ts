import type { Request } from 'express';

/**
 * The console's session cookie. With an https public URL it is `__Host-` prefixed
 * and `Secure` (bound to this host, path `/`, never set by a subdomain):
 * https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Set-Cookie#cookie_prefixes
 */
export const sessionCookieName = (publicUrl: string): string => (publicUrl.startsWith('https:') ? '__Host-sb_session' : 'sb_session');

const secure = (publicUrl: string): string => (publicUrl.startsWith('https:') ? '; Secure' : '');

export const sessionCookie = (publicUrl: string, token: string, maxAgeSeconds: number): string =>
  `${sessionCookieName(publicUrl)}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure(publicUrl)}`;

export const clearedSessionCookie = (publicUrl: string): string =>
  `${sessionCookieName(publicUrl)}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure(publicUrl)}`;

/** The session token from the Cookie header, if the request carries one. */
export function readSessionCookie(req: Request, publicUrl: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  const name = sessionCookieName(publicUrl);
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
