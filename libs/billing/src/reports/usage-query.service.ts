import { Injectable } from '@nestjs/common';
import { billingPeriodAt } from '@sb/core';
import { BillingPlanRepository, UsageReportRepository, type UsageDimension, type UsageWindow } from '@sb/db';
import { UsageRollupService } from '@sb/metering';
import { decodeUsageCursor, encodeUsageCursor, type UsageCursorScope } from './usage-cursor';
import type { UsageQueryInput } from './usage-query.schema';

const BUCKET_MS = 15 * 60_000;

/** One window × one combination of the grouped dimensions; only the grouped dimensions are present. */
export interface UsageRow {
  start: Date;
  end: Date;
  connectionId?: string;
  connectionName?: string | null;
  vendor?: string;
  operation?: string;
  resourceType?: string;
  /** null for traffic no billable class covers (echo). */
  class?: string | null;
  environment?: string;
  outcome?: string;
  billable?: boolean;
  count: number;
  units: number;
}

/** A page of usage windows, and how fresh the rollups behind it are. */
export interface UsagePage {
  data: UsageRow[];
  /** Pass as `cursor` for the next page; null on the last one. */
  next: string | null;
  /** Every transaction committed before this instant is counted. */
  dataRefreshedAt: Date;
  /** The zone the windows were cut in. */
  timezone: string;
  window: UsageWindow;
  /** The range counted: the query's, widened to the rollup's 15-minute boundaries. */
  from: Date;
  to: Date;
}

/** The response field of each dimension. */
const FIELD: Record<UsageDimension, keyof UsageRow> = {
  connection: 'connectionId',
  vendor: 'vendor',
  operation: 'operation',
  resourceType: 'resourceType',
  class: 'class',
  environment: 'environment',
  outcome: 'outcome',
  billable: 'billable',
};

export const floorToBucket = (d: Date): Date => new Date(Math.floor(d.getTime() / BUCKET_MS) * BUCKET_MS);
export const ceilToBucket = (d: Date): Date => new Date(Math.ceil(d.getTime() / BUCKET_MS) * BUCKET_MS);

/**
 * Usage over time from the 15-minute rollups only (never raw usage rows, so a query costs the
 * same at ten million transactions as at ten): windows in the tenant's billing zone or any
 * IANA zone, grouped by any dimensions, keyset-paged.
 */
@Injectable()
export class UsageQueryService {
  constructor(
    private readonly reports: UsageReportRepository,
    private readonly plans: BillingPlanRepository,
    private readonly rollup: UsageRollupService,
  ) {}

  /** The zone of the tenant's billing terms in force now; UTC when it has none. */
  async billingTimezone(tenantId: string, at = new Date()): Promise<string> {
    return billingPeriodAt(await this.plans.terms(tenantId), at).terms?.timezone ?? 'UTC';
  }

  async query(tenantId: string, input: Omit<UsageQueryInput, 'tenantId'>): Promise<UsagePage> {
    const timezone = input.timezone ?? (await this.billingTimezone(tenantId));
    const from = floorToBucket(input.from);
    const to = ceilToBucket(input.to);
    const scope: UsageCursorScope = { tenantId, from, to, window: input.window, groupBy: input.groupBy, timezone };
    const after = input.cursor === undefined ? undefined : decodeUsageCursor(scope, input.cursor);
    // Read before the rows: whatever was committed before it is already in what we read.
    const dataRefreshedAt = await this.rollup.refreshedAt();
    const rows = await this.reports.windows(tenantId, { from, to, window: input.window, groupBy: input.groupBy, timezone, limit: input.limit, after });
    const page = rows.slice(0, input.limit);
    const last = page.at(-1);
    const next = rows.length > input.limit && last ? encodeUsageCursor(scope, { windowKey: last.windowKey, values: last.values }) : null;
    const data = page.map((r): UsageRow => {
      const dims: Partial<UsageRow> = {};
      input.groupBy.forEach((dim, i) => {
        const value = r.values[i] ?? '';
        if (dim === 'billable') dims.billable = value === 'true';
        else if (dim === 'class') dims.class = value === '' ? null : value;
        else Object.assign(dims, { [FIELD[dim]]: value });
        if (dim === 'connection') dims.connectionName = r.connectionName;
      });
      return { start: r.start, end: r.end, ...dims, count: r.count, units: r.units };
    });
    return { data, next, dataRefreshedAt, timezone, window: input.window, from, to };
  }
}
