import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import type { ConnectionEnvironment, TransactionOutcome } from '../models';
import { PrismaService } from '../prisma.service';

/** A time range `[from, to)`. */
export interface InstantRange {
  from: Date;
  to: Date;
}

/** Usage events against the audit trail over a range (transaction ids, at most `limit` per list). */
export interface AuditUsageCheck {
  usageEvents: number;
  auditTransactions: number;
  /** Pipeline audit records whose transaction has no usage event. */
  missingUsage: string[];
  /** Usage events whose transaction has no audit record at all. */
  extraUsage: string[];
  /** Usage events whose audit records disagree on tenant, connection, operation or outcome. */
  mismatched: string[];
}

/** The key of a 15-minute rollup bucket. */
export interface BucketKey {
  bucketStart: Date;
  connectionId: string;
  operation: string;
  resourceType: string;
  /** '' when the traffic has no class. */
  class: string;
  environment: ConnectionEnvironment;
  outcome: TransactionOutcome;
  billable: boolean;
}

/** Count and units, stored or recounted (zeros when one side has no row). */
export interface Figures {
  count: number;
  units: number;
}

export interface BucketDifference extends BucketKey {
  rollup: Figures;
  recount: Figures;
}

export interface PeriodTotalKey {
  periodStart: Date;
  connectionId: string;
  class: string;
  environment: ConnectionEnvironment;
  billable: boolean;
}

export interface PeriodTotalDifference extends PeriodTotalKey {
  stored: Figures;
  recount: Figures;
}

/** A usage adjustment as the reconciliation explains it. */
export interface AdjustmentRow {
  id: string;
  transactionId: string;
  connectionId: string;
  periodStart: Date;
  class: string;
  environment: ConnectionEnvironment;
  action: string;
  unitsDelta: number;
  reason: string;
  invoiceId: string | null;
  createdAt: Date;
}

const notQueued = Prisma.sql`NOT EXISTS (SELECT 1 FROM "UsageRollupQueue" q WHERE q."usageId" = e."id")`;

/**
 * Recounts from raw usage events and audit records, beside the derived figures they should
 * equal (rollups, period totals, distinct patients). Each check is one statement, so it reads
 * one snapshot: an event is either still queued (and left out of both sides) or rolled up.
 */
@Injectable()
export class UsageReconciliationRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Every usage event in the range has an audit record of its transaction with the same tenant,
   * connection, operation and outcome; every pipeline audit record (with a connection and one of
   * `operations`) in the range has its usage event.
   */
  async auditVersusUsage(tenantId: string, range: InstantRange, operations: readonly string[], limit: number): Promise<AuditUsageCheck> {
    const [row] = await this.prisma.$queryRaw<(AuditUsageCheck & { usageEvents: number; auditTransactions: number })[]>`
      WITH u AS (
        SELECT e."transactionId", e."connectionId", e."operation", e."outcome"
        FROM "UsageEvent" e
        WHERE e."tenantId" = ${tenantId}::uuid AND e."occurredAt" >= ${range.from} AND e."occurredAt" < ${range.to}
      ), a AS (
        SELECT DISTINCT r."transactionId"
        FROM "AuditRecord" r
        WHERE r."tenantId" = ${tenantId}::uuid AND r."occurredAt" >= ${range.from} AND r."occurredAt" < ${range.to}
          AND r."connectionId" IS NOT NULL AND r."operation" = ANY(${operations as string[]}::text[])
      ), extra AS (
        SELECT u."transactionId" FROM u
        WHERE NOT EXISTS (SELECT 1 FROM "AuditRecord" r WHERE r."transactionId" = u."transactionId")
      ), mismatched AS (
        SELECT u."transactionId" FROM u
        WHERE EXISTS (SELECT 1 FROM "AuditRecord" r WHERE r."transactionId" = u."transactionId")
          AND NOT EXISTS (SELECT 1 FROM "AuditRecord" r WHERE r."transactionId" = u."transactionId" AND r."tenantId" = ${tenantId}::uuid
                          AND r."connectionId" = u."connectionId" AND r."operation" = u."operation" AND r."outcome" = u."outcome")
        UNION
        -- The audit side: a usage event of the transaction exists, but not one that agrees (another tenant, connection, …).
        SELECT a."transactionId" FROM a JOIN "UsageEvent" e ON e."transactionId" = a."transactionId"
        WHERE NOT EXISTS (SELECT 1 FROM "AuditRecord" r WHERE r."transactionId" = a."transactionId" AND r."tenantId" = e."tenantId"
                          AND r."connectionId" = e."connectionId" AND r."operation" = e."operation" AND r."outcome" = e."outcome")
      ), missing AS (
        SELECT a."transactionId" FROM a WHERE NOT EXISTS (SELECT 1 FROM "UsageEvent" e WHERE e."transactionId" = a."transactionId")
      )
      SELECT (SELECT count(*)::int FROM u) AS "usageEvents",
             (SELECT count(*)::int FROM a) AS "auditTransactions",
             ARRAY(SELECT "transactionId"::text FROM missing ORDER BY 1 LIMIT ${limit}) AS "missingUsage",
             ARRAY(SELECT "transactionId"::text FROM extra ORDER BY 1 LIMIT ${limit}) AS "extraUsage",
             ARRAY(SELECT DISTINCT "transactionId"::text FROM mismatched ORDER BY 1 LIMIT ${limit}) AS "mismatched"`;
    return row as AuditUsageCheck;
  }

  /** Usage events of the range still queued for the rollup (left out of every comparison). */
  async pending(tenantId: string, range: InstantRange, limit: number): Promise<{ count: number; transactionIds: string[] }> {
    const [row] = await this.prisma.$queryRaw<{ count: number; transactionIds: string[] }[]>`
      WITH p AS (
        SELECT e."transactionId" FROM "UsageRollupQueue" q JOIN "UsageEvent" e ON e."id" = q."usageId"
        WHERE e."tenantId" = ${tenantId}::uuid AND e."occurredAt" >= ${range.from} AND e."occurredAt" < ${range.to}
      )
      SELECT (SELECT count(*)::int FROM p) AS "count", ARRAY(SELECT "transactionId"::text FROM p ORDER BY 1 LIMIT ${limit}) AS "transactionIds"`;
    return row ?? { count: 0, transactionIds: [] };
  }

  /**
   * The rollup buckets of a range (on 15-minute boundaries) against a recount of the raw events
   * rolled up so far: how many bucket keys were compared, and every key whose count or units differ.
   */
  async bucketsVersusRecount(tenantId: string, range: InstantRange, limit: number): Promise<{ compared: number; differences: BucketDifference[] }> {
    const rows = await this.prisma.$queryRaw<(BucketDifference & { compared: number })[]>`
      WITH recount AS (
        SELECT date_bin('15 minutes', e."occurredAt", TIMESTAMPTZ '2000-01-01 00:00:00+00') AS "bucketStart", e."connectionId", e."operation", e."resourceType",
               COALESCE(e."class", '') AS "class", e."environment", e."outcome", e."billable", count(*)::int AS "count", sum(e."units")::int AS "units"
        FROM "UsageEvent" e
        WHERE e."tenantId" = ${tenantId}::uuid AND e."occurredAt" >= ${range.from} AND e."occurredAt" < ${range.to} AND ${notQueued}
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
      ), stored AS (
        SELECT r."bucketStart", r."connectionId", r."operation", r."resourceType", r."class", r."environment", r."outcome", r."billable", r."count", r."units"
        FROM "UsageRollup" r
        WHERE r."tenantId" = ${tenantId}::uuid AND r."bucketStart" >= ${range.from} AND r."bucketStart" < ${range.to}
      ), joined AS (
        SELECT "bucketStart", "connectionId", "operation", "resourceType", "class", "environment", "outcome", "billable",
               COALESCE(s."count", 0) AS "storedCount", COALESCE(s."units", 0) AS "storedUnits", COALESCE(c."count", 0) AS "recountCount", COALESCE(c."units", 0) AS "recountUnits"
        FROM stored s FULL OUTER JOIN recount c USING ("bucketStart", "connectionId", "operation", "resourceType", "class", "environment", "outcome", "billable")
      ), differing AS (
        SELECT * FROM joined WHERE "storedCount" <> "recountCount" OR "storedUnits" <> "recountUnits"
        ORDER BY "bucketStart", "connectionId", "operation", "resourceType", "class", "environment", "outcome", "billable" LIMIT ${limit}
      )
      SELECT (SELECT count(*)::int FROM joined) AS "compared", d."bucketStart", d."connectionId"::text AS "connectionId", d."operation", d."resourceType", d."class",
             d."environment"::text AS "environment", d."outcome"::text AS "outcome", d."billable",
             json_build_object('count', d."storedCount", 'units', d."storedUnits") AS "rollup", json_build_object('count', d."recountCount", 'units', d."recountUnits") AS "recount"
      FROM (SELECT 1) one LEFT JOIN differing d ON true`;
    const compared = rows[0]?.compared ?? 0;
    return { compared, differences: rows.filter((r) => r.bucketStart !== null).map(({ compared: _c, ...d }) => d) };
  }

  /**
   * UsagePeriodTotal of the given periods against a recount of their whole raw usage (rolled
   * up so far): every key whose count or units differ, and the recounted billable units per
   * period, connection and class (what the period's quantities come from).
   */
  async periodTotalsVersusRecount(
    tenantId: string,
    periods: readonly InstantRange[],
    limit: number,
  ): Promise<{ differences: PeriodTotalDifference[]; billable: { periodStart: Date; connectionId: string; class: string; units: number }[] }> {
    if (periods.length === 0) return { differences: [], billable: [] };
    const starts = periods.map((p) => p.from);
    const ends = periods.map((p) => p.to);
    const rows = await this.prisma.$queryRaw<(PeriodTotalDifference & { kind: 'difference' | 'billable' })[]>`
      WITH periods AS (
        SELECT * FROM unnest(${starts}::timestamptz[], ${ends}::timestamptz[]) AS p("start", "end")
      ), recount AS (
        SELECT p."start" AS "periodStart", e."connectionId", COALESCE(e."class", '') AS "class", e."environment", e."billable", count(*)::int AS "count", sum(e."units")::int AS "units"
        FROM periods p JOIN "UsageEvent" e ON e."tenantId" = ${tenantId}::uuid AND e."occurredAt" >= p."start" AND e."occurredAt" < p."end"
        WHERE ${notQueued}
        GROUP BY 1, 2, 3, 4, 5
      ), stored AS (
        SELECT t."periodStart", t."connectionId", t."class", t."environment", t."billable", t."count", t."units"
        FROM "UsagePeriodTotal" t WHERE t."tenantId" = ${tenantId}::uuid AND t."periodStart" = ANY(${starts}::timestamptz[])
      ), joined AS (
        SELECT "periodStart", "connectionId", "class", "environment", "billable",
               COALESCE(s."count", 0) AS "storedCount", COALESCE(s."units", 0) AS "storedUnits", COALESCE(c."count", 0) AS "recountCount", COALESCE(c."units", 0) AS "recountUnits"
        FROM stored s FULL OUTER JOIN recount c USING ("periodStart", "connectionId", "class", "environment", "billable")
      )
      (SELECT 'difference' AS "kind", "periodStart", "connectionId"::text AS "connectionId", "class", "environment"::text AS "environment", "billable",
              json_build_object('count', "storedCount", 'units', "storedUnits") AS "stored", json_build_object('count', "recountCount", 'units', "recountUnits") AS "recount"
       FROM joined WHERE "storedCount" <> "recountCount" OR "storedUnits" <> "recountUnits"
       ORDER BY "periodStart", "connectionId", "class", "environment", "billable" LIMIT ${limit})
      UNION ALL
      (SELECT 'billable', "periodStart", "connectionId"::text, "class", "environment"::text, true, NULL, json_build_object('count', "count", 'units', "units")
       FROM recount WHERE "billable")`;
    return {
      differences: rows.filter((r) => r.kind === 'difference').map(({ kind: _k, ...d }) => d),
      billable: rows.filter((r) => r.kind === 'billable').map((r) => ({ periodStart: r.periodStart, connectionId: r.connectionId, class: r.class, units: r.recount.units })),
    };
  }

  /**
   * Distinct patients per period: the stored tokens against a recount of the distinct patient
   * references in the audit records of the period's billable events rolled up so far.
   */
  async patientsVersusRecount(tenantId: string, periods: readonly InstantRange[]): Promise<{ periodStart: Date; stored: number; recount: number }[]> {
    if (periods.length === 0) return [];
    return this.prisma.$queryRaw<{ periodStart: Date; stored: number; recount: number }[]>`
      SELECT p."start" AS "periodStart",
             (SELECT count(*)::int FROM "UsagePeriodPatient" pp WHERE pp."tenantId" = ${tenantId}::uuid AND pp."periodStart" = p."start") AS "stored",
             (SELECT count(DISTINCT r."patientRef")::int
                FROM "UsageEvent" e JOIN "AuditRecord" r ON r."transactionId" = e."transactionId" AND r."tenantId" = e."tenantId"
               WHERE e."tenantId" = ${tenantId}::uuid AND e."occurredAt" >= p."start" AND e."occurredAt" < p."end" AND e."billable"
                 AND r."patientRef" IS NOT NULL AND ${notQueued}) AS "recount"
      FROM unnest(${periods.map((p) => p.from)}::timestamptz[], ${periods.map((p) => p.to)}::timestamptz[]) AS p("start", "end")
      ORDER BY 1`;
  }

  /** The adjustments of the periods starting at `periodStarts`. */
  adjustments(tenantId: string, periodStarts: readonly Date[]): Promise<AdjustmentRow[]> {
    if (periodStarts.length === 0) return Promise.resolve([]);
    return this.prisma.$queryRaw<AdjustmentRow[]>`
      SELECT "id"::text AS "id", "transactionId"::text AS "transactionId", "connectionId"::text AS "connectionId", "periodStart", "class", "environment"::text AS "environment",
             "action", "unitsDelta", "reason", "invoiceId"::text AS "invoiceId", "createdAt"
      FROM "UsageAdjustment"
      WHERE "tenantId" = ${tenantId}::uuid AND "periodStart" = ANY(${periodStarts as Date[]}::timestamptz[])
      ORDER BY "periodStart", "createdAt", "id"`;
  }
}
