import { createHmac } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';

/** The signing key of a `whsec_…` secret: the base64 after the prefix. */
export function signingKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

/**
 * Standard Webhooks headers for one delivery attempt
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme):
 * `webhook-signature` is `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`, one per
 * secret, space-separated — the current secret and each previous one still in its rotation grace period.
 */
export function webhookHeaders(input: { id: string; timestampSeconds: number; body: string; secrets: readonly string[] }): Record<string, string> {
  const signed = `${input.id}.${input.timestampSeconds}.${input.body}`;
  const signatures = input.secrets.map((secret) => `v1,${createHmac('sha256', signingKey(secret)).update(signed, 'utf8').digest('base64')}`);
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(input.timestampSeconds),
    'webhook-signature': signatures.join(' '),
  };
}
