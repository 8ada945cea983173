import { ErrorCode, notFound, SbError, TRANSACTION_CLASSES, type Actor } from '@sb/core';
import { MAX_ALERT_RULE_NAME_CHARS, USAGE_ALERT_METRICS, type AdjustmentTarget } from '@sb/billing';
import { z } from 'zod';

/**
 * Request and response shapes of usage adjustments and usage alert rules (zod: validation and
 * the OpenAPI document from one source). Dates are ISO 8601 with an offset.
 */
const instant = z.iso.datetime({ offset: true }).transform((v) => new Date(v));
const isoDateTime = z.iso.datetime({ offset: true });
const uuid = z.uuid();

/** The most transactions one adjustment request lists. */
export const MAX_ADJUSTMENT_TRANSACTIONS = 1000;
/** The longest range one adjustment request covers. */
const MAX_ADJUSTMENT_RANGE_DAYS = 366;
const DAY_MS = 86_400_000;

// Object refinements run even when a field failed (zod 4): check the types before comparing.
const bothDates = (q: { from?: unknown; to?: unknown }): q is { from: Date; to: Date } => q.from instanceof Date && q.to instanceof Date;

export const createAdjustmentSchema = z
  .strictObject({
    tenantId: uuid,
    transactionIds: z.array(uuid).min(1).max(MAX_ADJUSTMENT_TRANSACTIONS).optional(),
    connectionId: uuid.optional(),
    from: instant.optional(),
    to: instant.optional(),
    action: z.enum(['void', 'amend']),
    units: z.number().int().min(0).max(1_000_000).optional().meta({ description: 'The corrected units of each targeted event (amend only)' }),
    reason: z.string().trim().min(3).max(500),
  })
  .superRefine((b, ctx) => {
    const range = b.connectionId !== undefined || b.from !== undefined || b.to !== undefined;
    if (b.transactionIds && range) ctx.addIssue({ code: 'custom', path: ['transactionIds'], message: 'either transactionIds or connectionId + from + to, not both' });
    if (!b.transactionIds && !range) ctx.addIssue({ code: 'custom', path: ['transactionIds'], message: 'transactionIds, or connectionId + from + to, is required' });
    if (!b.transactionIds && range) {
      for (const field of ['connectionId', 'from', 'to'] as const) if (b[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'required with a range' });
    }
    if (bothDates(b) && b.from.getTime() >= b.to.getTime()) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before `to`' });
    if (bothDates(b) && b.to.getTime() - b.from.getTime() > MAX_ADJUSTMENT_RANGE_DAYS * DAY_MS) ctx.addIssue({ code: 'custom', path: ['to'], message: `at most ${MAX_ADJUSTMENT_RANGE_DAYS} days after \`from\`` });
    if (b.action === 'amend' && b.units === undefined) ctx.addIssue({ code: 'custom', path: ['units'], message: 'required for amend' });
    if (b.action === 'void' && b.units !== undefined) ctx.addIssue({ code: 'custom', path: ['units'], message: 'only for amend' });
  });
export type CreateAdjustmentBody = z.output<typeof createAdjustmentSchema>;

/** The validated body's target: the listed transactions, or one connection's [from, to). */
export function adjustmentTargetOf(body: CreateAdjustmentBody): AdjustmentTarget {
  if (body.transactionIds) return { transactionIds: body.transactionIds };
  if (body.connectionId && body.from && body.to) return { connectionId: body.connectionId, from: body.from, to: body.to };
  // Unreachable after the schema's refinements; kept so a schema change cannot pass an empty target.
  throw new SbError(ErrorCode.ValidationFailed, 'Request validation failed', { issues: [{ path: 'transactionIds', message: 'transactionIds, or connectionId + from + to, is required' }] });
}

export const listAdjustmentsSchema = z
  .strictObject({
    tenantId: uuid.optional().meta({ description: 'Required for the operator; a tenant credential may name only its own' }),
    from: instant.optional(),
    to: instant.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor: z.string().max(200).optional(),
  })
  .refine((q) => !bothDates(q) || q.from.getTime() < q.to.getTime(), { path: ['from'], message: 'must be before `to`' });
export type ListAdjustmentsQuery = z.output<typeof listAdjustmentsSchema>;

const adjustmentViewSchema = z.object({
  id: uuid,
  transactionId: uuid,
  unitsDelta: z.number().int(),
  periodStart: isoDateTime,
  lands: z.enum(['draft', 'next-invoice']).meta({ description: '`draft`: the period is still open; `next-invoice`: a correction line on the next invoice' }),
});
export const adjustmentAnswerSchema = z.object({
  requestId: uuid,
  replayed: z.boolean().meta({ description: 'True when this is the stored answer to an earlier request with the same Idempotency-Key' }),
  adjustments: z.array(adjustmentViewSchema),
  skipped: z.array(z.object({ transactionId: uuid, reason: z.enum(['failed', 'sandbox', 'duplicate', 'unclassified', 'unchanged']) })),
});
export const adjustmentPageSchema = z.object({
  data: z.array(
    z.object({
      id: uuid,
      tenantId: uuid,
      requestId: uuid,
      transactionId: uuid,
      connectionId: uuid,
      class: z.string(),
      environment: z.enum(['sandbox', 'production']),
      occurredAt: isoDateTime,
      periodStart: isoDateTime,
      action: z.enum(['void', 'amend']),
      unitsDelta: z.number().int(),
      reason: z.string(),
      actorType: z.string(),
      actorId: z.string(),
      createdAt: isoDateTime,
      invoiceId: uuid.nullable(),
    }),
  ),
  next: z.string().nullable(),
});

/** A decimal string: digits, an optional fraction of up to 6 digits, no sign or exponent. */
const DECIMAL = /^(0|[1-9]\d{0,14})(\.\d{1,6})?$/;

export const createAlertRuleSchema = z
  .strictObject({
    tenantId: uuid.optional().meta({ description: 'Required for the operator; a tenant credential may name only its own' }),
    name: z.string().trim().min(1).max(MAX_ALERT_RULE_NAME_CHARS),
    metric: z.enum(USAGE_ALERT_METRICS),
    threshold: z.string().regex(DECIMAL, 'a positive decimal string, e.g. "1000" or "250.50"').refine((t) => !/^0(\.0+)?$/.test(t), 'must be greater than 0'),
    connectionId: uuid.optional(),
    class: z.enum(TRANSACTION_CLASSES).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.metric === 'units' && r.threshold.includes('.')) ctx.addIssue({ code: 'custom', path: ['threshold'], message: 'units are whole numbers' });
    if (r.metric === 'includedPercent' && r.class === undefined) ctx.addIssue({ code: 'custom', path: ['class'], message: 'required for includedPercent (included units are per class)' });
    if ((r.metric === 'amount' || r.metric === 'projectedSpend') && r.connectionId !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['connectionId'], message: 'amounts are priced per tenant (tiers span every connection): not per connection' });
    }
  });
export type CreateAlertRuleBody = z.output<typeof createAlertRuleSchema>;

export const alertTenantQuerySchema = z.strictObject({
  tenantId: uuid.optional().meta({ description: 'Required for the operator; a tenant credential may name only its own' }),
});

const firingSchema = z.object({ periodStart: isoDateTime, value: z.string(), eventId: uuid, firedAt: isoDateTime });
export const alertRuleSchema = z.object({
  id: uuid,
  tenantId: uuid,
  name: z.string(),
  metric: z.enum(USAGE_ALERT_METRICS),
  threshold: z.string(),
  connectionId: uuid.nullable(),
  class: z.string().nullable(),
  createdAt: isoDateTime,
  lastFiring: firingSchema.nullable().meta({ description: 'The latest `usage.threshold_crossed` of this rule (one per billing period at most)' }),
});

/**
 * The tenant a billing route acts on: a tenant credential's own (naming another tenant is a 404,
 * as if it did not exist); the operator must name one.
 */
export function actingTenant(actor: Actor, tenantId: string | undefined): string {
  if (actor.type === 'operator') {
    if (tenantId === undefined) throw new SbError(ErrorCode.ValidationFailed, 'Request validation failed', { issues: [{ path: 'tenantId', message: 'required for the operator' }] });
    return tenantId;
  }
  if (tenantId !== undefined && tenantId.toLowerCase() !== actor.tenantId) throw notFound('Tenant');
  return actor.tenantId;
}

/** An opaque page cursor: the (createdAt, id) of the last row of a page. */
export const encodeCursor = (row: { createdAt: Date; id: string }): string => Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (!id || !uuid.safeParse(id).success || Number.isNaN(createdAt.getTime())) {
    throw new SbError(ErrorCode.ValidationFailed, 'Request validation failed', { issues: [{ path: 'cursor', message: 'not a cursor this route returned' }] });
  }
  return { createdAt, id };
}
