import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';

/** The windows usage can be read in. `15m` is the rollup's own bucket. */
export const USAGE_WINDOWS = ['15m', 'hour', 'day', 'week', 'month'] as const;
export type UsageWindow = (typeof USAGE_WINDOWS)[number];

/** The dimensions of a rollup row that a usage query can group by, in their fixed sort order. */
export const USAGE_DIMENSIONS = ['connection', 'vendor', 'operation', 'resourceType', 'class', 'environment', 'outcome', 'billable'] as const;
export type UsageDimension = (typeof USAGE_DIMENSIONS)[number];

/** Each dimension as sortable text (fixed SQL, never from input); `class` is '' when the traffic has none. */
const DIMENSION_SQL: Record<UsageDimension, Prisma.Sql> = {
  connection: Prisma.sql`r."connectionId"::text`,
  vendor: Prisma.sql`r."vendor"::text`,
  operation: Prisma.sql`r."operation"`,
  resourceType: Prisma.sql`r."resourceType"`,
  class: Prisma.sql`r."class"`,
  environment: Prisma.sql`r."environment"::text`,
  outcome: Prisma.sql`r."outcome"::text`,
  billable: Prisma.sql`r."billable"::text`,
};

/** `date_trunc` fields of the local windows (fixed SQL). */
const TRUNC_FIELD: Record<Exclude<UsageWindow, '15m'>, Prisma.Sql> = {
  hour: Prisma.sql`'hour'`,
  day: Prisma.sql`'day'`,
  week: Prisma.sql`'week'`,
  month: Prisma.sql`'month'`,
};
const WINDOW_LENGTH: Record<Exclude<UsageWindow, '15m' | 'hour'>, Prisma.Sql> = {
  day: Prisma.sql`interval '1 day'`,
  week: Prisma.sql`interval '1 week'`,
  month: Prisma.sql`interval '1 month'`,
};

export interface UsageWindowQuery {
  /** Both on 15-minute boundaries: the rollup's granularity. */
  from: Date;
  to: Date;
  window: UsageWindow;
  /** Distinct dimensions, in {@link USAGE_DIMENSIONS} order. */
  groupBy: readonly UsageDimension[];
  /** An IANA zone the caller validated. */
  timezone: string;
  limit: number;
  /** The sort key of the last row of the previous page: its window key, then its dimension values. */
  after?: { windowKey: Date; values: readonly string[] };
}

/** One window × one combination of the grouped dimensions, with at least one transaction. */
export interface UsageWindowRow {
  /** The window's own start (before clipping to the range): the first part of the sort key. */
  windowKey: Date;
  /** The window clipped to the range. */
  start: Date;
  end: Date;
  /** The grouped dimensions' values as text, in `groupBy` order (`class` '' for none, `billable` 'true'/'false'). */
  values: string[];
  /** When grouped by connection: its current name. */
  connectionName: string | null;
  count: number;
  units: number;
}

/**
 * Reads for usage reports: windows over the 15-minute rollups (never raw usage); the detail export's rows are {@link BillableCsvExport}'s.
 */
@Injectable()
export class UsageReportRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Sums of the rollup per window (computed in `timezone`: local hours, days, ISO weeks from
   * Monday, months) and grouped dimensions, in key order, windows without transactions left
   * out. A fall-back hour that repeats is two windows; a window cut short by a DST jump of 30
   * minutes starts and ends where its buckets do. Reads `limit + 1` rows so the caller can
   * tell whether there is a next page.
   */
  async windows(tenantId: string, q: UsageWindowQuery): Promise<UsageWindowRow[]> {
    const tz = q.timezone;
    const windowKey =
      q.window === '15m' ? Prisma.sql`r."bucketStart"` : Prisma.sql`date_trunc(${TRUNC_FIELD[q.window]}, r."bucketStart", ${tz}::text)`;
    const dims = q.groupBy.map((d, i) => Prisma.sql`${DIMENSION_SQL[d]} COLLATE "C" AS ${Prisma.raw(`"d${i}"`)}`);
    const dimRefs = q.groupBy.map((_d, i) => Prisma.raw(`g."d${i}"`));
    const where = [Prisma.sql`r."tenantId" = ${tenantId}::uuid`, Prisma.sql`r."bucketStart" >= ${q.from}`, Prisma.sql`r."bucketStart" < ${q.to}`];
    // A window starts at or before each of its buckets, so earlier buckets cannot reach the page.
    if (q.after) where.push(Prisma.sql`r."bucketStart" >= ${q.after.windowKey}`);
    const sortKey = Prisma.join([Prisma.sql`g."w"`, ...dimRefs]);
    const afterKey = q.after
      ? Prisma.sql`WHERE (${sortKey}) > (${Prisma.join([Prisma.sql`${q.after.windowKey}::timestamptz`, ...q.after.values.map((v) => Prisma.sql`${v}::text COLLATE "C"`)])})`
      : Prisma.empty;
    const connectionIndex = q.groupBy.indexOf('connection');
    const connectionName =
      connectionIndex >= 0
        ? Prisma.sql`(SELECT c."name" FROM "Connection" c WHERE c."id"::text = ${Prisma.raw(`g."d${connectionIndex}"`)} AND c."tenantId" = ${tenantId}::uuid)`
        : Prisma.sql`NULL::text`;
    const rows = await this.prisma.$queryRaw<{ w: Date; start: Date; end: Date; values: string[]; connectionName: string | null; count: number; units: number }[]>`
      WITH g AS (
        SELECT ${windowKey} AS "w"${dims.length ? Prisma.sql`, ${Prisma.join(dims)}` : Prisma.empty},
               sum(r."count")::bigint AS "count", sum(r."units")::bigint AS "units"
        FROM "UsageRollup" r
        WHERE ${Prisma.join(where, ' AND ')}
        GROUP BY ${Prisma.join([Prisma.sql`1`, ...q.groupBy.map((_d, i) => Prisma.sql`${Prisma.raw(String(i + 2))}`)])}
        HAVING sum(r."count") > 0
      ), page AS (
        SELECT * FROM g ${afterKey} ORDER BY ${sortKey} LIMIT ${q.limit + 1}
      )
      SELECT g."w", ${this.windowBounds(q, tz)}, ARRAY[${Prisma.join([Prisma.sql`''`, ...dimRefs])}]::text[] AS "values",
             ${connectionName} AS "connectionName", g."count"::float8 AS "count", g."units"::float8 AS "units"
      FROM page g
      ORDER BY ${sortKey}`;
    return rows.map((r) => ({
      windowKey: r.w,
      start: r.start,
      end: r.end,
      values: r.values.slice(1),
      connectionName: r.connectionName,
      count: r.count,
      units: r.units,
    }));
  }

  /** `start` and `end` of window `g."w"`, clipped to the query's range. */
  private windowBounds(q: UsageWindowQuery, tz: string): Prisma.Sql {
    let start: Prisma.Sql;
    let end: Prisma.Sql;
    if (q.window === '15m') {
      start = Prisma.sql`g."w"`;
      end = Prisma.sql`g."w" + interval '15 minutes'`;
    } else if (q.window === 'hour') {
      // Every offset is a multiple of 15 minutes, so a local hour's true bounds are bucket
      // boundaries: the first bucket in it, and the first bucket after it in another hour.
      const inHour = (s: Prisma.Sql) => Prisma.sql`date_trunc('hour', ${s}, ${tz}::text) = g."w"`;
      start = Prisma.sql`(SELECT min(s) FROM generate_series(g."w", g."w" + interval '45 minutes', interval '15 minutes') s WHERE ${inHour(Prisma.sql`s`)})`;
      end = Prisma.sql`(SELECT min(s) FROM generate_series(g."w" + interval '15 minutes', g."w" + interval '90 minutes', interval '15 minutes') s WHERE NOT ${inHour(Prisma.sql`s`)} AND s > ${start})`;
    } else {
      start = Prisma.sql`g."w"`;
      end = Prisma.sql`((g."w" AT TIME ZONE ${tz}::text) + ${WINDOW_LENGTH[q.window]}) AT TIME ZONE ${tz}::text`;
    }
    return Prisma.sql`greatest(${start}, ${q.from}::timestamptz) AS "start", least(${end}, ${q.to}::timestamptz) AS "end"`;
  }

  /** Every connection of the tenant with its name (exports name each row's connection). */
  async connectionNames(tenantId: string): Promise<Map<string, string>> {
    const rows = await this.prisma.connection.findMany({ where: { tenantId }, select: { id: true, name: true } });
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}
