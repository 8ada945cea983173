import { Controller, Get, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentActor, RequireScope } from '@sb/auth';
import type { Actor } from '@sb/core';
import { ValidQuery, DocumentResponse } from '@sb/http';
import { USAGE_GROUP_BY } from '@sb/db';
import { MeteringService } from '@sb/metering';
import {
  DETAIL_EXPORT_COLUMNS,
  MAX_15M_RANGE_DAYS,
  MAX_EXPORT_DAYS,
  MAX_RECONCILIATION_DAYS,
  MAX_USAGE_LIMIT,
  MAX_USAGE_QUERY_DAYS,
  reconciliationQuerySchema,
  UsageQueryService,
  usageQuerySchema,
  UsageExportService,
  usageExportQuerySchema,
  UsageReconciliationService,
  UsageTenantResolver,
  type UsageExportQueryInput,
  type ReconciliationQueryInput,
  type UsageQueryInput,
} from '@sb/billing';
import { z } from 'zod';
import { tenantOf } from './tenant-of';
import { itemsOf, usageDailySchema, usageEventPageSchema, usageTotalSchema } from './response-schemas';
import { reconciliationSchema, usagePageSchema } from './usage-schemas';
import { AdminAudited } from '../console/admin-audit.interceptor';

/** The longest period one usage query covers. */
export const MAX_USAGE_RANGE_DAYS = 366;
const DAY_MS = 86_400_000;

const instant = z.iso.datetime({ offset: true }).transform((v) => new Date(v));
// Object refinements run even when a field failed (zod 4), so a field may still be the raw string here.
const bothDates = (q: { from?: unknown; to?: unknown }): q is { from: Date; to: Date } => q.from instanceof Date && q.to instanceof Date;
const fromBeforeTo = (q: { from?: unknown; to?: unknown }) => !bothDates(q) || q.from.getTime() < q.to.getTime();
const withinMax = (q: { from?: unknown; to?: unknown }) => !bothDates(q) || q.to.getTime() - q.from.getTime() <= MAX_USAGE_RANGE_DAYS * DAY_MS;

const rangeFields = { from: instant.optional(), to: instant.optional() };
const rangeSchema = z
  .strictObject(rangeFields)
  .refine(fromBeforeTo, { path: ['from'], message: 'must be before `to`' })
  .refine(withinMax, { path: ['to'], message: `at most ${MAX_USAGE_RANGE_DAYS} days after \`from\`` });
const listSchema = z
  .strictObject({ ...rangeFields, limit: z.coerce.number().int().min(1).max(500).default(100), cursor: z.uuid().optional() })
  .refine(fromBeforeTo, { path: ['from'], message: 'must be before `to`' });
const dailySchema = z
  .strictObject({ from: instant, to: instant, groupBy: z.enum(USAGE_GROUP_BY).default('connection') })
  .refine(fromBeforeTo, { path: ['from'], message: 'must be before `to`' })
  .refine(withinMax, { path: ['to'], message: `at most ${MAX_USAGE_RANGE_DAYS} days after \`from\`` });
type DailyQuery = z.infer<typeof dailySchema>;

@ApiTags('usage')
@ApiBearerAuth()
@AdminAudited()
@Controller('v1/usage')
export class UsageController {
  constructor(
    private readonly metering: MeteringService,
    private readonly usage: UsageQueryService,
    private readonly tenants: UsageTenantResolver,
    private readonly reconciliation: UsageReconciliationService,
    private readonly exports: UsageExportService,
  ) {}

  @Get()
  @RequireScope({ admin: 'usage:read' }, { operator: true })
  @ApiOperation({
    summary: 'Usage over time from the rollups: windows in a timezone, grouped by any dimensions, with cursor paging and `dataRefreshedAt`',
    description:
      `Windows (\`15m\`, \`hour\`, \`day\`, \`week\` = ISO week from Monday, \`month\`) are cut in \`timezone\` (default: the tenant's billing timezone, else UTC); ` +
      `windows without transactions are left out. \`groupBy\` is a comma-separated list of connection, vendor, operation, resourceType, class, environment, outcome, billable. ` +
      `Range at most ${MAX_USAGE_QUERY_DAYS} days (${MAX_15M_RANGE_DAYS} for 15m windows), widened to 15-minute boundaries; \`limit\` up to ${MAX_USAGE_LIMIT} rows. ` +
      'The operator names the tenant with `tenantId`.',
  })
  @DocumentResponse(usagePageSchema)
  async query(@CurrentActor() actor: Actor, @ValidQuery(usageQuerySchema) query: UsageQueryInput) {
    const { tenantId, ...rest } = query;
    return this.usage.query(await this.tenants.resolve(actor, tenantId), rest);
  }

  @Get('reconciliation')
  @RequireScope({ admin: 'usage:read' }, { operator: true })
  @ApiOperation({
    summary: 'Recompute usage from raw usage events and audit records and compare every derived figure: rollups, period totals, distinct patients, invoice preview quantities',
    description:
      'Lists exactly the transactions (usage without audit, audit without usage, disagreeing), rollup buckets, period totals and preview quantities that differ; ' +
      'events not yet rolled up are reported as `pending` and left out; adjustments are listed as explained differences. ' +
      `Range at most ${MAX_RECONCILIATION_DAYS} days (widened to 15-minute boundaries); the billing periods it overlaps are compared whole. The operator names the tenant with \`tenantId\`.`,
  })
  @DocumentResponse(reconciliationSchema)
  async reconcile(@CurrentActor() actor: Actor, @ValidQuery(reconciliationQuerySchema) query: ReconciliationQueryInput) {
    return this.reconciliation.reconcile(await this.tenants.resolve(actor, query.tenantId), query);
  }

  @Get('export.csv')
  @RequireScope({ admin: 'usage:read' }, { operator: true })
  @ApiOperation({
    summary: 'CSV export: `detail` (one row per billable transaction, streamed) or `summary` (period × price component, amounts summing to the invoice)',
    description:
      `RFC 4180 with a header row, as an attachment. \`detail\` columns: ${DETAIL_EXPORT_COLUMNS.join(', ')}; \`time\` is the commit time in the tenant's billing timezone with its offset; no patient data. ` +
      `Range at most ${MAX_EXPORT_DAYS} days. Each export is recorded in the tenant's audit trail (\`billing.export\`). The operator names the tenant with \`tenantId\`.`,
  })
  @ApiProduces('text/csv')
  @ApiResponse({ status: 200, description: 'The CSV file', content: { 'text/csv': { schema: { type: 'string' } } } })
  async export(@CurrentActor() actor: Actor, @ValidQuery(usageExportQuerySchema) query: UsageExportQueryInput): Promise<StreamableFile> {
    const file = await this.exports.export(actor, await this.tenants.resolve(actor, query.tenantId), query);
    return new StreamableFile(file.body, { type: 'text/csv; charset=utf-8', disposition: `attachment; filename="${file.filename}"` });
  }

  @Get('events')
  @RequireScope({ admin: 'usage:read' })
  @ApiOperation({ summary: 'Usage events, newest first, with a `next` cursor' })
  @DocumentResponse(usageEventPageSchema)
  async events(@CurrentActor() actor: Actor, @ValidQuery(listSchema) query: z.infer<typeof listSchema>) {
    const page = await this.metering.list(tenantOf(actor), query);
    return { items: page.items, next: page.nextCursor };
  }

  @Get('totals')
  @RequireScope({ admin: 'usage:read' })
  @ApiOperation({
    summary: 'Transaction counts per connection (with its name), vendor, operation and outcome in [from, to)',
    description: `Each item is one connection × vendor × operation × outcome group; sum the items over one dimension for its totals. Range at most ${MAX_USAGE_RANGE_DAYS} days.`,
  })
  @DocumentResponse(itemsOf(usageTotalSchema))
  async totals(@CurrentActor() actor: Actor, @ValidQuery(rangeSchema) query: z.infer<typeof rangeSchema>) {
    return { items: await this.metering.totals(tenantOf(actor), query) };
  }

  @Get('daily')
  @RequireScope({ admin: 'usage:read' })
  @ApiOperation({
    summary: 'Transaction counts per UTC day and connection, vendor, operation or outcome in [from, to), for charts',
    description: `Every day of the range × every key seen in it, zero-filled; \`name\` is the connection name when grouping by connection. \`from\` and \`to\` are required, at most ${MAX_USAGE_RANGE_DAYS} days apart.`,
  })
  @DocumentResponse(usageDailySchema)
  async daily(@CurrentActor() actor: Actor, @ValidQuery(dailySchema) query: DailyQuery) {
    const days = await this.metering.daily(tenantOf(actor), query);
    return { from: query.from, to: query.to, groupBy: query.groupBy, days };
  }
}
