import type { AppConfig } from '@sb/config';
import { ErrorCode, SbError } from '@sb/core';
import { checkTarget, LOCAL_DEVELOPMENT_TARGETS, parseOutboundUrl, PUBLIC_ONLY_TARGETS, type Resolver, type TargetPolicy } from '@sb/net';

export interface WebhookUrlPolicy {
  allowHttp: boolean;
  targets: TargetPolicy;
}

/**
 * Where webhooks may be sent. Production mode: https only, public addresses only.
 * SB_ALLOW_PRIVATE_TARGETS (the default outside production) opens private and
 * loopback targets and plain http for local receivers, as it does for connections;
 * metadata addresses stay refused whatever the setting.
 */
export function webhookUrlPolicy(config: Pick<AppConfig, 'mode' | 'allowPrivateTargets'>): WebhookUrlPolicy {
  const open = config.allowPrivateTargets;
  return { allowHttp: open || config.mode !== 'production', targets: open ? LOCAL_DEVELOPMENT_TARGETS : PUBLIC_ONLY_TARGETS };
}

const invalidUrl = (message: string): SbError =>
  new SbError(ErrorCode.ValidationFailed, 'Request validation failed', { issues: [{ path: 'url', message }] });

const REASONS: Record<string, string> = {
  invalid_url: 'not a valid absolute URL',
  credentials_in_url: 'must not carry credentials',
  fragment_not_allowed: 'must not have a fragment',
  host_not_allowed: 'host is written in an unusual form; use the plain address or a host name',
};

/**
 * Validates a webhook URL at registration: syntax, scheme, and every address the host
 * resolves to now (the SSRF guard). A host that does not resolve yet is accepted: the
 * delivery worker checks again at connect time, which is what stops DNS rebinding.
 * Returns the normalized URL. Errors name the rule, never the URL.
 */
export async function validateWebhookUrl(raw: string, policy: WebhookUrlPolicy, resolver?: Resolver): Promise<string> {
  const parsed = parseOutboundUrl(raw, { allowHttp: policy.allowHttp });
  if (!parsed.ok) {
    if (parsed.reason === 'scheme_not_allowed') {
      throw invalidUrl(policy.allowHttp ? 'must be an http or https URL' : 'must be an https URL in production mode');
    }
    throw invalidUrl(REASONS[parsed.reason] ?? 'not an acceptable URL');
  }
  const target = await checkTarget(parsed.url, policy.targets, resolver);
  if (!target.ok && target.reason === 'target_not_allowed') {
    const what = target.addressClass === 'metadata' ? 'a cloud metadata' : target.addressClass === 'loopback' ? 'a loopback' : 'a private';
    throw invalidUrl(`resolves to ${what} address (${target.addressClass ?? 'reserved'}), which this deployment does not allow`);
  }
  return parsed.url.href;
}
