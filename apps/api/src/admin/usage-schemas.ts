import { USAGE_WINDOWS } from '@sb/db';
import { z } from 'zod';

/**
 * Response shapes of the usage report routes (`GET /v1/usage`, `/reconciliation`), for the
 * OpenAPI document and so the console's typed client. Dates are ISO 8601 strings on the wire.
 */
const isoDateTime = z.iso.datetime({ offset: true });
const uuid = z.uuid();
const count = z.number().int().min(0);

export const usageRowSchema = z.object({
  start: isoDateTime.meta({ description: 'Window start (inclusive), clipped to the range' }),
  end: isoDateTime.meta({ description: 'Window end (exclusive), clipped to the range' }),
  connectionId: uuid.optional(),
  connectionName: z.string().nullable().optional().meta({ description: 'The connection’s current name, when grouped by connection' }),
  vendor: z.string().optional(),
  operation: z.string().optional().meta({ description: 'As usage events name it: read, search, create, message.in, …' }),
  resourceType: z.string().optional(),
  class: z.string().nullable().optional().meta({ description: 'Billable class (fhir.read, hl7.in, …); null for traffic no class covers' }),
  environment: z.enum(['sandbox', 'production']).optional(),
  outcome: z.enum(['success', 'error']).optional(),
  billable: z.boolean().optional(),
  count: count.meta({ description: 'Transactions' }),
  units: count.meta({ description: 'Units (1 per transaction; a bulk export counts its resources)' }),
});

export const usagePageSchema = z.object({
  data: z.array(usageRowSchema).meta({ description: 'Windows in time order; windows without transactions are left out. Only the grouped dimensions are present.' }),
  next: z.string().nullable().meta({ description: 'Pass as `cursor` (with the same query) for the next page; null on the last page' }),
  dataRefreshedAt: isoDateTime.meta({ description: 'Every transaction committed before this instant is counted' }),
  timezone: z.string().meta({ description: 'The IANA zone the windows were cut in' }),
  window: z.enum(USAGE_WINDOWS),
  from: isoDateTime.meta({ description: 'The range counted: the query’s, widened to 15-minute boundaries' }),
  to: isoDateTime,
});

const figures = z.object({ count, units: count });
const bucketKey = {
  connectionId: uuid,
  class: z.string().nullable(),
  environment: z.enum(['sandbox', 'production']),
  billable: z.boolean(),
};

export const reconciliationSchema = z.object({
  status: z.enum(['balanced', 'unbalanced']),
  tenantId: uuid,
  from: isoDateTime.meta({ description: 'The range recomputed: the query’s, widened to 15-minute boundaries' }),
  to: isoDateTime,
  dataRefreshedAt: isoDateTime,
  usageEvents: count.meta({ description: 'Usage events in the range' }),
  auditTransactions: count.meta({ description: 'Pipeline transactions in the audit trail in the range' }),
  buckets: count.meta({ description: 'Rollup buckets compared' }),
  periods: z.array(z.object({ id: z.string(), start: isoDateTime, end: isoDateTime })).meta({ description: 'Billing periods overlapping the range, compared whole' }),
  pending: z.object({ count, transactionIds: z.array(uuid) }).meta({ description: 'Usage events not yet rolled up: left out of both sides of every comparison' }),
  explained: z
    .array(
      z.object({
        id: uuid,
        periodId: z.string(),
        periodStart: isoDateTime,
        transactionId: uuid,
        connectionId: uuid,
        class: z.string(),
        environment: z.enum(['sandbox', 'production']),
        action: z.string(),
        unitsDelta: z.number().int(),
        reason: z.string(),
        invoiceId: uuid.nullable().meta({ description: 'The invoice that carries it; null while outstanding' }),
        createdAt: isoDateTime,
      }),
    )
    .meta({ description: 'Adjustments of the periods compared, with their reasons: explained differences between raw usage and billed quantities, not errors' }),
  differences: z.object({
    missingUsage: z.array(uuid).meta({ description: 'Transactions in the audit trail without their usage event' }),
    extraUsage: z.array(uuid).meta({ description: 'Usage events without any audit record of their transaction' }),
    mismatched: z.array(uuid).meta({ description: 'Usage events whose audit records disagree on tenant, connection, operation or outcome' }),
    buckets: z.array(
      z.object({
        bucketStart: isoDateTime,
        ...bucketKey,
        operation: z.string(),
        resourceType: z.string(),
        outcome: z.enum(['success', 'error']),
        rollup: figures,
        recount: figures,
      }),
    ),
    periodTotals: z.array(z.object({ periodId: z.string(), periodStart: isoDateTime, ...bucketKey, stored: figures, recount: figures })).meta({ description: 'Period totals (UsagePeriodTotal) that differ from the recount of the whole period' }),
    distinctPatients: z.array(z.object({ periodId: z.string(), stored: count, recount: count })),
    preview: z.array(
      z.object({
        periodId: z.string(),
        quantity: z.string().meta({ description: 'A class (fhir.read, …) or a per-period count (activeConnection, distinctPatient, connectionGoLive)' }),
        preview: z.number().nullable(),
        expected: z.number().meta({ description: 'From the recount, plus the adjustments the preview counts' }),
      }),
    ).meta({ description: 'Quantities the invoice preview (or the final invoice) bills that differ from the recount' }),
    truncated: z.boolean().meta({ description: 'Some list was cut at 1,000 entries' }),
  }),
});
