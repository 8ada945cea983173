import { isBillingPeriodId, isIanaTimeZone } from '@sb/core';
import { CURRENCIES, isCurrency, periodQuantitiesSchema, ratedLineSchema } from '@sb/billing';
import { z } from 'zod';

/**
 * Request and response shapes of plans, tenant billing terms, previews and invoices (zod:
 * validation and the OpenAPI document from one source). Amounts are decimal strings; instants
 * are ISO 8601 strings on the wire.
 */
const isoDateTime = z.iso.datetime({ offset: true });
const uuid = z.uuid();
const money = z.string().meta({ description: 'A decimal string', example: '600.00' });

/** The longest grace before a period closes: three days. */
export const MAX_GRACE_MINUTES = 4320;
export const DEFAULT_GRACE_MINUTES = 60;

const periodRef = z
  .string()
  .refine((v) => v === 'current' || isBillingPeriodId(v), { message: 'must be `current`, `YYYY-MM` or a period id (`YYYY-MM-DD`)' })
  .meta({ description: '`current`, `YYYY-MM` (a natural period) or a period id', example: '2026-03' });

// ---- requests ------------------------------------------------------------------------

/** `PUT /v1/tenants/{id}/billing`. */
export const tenantBillingBodySchema = z.strictObject({
  planId: uuid,
  timezone: z
    .string()
    .refine(isIanaTimeZone, { message: 'must be an IANA time zone such as America/New_York or UTC' })
    .meta({ description: 'IANA time zone that cuts the billing periods', example: 'America/New_York' }),
  anchorDay: z.number().int().min(1).max(31).meta({ description: 'Day of month a period starts (clamped to short months)' }),
  currency: z
    .string()
    .refine(isCurrency, { message: `unknown currency (supported: ${CURRENCIES.join(', ')})` })
    .meta({ description: 'ISO 4217 code; must be the plan’s currency', example: 'USD' }),
  graceMinutes: z.number().int().min(0).max(MAX_GRACE_MINUTES).default(DEFAULT_GRACE_MINUTES).meta({ description: 'Minutes after a period ends before it is finalized' }),
});
export type TenantBillingBody = z.output<typeof tenantBillingBodySchema>;

/** `POST /v1/plans/{id}/quote`: a hypothetical period, priced under the latest version unless `version` names one. */
export const quoteBodySchema = periodQuantitiesSchema.extend({
  version: z.number().int().min(1).optional().meta({ description: 'The plan version to price with (default: the latest)' }),
});
export type QuoteBody = z.output<typeof quoteBodySchema>;

/** `GET /v1/billing/invoices/preview`. */
export const previewQuerySchema = z.strictObject({
  period: periodRef.default('current'),
  asOf: isoDateTime
    .transform((v) => new Date(v))
    .optional()
    .meta({
      description:
        'The draft as it stood at this instant (after the period’s start, not after its end): usage of the 15-minute rollups starting before it, patients first seen and connections gone live before it; no adjustments or correction lines. A closed period is rated afresh under its plan version.',
      example: '2026-03-15T09:45:00Z',
    }),
  tenantId: uuid.optional().meta({ description: 'Required for the operator; a tenant credential may name only its own' }),
});
export type PreviewQuery = z.output<typeof previewQuerySchema>;

/** `GET /v1/billing/invoices`. */
export const invoiceListQuerySchema = z.strictObject({
  tenantId: uuid.optional().meta({ description: 'The operator: one tenant’s invoices (default every tenant’s); a tenant credential may name only its own' }),
});

/** `POST /v1/billing/invoices/close`. */
export const closeBodySchema = z.strictObject({
  tenantId: uuid,
  period: z
    .string()
    .refine(isBillingPeriodId, { message: 'must be `YYYY-MM` or a period id (`YYYY-MM-DD`)' })
    .meta({ example: '2026-03' }),
});
export type CloseBody = z.output<typeof closeBodySchema>;

// ---- responses -----------------------------------------------------------------------

const tierDefinitionSchema = z.object({ upTo: z.number().int().nullable(), unitPrice: money });
const componentSchema = z.object({
  class: z.string(),
  model: z.enum(['unit', 'graduated', 'volume', 'package']),
  unitPrice: money.optional(),
  tiers: z.array(tierDefinitionSchema).optional(),
  packageSize: z.number().int().optional(),
  includedUnits: z.number().int().optional(),
});
/** A stored plan version's definition. */
export const planDefinitionSchema = z.object({
  currency: z.string(),
  components: z.array(componentSchema),
  minimumCommitment: money.optional(),
  cap: money.optional(),
});

export const planCreatedSchema = z.object({ id: uuid, version: z.number().int(), name: z.string(), currency: z.string(), definition: planDefinitionSchema });
export const planVersionCreatedSchema = z.object({ id: uuid, version: z.number().int() });
export const planSummarySchema = z.object({ id: uuid, name: z.string(), currency: z.string(), latestVersion: z.number().int(), createdAt: isoDateTime });
export const planVersionSchemaOut = z.object({
  version: z.number().int(),
  definition: planDefinitionSchema,
  definitionHash: z.string().meta({ description: 'SHA-256 (hex) of the definition’s canonical JSON' }),
  createdBy: z.string(),
  createdAt: isoDateTime,
});
export const planDetailSchema = planSummarySchema.extend({ versions: z.array(planVersionSchemaOut) });

export const quoteSchema = z.object({
  planId: uuid,
  version: z.number().int(),
  currency: z.string(),
  lines: z.array(ratedLineSchema),
  subtotal: money.meta({ description: 'Usage lines, before the minimum commitment and the cap' }),
  total: money.meta({ description: 'Exact sum of the lines' }),
});

export const termsSchema = z.object({
  id: uuid,
  tenantId: uuid,
  planId: uuid,
  planVersion: z.number().int(),
  timezone: z.string(),
  anchorDay: z.number().int(),
  currency: z.string(),
  graceMinutes: z.number().int(),
  effectiveFrom: isoDateTime,
  createdBy: z.string(),
  createdAt: isoDateTime,
});
export const assignedTermsSchema = z.object({
  tenantId: uuid,
  planId: uuid,
  planVersion: z.number().int(),
  timezone: z.string(),
  anchorDay: z.number().int(),
  currency: z.string(),
  graceMinutes: z.number().int(),
  effectiveFrom: isoDateTime.meta({ description: 'First terms: the start of the current period under the new schedule; later changes: the start of the next period' }),
});
const periodSchema = z.object({ id: z.string(), start: isoDateTime, end: isoDateTime, timezone: z.string() });
export const tenantBillingSchema = z.object({
  tenantId: uuid,
  current: termsSchema.nullable().meta({ description: 'The terms in force now (null: none yet)' }),
  upcoming: termsSchema.nullable().meta({ description: 'Terms taking effect from the next period, if any' }),
  history: z.array(termsSchema),
  currentPeriod: periodSchema,
});

const quantitiesSchema = z.object({
  usage: z.record(z.string(), z.number().int()).meta({ description: 'Billable units per transaction class, adjustments included' }),
  activeConnections: z.number().int(),
  distinctPatients: z.number().int(),
  newLiveConnections: z.number().int(),
});
export const invoiceViewSchema = z.object({
  tenantId: uuid,
  status: z.enum(['draft', 'final']).meta({ description: '`final` once the period is closed (the stored invoice, never recomputed)' }),
  invoice: z.object({ id: uuid, number: z.string(), sha256: z.string(), finalizedAt: isoDateTime }).nullable(),
  period: periodSchema,
  plan: z.object({ id: uuid, name: z.string(), version: z.number().int() }).nullable().meta({ description: 'null: the tenant had no billing terms in the period (no lines, total "0", currency USD)' }),
  currency: z.string(),
  quantities: quantitiesSchema,
  lines: z.array(ratedLineSchema),
  subtotal: money,
  total: money,
  dataRefreshedAt: isoDateTime,
  asOf: isoDateTime.nullable().meta({ description: 'The instant of an `asOf` preview (then always a draft, without adjustments or corrections); null for the period as it stands' }),
});

export const invoiceSummarySchema = z.object({
  id: uuid,
  tenantId: uuid,
  number: z.string().meta({ example: 'SB-000001' }),
  period: periodSchema,
  currency: z.string(),
  planId: uuid,
  planVersion: z.number().int(),
  total: money,
  sha256: z.string().meta({ description: 'SHA-256 (hex) of `document` (the canonical JSON)' }),
  finalizedAt: isoDateTime,
});
export const invoiceDetailSchema = invoiceSummarySchema.extend({
  document: z.string().meta({ description: 'The canonical JSON the sha256 covers' }),
  subtotal: money,
  quantities: quantitiesSchema,
  lines: z.array(ratedLineSchema),
});
