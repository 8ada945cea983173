import type { Attributes, Span } from '@opentelemetry/api';

/**
 * Our own span attributes: the only `sb.*` keys the span redactor lets through.
 * Values are ids, enums and codes — never names, identifiers from a chart, or
 * free text. Adding a key here is a deliberate, reviewed act.
 */
export const SAFE_SPAN_ATTRIBUTE = {
  tenantId: 'sb.tenant_id',
  connectionId: 'sb.connection_id',
  operation: 'sb.operation',
  resourceType: 'sb.resource_type',
  transactionId: 'sb.transaction_id',
  outcome: 'sb.outcome',
  errorCode: 'sb.error_code',
  vendor: 'sb.vendor',
  actorType: 'sb.actor_type',
  jobName: 'sb.job_name',
  jobAttempt: 'sb.job_attempt',
} as const;

export type SafeSpanAttributeName = keyof typeof SAFE_SPAN_ATTRIBUTE;
export type SafeSpanAttributeKey = (typeof SAFE_SPAN_ATTRIBUTE)[SafeSpanAttributeName];
export type SafeSpanAttributeValues = Partial<Record<SafeSpanAttributeName, string>>;

export const SAFE_SPAN_ATTRIBUTE_KEYS: ReadonlySet<string> = new Set(Object.values(SAFE_SPAN_ATTRIBUTE));

/** `{ tenantId: 't1' }` → `{ 'sb.tenant_id': 't1' }`, skipping undefined values. */
export function safeSpanAttributes(values: SafeSpanAttributeValues): Attributes {
  const out: Attributes = {};
  for (const [name, value] of Object.entries(values) as [SafeSpanAttributeName, string | undefined][]) {
    if (value !== undefined) out[SAFE_SPAN_ATTRIBUTE[name]] = value;
  }
  return out;
}

export function setSafeSpanAttributes(span: Span, values: SafeSpanAttributeValues): void {
  span.setAttributes(safeSpanAttributes(values));
}
