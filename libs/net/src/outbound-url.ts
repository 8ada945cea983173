import { isIPv4 } from 'node:net';
import { OutboundError, type OutboundReason } from './outbound-error';

export type UrlRejectionReason = Extract<
  OutboundReason,
  'invalid_url' | 'scheme_not_allowed' | 'credentials_in_url' | 'fragment_not_allowed' | 'host_not_allowed'
>;

export type OutboundUrlResult = { ok: true; url: URL } | { ok: false; reason: UrlRejectionReason };

export interface OutboundUrlOptions {
  /** Plain http is for the sandbox and local development only. */
  allowHttp: boolean;
}

// Far above any real FHIR base, token or JWKS URL; bounds what we store and log.
const MAX_URL_LENGTH = 2048;

/**
 * Validates a tenant-supplied URL before it is stored or called. Address policy
 * (loopback, private ranges) is not decided here but by `checkTarget`, which sees
 * what the host resolves to; callers should keep `url.href`, the normalized form
 * this check was made on, rather than the raw input.
 */
export function parseOutboundUrl(raw: string, options: OutboundUrlOptions): OutboundUrlResult {
  // WHATWG parsing silently drops tabs and newlines and reads `\` as `/`: another
  // parser given the same raw string could see a different host.
  if (raw.length > MAX_URL_LENGTH || hasAmbiguousCharacter(raw)) return reject('invalid_url');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return reject('invalid_url');
  }
  if (!(url.protocol === 'https:' || (options.allowHttp && url.protocol === 'http:'))) {
    return reject('scheme_not_allowed');
  }
  // `https:host` and `https:///host` parse too, but only `scheme://authority` is unambiguous.
  const authority = /^https?:\/\/([^/?#]+)/i.exec(raw)?.[1];
  if (authority === undefined || url.hostname === '') return reject('invalid_url');
  if (url.username !== '' || url.password !== '' || authority.includes('@')) return reject('credentials_in_url');
  if (url.href.includes('#')) return reject('fragment_not_allowed');
  // `0x7f.1`, `2130706433`, `0177.0.0.1` and `%31%32%37.0.0.1` all parse to 127.0.0.1;
  // no real endpoint is configured that way, but filter-evasion payloads are.
  if (isIPv4(url.hostname) && hostOf(authority) !== url.hostname) return reject('host_not_allowed');
  return { ok: true, url };
}

/** `parseOutboundUrl` that throws an `OutboundError` carrying the rejection reason. */
export function parseOutboundUrlOrFail(raw: string, options: OutboundUrlOptions): URL {
  const result = parseOutboundUrl(raw, options);
  if (!result.ok) throw new OutboundError(result.reason);
  return result.url;
}

function reject(reason: UrlRejectionReason): OutboundUrlResult {
  return { ok: false, reason };
}

/** ASCII controls, space, DEL and backslash. */
function hasAmbiguousCharacter(raw: string): boolean {
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f || code === 0x5c) return true;
  }
  return false;
}

function hostOf(authority: string): string {
  return authority.replace(/:\d*$/, '').replace(/\.$/, '');
}
