import { isIanaTimeZone } from '@sb/core';
import { USAGE_DIMENSIONS, USAGE_WINDOWS, type UsageDimension } from '@sb/db';
import { z } from 'zod';

/** The longest range one usage query covers. */
export const MAX_USAGE_QUERY_DAYS = 366;
/** 15-minute windows are limited to a month: about 3,000 windows per combination of dimensions. */
export const MAX_15M_RANGE_DAYS = 31;
/** The longest range one reconciliation recomputes (two billing periods). */
export const MAX_RECONCILIATION_DAYS = 62;
/** The longest range of one CSV export. */
export const MAX_EXPORT_DAYS = 366;
export const DEFAULT_USAGE_LIMIT = 1_000;
export const MAX_USAGE_LIMIT = 10_000;

const DAY_MS = 86_400_000;

const instant = z.iso.datetime({ offset: true }).transform((v) => new Date(v));
// Object refinements run even when a field failed (zod 4), so a field may still be the raw string here.
const bothDates = (q: { from?: unknown; to?: unknown }): q is { from: Date; to: Date } => q.from instanceof Date && q.to instanceof Date;
const fromBeforeTo = (q: { from?: unknown; to?: unknown }) => !bothDates(q) || q.from.getTime() < q.to.getTime();
const within = (days: number) => (q: { from?: unknown; to?: unknown }) => !bothDates(q) || q.to.getTime() - q.from.getTime() <= days * DAY_MS;

/** An IANA zone name (`America/New_York`, `UTC`); offsets and legacy names are refused. */
export const timezoneSchema = z.string().refine(isIanaTimeZone, { message: 'must be an IANA time zone such as America/New_York or UTC' });

/** `groupBy=connection,class` or repeated `groupBy=`: distinct dimensions, kept in their fixed order. */
const groupBySchema = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== ''))
  .pipe(z.array(z.enum(USAGE_DIMENSIONS, { message: `each must be one of ${USAGE_DIMENSIONS.join(', ')}` })))
  .transform((dims): UsageDimension[] => USAGE_DIMENSIONS.filter((d) => dims.includes(d)));

/** `tenantId`: required of the operator, optional for a tenant credential (then its own). */
const tenantIdField = { tenantId: z.uuid().optional() };

/** Query of `GET /v1/usage` (and the GraphQL `usage` field). */
export const usageQuerySchema = z
  .strictObject({
    ...tenantIdField,
    from: instant,
    to: instant,
    window: z.enum(USAGE_WINDOWS).default('day'),
    groupBy: groupBySchema.default([]),
    timezone: timezoneSchema.optional(),
    limit: z.coerce.number().int().min(1).max(MAX_USAGE_LIMIT).default(DEFAULT_USAGE_LIMIT),
    cursor: z.string().min(1).max(4096).optional(),
  })
  .refine(fromBeforeTo, { path: ['from'], message: 'must be before `to`' })
  .refine(within(MAX_USAGE_QUERY_DAYS), { path: ['to'], message: `at most ${MAX_USAGE_QUERY_DAYS} days after \`from\`` })
  .refine((q) => q.window !== '15m' || within(MAX_15M_RANGE_DAYS)(q), { path: ['window'], message: `15m windows need a range of at most ${MAX_15M_RANGE_DAYS} days` });
export type UsageQueryInput = z.infer<typeof usageQuerySchema>;

/** Query of `GET /v1/usage/reconciliation`. */
export const reconciliationQuerySchema = z
  .strictObject({ ...tenantIdField, from: instant, to: instant })
  .refine(fromBeforeTo, { path: ['from'], message: 'must be before `to`' })
  .refine(within(MAX_RECONCILIATION_DAYS), { path: ['to'], message: `at most ${MAX_RECONCILIATION_DAYS} days after \`from\`` });
export type ReconciliationQueryInput = z.infer<typeof reconciliationQuerySchema>;

/** Query of `GET /v1/usage/export.csv`. */
export const usageExportQuerySchema = z
  .strictObject({ ...tenantIdField, kind: z.enum(['detail', 'summary']), from: instant, to: instant })
  .refine(fromBeforeTo, { path: ['from'], message: 'must be before `to`' })
  .refine(within(MAX_EXPORT_DAYS), { path: ['to'], message: `at most ${MAX_EXPORT_DAYS} days after \`from\`` });
export type UsageExportQueryInput = z.infer<typeof usageExportQuerySchema>;
