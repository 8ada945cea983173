import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import type { Page, UsageEvent } from '../models';
import { HotPathPool } from '../hot-path-pool';
import { PrismaService } from '../prisma.service';

export interface UsageTotal {
  connectionId: string;
  /** The connection's current name (null if it was deleted: its usage went with it, so in practice never). */
  connectionName: string | null;
  vendor: string;
  operation: string;
  outcome: string;
  count: number;
}

export const USAGE_GROUP_BY = ['connection', 'vendor', 'operation', 'outcome'] as const;
export type UsageGroupBy = (typeof USAGE_GROUP_BY)[number];

/** One UTC day × one key of a daily usage series. */
export interface UsageDay {
  /** `YYYY-MM-DD` (UTC). */
  date: string;
  /** The connection id, vendor, operation or outcome. */
  key: string;
  /** The connection's name when grouping by connection; null otherwise. */
  name: string | null;
  count: number;
}

/** The column each grouping counts by (fixed SQL, never from input). */
const GROUP_KEY: Record<UsageGroupBy, Prisma.Sql> = {
  connection: Prisma.sql`u."connectionId"::text`,
  vendor: Prisma.sql`u."vendor"::text`,
  operation: Prisma.sql`u."operation"`,
  outcome: Prisma.sql`u."outcome"::text`,
};

@Injectable()
export class UsageRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly pool: HotPathPool,
  ) {}

  /** Whether any usage event waits for the rollup: one cheap prepared statement, what an idle rollup loop asks each round. */
  async hasQueuedRollups(): Promise<boolean> {
    const [row] = await this.pool.query<{ queued: boolean }>('sb_usage_rollup_queued_v1', 'SELECT EXISTS (SELECT 1 FROM "UsageRollupQueue") AS "queued"', []);
    return row?.queued ?? false;
  }

  /** Newest first; `cursor` is the id of the last item of the previous page. */
  async list(tenantId: string, query: { from?: Date; to?: Date; limit: number; cursor?: string }): Promise<Page<UsageEvent>> {
    const rows = await this.prisma.usageEvent.findMany({
      where: { tenantId, occurredAt: { gte: query.from, lt: query.to } },
      orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
      ...(query.cursor ? { cursor: { id: query.cursor }, skip: 1 } : {}),
    });
    const items = rows.slice(0, query.limit);
    return { items, nextCursor: rows.length > query.limit ? (items.at(-1)?.id ?? null) : null };
  }

  /** Belongs-to check for a cursor, so one tenant cannot page from another's row. */
  async exists(tenantId: string, id: string): Promise<boolean> {
    return (await this.prisma.usageEvent.count({ where: { tenantId, id } })) === 1;
  }

  /** Counts per connection × vendor × operation × outcome in [from, to), with each connection's name. */
  async totals(tenantId: string, range: { from?: Date; to?: Date }): Promise<UsageTotal[]> {
    const where = [Prisma.sql`u."tenantId" = ${tenantId}::uuid`];
    if (range.from) where.push(Prisma.sql`u."occurredAt" >= ${range.from}`);
    if (range.to) where.push(Prisma.sql`u."occurredAt" < ${range.to}`);
    return this.prisma.$queryRaw<UsageTotal[]>`
      SELECT u."connectionId"::text AS "connectionId", c."name" AS "connectionName", u."vendor"::text AS "vendor", u."operation", u."outcome"::text AS "outcome",
             count(*)::int AS "count"
      FROM "UsageEvent" u
      LEFT JOIN "Connection" c ON c."id" = u."connectionId" AND c."tenantId" = u."tenantId"
      WHERE ${Prisma.join(where, ' AND ')}
      GROUP BY u."connectionId", c."name", u."vendor", u."operation", u."outcome"
      ORDER BY u."connectionId", u."operation", u."vendor", u."outcome"`;
  }

  /**
   * Counts per UTC day and `groupBy` key in [from, to): every day of the range × every key
   * seen in it, zero-filled, so a chart needs no arithmetic. Days are `YYYY-MM-DD`.
   */
  async daily(tenantId: string, query: { from: Date; to: Date; groupBy: UsageGroupBy }): Promise<UsageDay[]> {
    const key = GROUP_KEY[query.groupBy];
    return this.prisma.$queryRaw<UsageDay[]>`
      WITH counted AS (
        SELECT date_trunc('day', u."occurredAt" AT TIME ZONE 'UTC') AS "day", ${key} AS "key", count(*)::int AS "count"
        FROM "UsageEvent" u
        WHERE u."tenantId" = ${tenantId}::uuid AND u."occurredAt" >= ${query.from} AND u."occurredAt" < ${query.to}
        GROUP BY 1, 2
      ), days AS (
        SELECT generate_series(date_trunc('day', ${query.from}::timestamptz AT TIME ZONE 'UTC'), ${query.to}::timestamptz AT TIME ZONE 'UTC' - interval '1 millisecond', interval '1 day') AS "day"
      ), keys AS (
        SELECT DISTINCT "key" FROM counted
      )
      SELECT to_char(d."day", 'YYYY-MM-DD') AS "date", k."key",
             ${query.groupBy === 'connection' ? Prisma.sql`(SELECT c."name" FROM "Connection" c WHERE c."id"::text = k."key" AND c."tenantId" = ${tenantId}::uuid)` : Prisma.sql`NULL::text`} AS "name",
             COALESCE(n."count", 0) AS "count"
      FROM days d CROSS JOIN keys k
      LEFT JOIN counted n ON n."day" = d."day" AND n."key" = k."key"
      ORDER BY d."day", k."key"`;
  }
}
