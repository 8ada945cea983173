import type { AppConfig } from '@sb/config';
import { ErrorCode, SbError } from '@sb/core';
import type { Connection } from '@sb/db';
import { checkTarget, parseOutboundUrl, type TargetPolicy } from '@sb/net';
import { isIP } from 'node:net';

export interface OutboundPolicy {
  policy: TargetPolicy;
  allowHttp: boolean;
}

/** What decides where a connection may point: its environment and every address it names. */
export type ConnectionReach = Pick<Connection, 'environment' | 'fhirBaseUrl' | 'tokenUrl' | 'athenaBaseUrl' | 'mllpHost' | 'mllpPort'>;

/** The host:port (and scheme) of a URL, or null when it is not one. */
function originOf(raw: string): string | null {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}`;
  } catch {
    return null;
  }
}

/**
 * Whether every address a sandbox connection names is the built-in sandbox (`SB_SANDBOX_URL`'s
 * scheme, host and port; for MLLP its host and `SB_SANDBOX_MLLP_PORT`). Only such a connection
 * may reach loopback and private addresses in production mode: the port is pinned by the URL,
 * so no other service on the gateway's host or network is reachable through it.
 */
function onlyTheSandbox(config: AppConfig, c: ConnectionReach): boolean {
  const sandbox = originOf(config.sandboxUrl);
  const urls = [c.fhirBaseUrl, c.tokenUrl, c.athenaBaseUrl].filter((u): u is string => typeof u === 'string' && u.length > 0);
  const mllp = c.mllpHost !== null || c.mllpPort !== null;
  // Naming nothing is not naming the sandbox (an athena connection without URLs calls athena's own host).
  if (urls.length === 0 && !mllp) return false;
  if (!urls.every((u) => sandbox !== null && originOf(u) === sandbox)) return false;
  return !mllp || (c.mllpHost === new URL(config.sandboxUrl).hostname && config.sandboxMllpPort !== undefined && c.mllpPort === config.sandboxMllpPort);
}

/**
 * Where a connection (or, with `'public'`, anything else a tenant names: webhook and JWKS
 * URLs) may point. Production deployments allow public https addresses only; a sandbox
 * connection may also use plain http, and reach loopback and private addresses when it points
 * at the built-in sandbox and nowhere else. SB_ALLOW_PRIVATE_TARGETS opens everything for local
 * development (the default outside production mode).
 */
export function outboundPolicyFor(config: AppConfig, connection: ConnectionReach | 'public'): OutboundPolicy {
  if (config.allowPrivateTargets) return { policy: { allowPrivate: true, allowLoopback: true }, allowHttp: true };
  const sandbox = connection !== 'public' && connection.environment === 'sandbox';
  const local = sandbox && onlyTheSandbox(config, connection);
  return { policy: { allowPrivate: local, allowLoopback: local }, allowHttp: sandbox };
}

/**
 * Validates a URL an admin gives a connection: syntax, scheme, and the addresses its
 * host resolves to now. A host that does not resolve yet is accepted; every call
 * re-checks at connect time, which is what stops rebinding.
 */
export async function validateConnectionUrl(raw: string, field: string, outbound: OutboundPolicy): Promise<string> {
  const parsed = parseOutboundUrl(raw, { allowHttp: outbound.allowHttp });
  if (!parsed.ok) throw invalidField(field, parsed.reason === 'scheme_not_allowed' ? 'must be an https URL' : `not an acceptable URL (${parsed.reason})`);
  const target = await checkTarget(parsed.url, outbound.policy);
  if (!target.ok && target.reason === 'target_not_allowed') {
    throw invalidField(field, `points at a ${target.addressClass ?? 'disallowed'} address, which this deployment does not allow`);
  }
  return parsed.url.href.replace(/\/+$/, '');
}

/**
 * Validates an outbound MLLP host the same way: the addresses it resolves to now must be ones
 * the connection may reach (the dispatcher and the connection test check again at connect time).
 */
export async function validateMllpHost(host: string, outbound: OutboundPolicy): Promise<void> {
  let url: URL;
  try {
    url = new URL(`http://${isIP(host) === 6 ? `[${host}]` : host}`);
  } catch {
    throw invalidField('mllpHost', 'not a host name or IP address');
  }
  const target = await checkTarget(url, outbound.policy);
  if (!target.ok && target.reason === 'target_not_allowed') {
    throw invalidField('mllpHost', `points at a ${target.addressClass ?? 'disallowed'} address, which this deployment does not allow`);
  }
}

export const invalidField = (path: string, message: string): SbError =>
  new SbError(ErrorCode.ValidationFailed, 'Request validation failed', { issues: [{ path, message }] });
