import type { AppConfig } from '@sb/config';
import { ErrorCode, SbError } from '@sb/core';
import type { ConnectionEnvironment } from '@sb/db';
import { checkTarget, parseOutboundUrl, type TargetPolicy } from '@sb/net';

export interface OutboundPolicy {
  policy: TargetPolicy;
  allowHttp: boolean;
}

/**
 * Where a connection may point. Production deployments refuse private ranges;
 * loopback (and plain http) is for sandbox-environment connections only, unless
 * SB_ALLOW_PRIVATE_TARGETS opens everything for local development.
 */
export function outboundPolicyFor(config: AppConfig, environment: ConnectionEnvironment): OutboundPolicy {
  const open = config.allowPrivateTargets;
  return {
    policy: { allowPrivate: open, allowLoopback: open || environment === 'sandbox' },
    allowHttp: open || environment === 'sandbox',
  };
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

export const invalidField = (path: string, message: string): SbError =>
  new SbError(ErrorCode.ValidationFailed, 'Request validation failed', { issues: [{ path, message }] });
