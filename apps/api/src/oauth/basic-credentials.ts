/**
 * Client credentials from an `Authorization: Basic` header (client_secret_basic): undefined when
 * there is no such header, null when it is malformed. RFC 6749 §2.3.1: both parts are
 * form-urlencoded before base64.
 */
export function basicCredentials(header: string | undefined): { clientId: string; clientSecret: string } | null | undefined {
  if (!header) return undefined;
  const match = /^Basic ([A-Za-z0-9+/=]{1,2048})$/i.exec(header);
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return null;
  try {
    return { clientId: decodeURIComponent(decoded.slice(0, colon)), clientSecret: decodeURIComponent(decoded.slice(colon + 1)) };
  } catch {
    return null;
  }
}
