import { Injectable } from '@nestjs/common';
import { unwrapTx, type DbTransaction } from '../database';
import { isUniqueViolation } from '../prisma-errors';
import { PrismaService } from '../prisma.service';

/** A finalized invoice without its document and PDF (lists). */
export interface InvoiceSummary {
  id: string;
  tenantId: string;
  number: string;
  periodId: string;
  periodStart: Date;
  periodEnd: Date;
  timezone: string;
  currency: string;
  planId: string;
  planVersion: number;
  total: string;
  sha256: string;
  finalizedAt: Date;
}

/** A finalized invoice with its canonical JSON document. */
export interface InvoiceWithDocument extends InvoiceSummary {
  document: string;
}

export interface NewInvoice extends InvoiceWithDocument {
  pdf: Buffer;
}

/** Billable units of one connection and class in a period (from UsagePeriodTotal). */
export interface PeriodUsageRow {
  connectionId: string;
  class: string;
  units: number;
}

/** A period's billable units per class and its active connections (billable units > 0). */
export interface PeriodTotals {
  byClass: Record<string, number>;
  activeConnections: number;
}

/** Summed unit deltas of production adjustments of one period, connection and class. */
export interface AdjustmentTotal {
  periodStart: Date;
  connectionId: string;
  class: string;
  /** The invoice that carries them, or null while outstanding. */
  invoiceId: string | null;
  unitsDelta: number;
}

const summarySelect = {
  id: true,
  tenantId: true,
  number: true,
  periodId: true,
  periodStart: true,
  periodEnd: true,
  timezone: true,
  currency: true,
  planId: true,
  planVersion: true,
  total: true,
  sha256: true,
  finalizedAt: true,
} as const;

const db = (prisma: PrismaService, tx?: DbTransaction) => (tx ? unwrapTx(tx) : prisma);

/** The rows of a totals aggregate: one per class, and one (class NULL) with the active connections. */
function totalsOfRows(rows: readonly { class: string | null; units: number | null; active: number | null }[]): PeriodTotals {
  const byClass: Record<string, number> = {};
  let activeConnections = 0;
  for (const r of rows) {
    if (r.class === null) activeConnections = r.active ?? 0;
    else byClass[r.class] = r.units ?? 0;
  }
  return { byClass, activeConnections };
}

/**
 * What previews and invoices read (period totals, distinct patients, connections gone live,
 * adjustments: all small per period) and the immutable invoices they produce.
 */
@Injectable()
export class InvoiceRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Billable units per class of the tenant's period starting at `periodStart`, and how many
   * connections have billable units in it: one aggregate in SQL over the period's totals.
   */
  async periodTotals(tenantId: string, periodStart: Date, tx?: DbTransaction): Promise<PeriodTotals> {
    const rows = await db(this.prisma, tx).$queryRaw<{ class: string | null; units: number | null; active: number | null }[]>`
      WITH per_connection AS (
        SELECT "connectionId", "class", sum("units") AS "units"
        FROM "UsagePeriodTotal"
        WHERE "tenantId" = ${tenantId}::uuid AND "periodStart" = ${periodStart} AND "billable"
        GROUP BY "connectionId", "class"
      )
      SELECT "class", sum("units")::int AS "units", NULL::int AS "active" FROM per_connection GROUP BY "class"
      UNION ALL
      SELECT NULL, NULL, count(*)::int FROM (SELECT 1 FROM per_connection GROUP BY "connectionId" HAVING sum("units") > 0) AS active`;
    return totalsOfRows(rows);
  }

  /**
   * What {@link periodTotals} answers, but only for the period's usage before `asOf`, in whole
   * 15-minute buckets: the rollups (UsageRollup) whose bucket starts in [periodStart, asOf).
   * A bucket that starts before `asOf` counts whole, so the resolution is 15 minutes.
   */
  async usageTotalsBefore(tenantId: string, periodStart: Date, asOf: Date, tx?: DbTransaction): Promise<PeriodTotals> {
    const rows = await db(this.prisma, tx).$queryRaw<{ class: string | null; units: number | null; active: number | null }[]>`
      WITH per_connection AS (
        SELECT "connectionId", "class", sum("units") AS "units"
        FROM "UsageRollup"
        WHERE "tenantId" = ${tenantId}::uuid AND "bucketStart" >= ${periodStart} AND "bucketStart" < ${asOf} AND "billable"
        GROUP BY "connectionId", "class"
      )
      SELECT "class", sum("units")::int AS "units", NULL::int AS "active" FROM per_connection GROUP BY "class"
      UNION ALL
      SELECT NULL, NULL, count(*)::int FROM (SELECT 1 FROM per_connection GROUP BY "connectionId" HAVING sum("units") > 0) AS active`;
    return totalsOfRows(rows);
  }

  /** Billable units per class of some connections of the period (those an adjustment touches). */
  periodUsageOf(tenantId: string, periodStart: Date, connectionIds: readonly string[], tx?: DbTransaction): Promise<PeriodUsageRow[]> {
    if (connectionIds.length === 0) return Promise.resolve([]);
    return db(this.prisma, tx).$queryRaw<PeriodUsageRow[]>`
      SELECT "connectionId"::text AS "connectionId", "class", sum("units")::int AS "units"
      FROM "UsagePeriodTotal"
      WHERE "tenantId" = ${tenantId}::uuid AND "periodStart" = ${periodStart} AND "billable" AND "connectionId" = ANY(${[...connectionIds]}::uuid[])
      GROUP BY "connectionId", "class"`;
  }

  /** Distinct patient tokens of the period. */
  async distinctPatients(tenantId: string, periodStart: Date, tx?: DbTransaction): Promise<number> {
    const [row] = await db(this.prisma, tx).$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS "n" FROM "UsagePeriodPatient" WHERE "tenantId" = ${tenantId}::uuid AND "periodStart" = ${periodStart}`;
    return row?.n ?? 0;
  }

  /** Distinct patient tokens of the period first seen before `asOf`. */
  async distinctPatientsBefore(tenantId: string, periodStart: Date, asOf: Date, tx?: DbTransaction): Promise<number> {
    const [row] = await db(this.prisma, tx).$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS "n" FROM "UsagePeriodPatient" WHERE "tenantId" = ${tenantId}::uuid AND "periodStart" = ${periodStart} AND "firstSeenAt" < ${asOf}`;
    return row?.n ?? 0;
  }

  /** Production connections whose first go-live falls in [start, end). */
  async connectionsGoneLive(tenantId: string, start: Date, end: Date, tx?: DbTransaction): Promise<number> {
    return db(this.prisma, tx).connection.count({ where: { tenantId, environment: 'production', wentLiveAt: { gte: start, lt: end } } });
  }

  /** Production adjustments of one period, summed per connection, class and carrying invoice. */
  adjustmentsOfPeriod(tenantId: string, periodStart: Date, tx?: DbTransaction): Promise<AdjustmentTotal[]> {
    return db(this.prisma, tx).$queryRaw<AdjustmentTotal[]>`
      SELECT "periodStart", "connectionId"::text AS "connectionId", "class", "invoiceId"::text AS "invoiceId", sum("unitsDelta")::int AS "unitsDelta"
      FROM "UsageAdjustment"
      WHERE "tenantId" = ${tenantId}::uuid AND "periodStart" = ${periodStart} AND "environment" = 'production'
      GROUP BY "periodStart", "connectionId", "class", "invoiceId"`;
  }

  /** Outstanding (not yet carried) production adjustments of periods that already have an invoice. */
  outstandingOfClosedPeriods(tenantId: string, tx?: DbTransaction): Promise<AdjustmentTotal[]> {
    return db(this.prisma, tx).$queryRaw<AdjustmentTotal[]>`
      SELECT a."periodStart", a."connectionId"::text AS "connectionId", a."class", NULL::text AS "invoiceId", sum(a."unitsDelta")::int AS "unitsDelta"
      FROM "UsageAdjustment" a
      WHERE a."tenantId" = ${tenantId}::uuid AND a."invoiceId" IS NULL AND a."environment" = 'production'
        AND EXISTS (SELECT 1 FROM "Invoice" i WHERE i."tenantId" = a."tenantId" AND i."periodStart" = a."periodStart")
      GROUP BY a."periodStart", a."connectionId", a."class"`;
  }

  /**
   * Marks, in the closing transaction, every outstanding adjustment of the period being
   * closed and of periods already closed as carried by `invoiceId`, and returns exactly what
   * it marked (production ones, summed): what is counted is what is marked, even while
   * adjustments are being written concurrently.
   */
  markCarried(tx: DbTransaction, tenantId: string, periodStart: Date, invoiceId: string): Promise<AdjustmentTotal[]> {
    return unwrapTx(tx).$queryRaw<AdjustmentTotal[]>`
      WITH marked AS (
        UPDATE "UsageAdjustment" a SET "invoiceId" = ${invoiceId}::uuid
        WHERE a."tenantId" = ${tenantId}::uuid AND a."invoiceId" IS NULL
          AND (a."periodStart" = ${periodStart}
               OR EXISTS (SELECT 1 FROM "Invoice" i WHERE i."tenantId" = a."tenantId" AND i."periodStart" = a."periodStart"))
        RETURNING a."periodStart", a."connectionId", a."class", a."environment", a."unitsDelta"
      )
      SELECT "periodStart", "connectionId"::text AS "connectionId", "class", ${invoiceId}::text AS "invoiceId", sum("unitsDelta")::int AS "unitsDelta"
      FROM marked WHERE "environment" = 'production'
      GROUP BY "periodStart", "connectionId", "class"`;
  }

  /** The next value of a gapless counter: the increment commits or rolls back with the caller's transaction. */
  async nextCounterValue(tx: DbTransaction, name: string): Promise<bigint> {
    const rows = await unwrapTx(tx).$queryRaw<{ value: bigint }[]>`
      INSERT INTO "BillingCounter" ("name", "value") VALUES (${name}, 1)
      ON CONFLICT ("name") DO UPDATE SET "value" = "BillingCounter"."value" + 1
      RETURNING "value"`;
    const value = rows[0]?.value;
    if (value === undefined) throw new Error('billing counter did not return a value');
    return BigInt(value);
  }

  /** Null when the period already has an invoice (unique tenantId + periodStart): the caller's transaction must end. */
  async insert(tx: DbTransaction, invoice: NewInvoice): Promise<InvoiceSummary | null> {
    const { pdf, ...rest } = invoice;
    try {
      return await unwrapTx(tx).invoice.create({ data: { ...rest, pdf: new Uint8Array(pdf) }, select: summarySelect });
    } catch (e) {
      if (isUniqueViolation(e)) return null;
      throw e;
    }
  }

  /** The invoice of the tenant's period starting at `periodStart`, if it was closed. */
  forPeriod(tenantId: string, periodStart: Date, tx?: DbTransaction): Promise<InvoiceWithDocument | null> {
    return db(this.prisma, tx).invoice.findUnique({ where: { tenantId_periodStart: { tenantId, periodStart } }, select: { ...summarySelect, document: true } });
  }

  /** Invoices of the tenant's periods starting in [from, to). */
  inRange(tenantId: string, from: Date, to: Date, tx?: DbTransaction): Promise<InvoiceWithDocument[]> {
    return db(this.prisma, tx).invoice.findMany({ where: { tenantId, periodStart: { gte: from, lt: to } }, orderBy: { periodStart: 'asc' }, select: { ...summarySelect, document: true } });
  }

  /** Invoices by id (documents included); `tenantId` null is the operator's unscoped read. */
  findById(tenantId: string | null, id: string, tx?: DbTransaction): Promise<InvoiceWithDocument | null> {
    return db(this.prisma, tx).invoice.findFirst({ where: { id, ...(tenantId === null ? {} : { tenantId }) }, select: { ...summarySelect, document: true } });
  }

  async pdf(tenantId: string | null, id: string): Promise<Buffer | null> {
    const row = await this.prisma.invoice.findFirst({ where: { id, ...(tenantId === null ? {} : { tenantId }) }, select: { pdf: true } });
    return row ? Buffer.from(row.pdf) : null;
  }

  /** Newest period first; every tenant's when `tenantId` is null (operator). */
  list(tenantId: string | null, limit: number): Promise<InvoiceSummary[]> {
    return this.prisma.invoice.findMany({
      where: tenantId === null ? {} : { tenantId },
      orderBy: [{ periodStart: 'desc' }, { number: 'desc' }],
      take: limit,
      select: summarySelect,
    });
  }

  /** The end of the tenant's latest closed period (where the closer resumes), or null. */
  async lastClosedPeriodEnd(tenantId: string): Promise<Date | null> {
    const row = await this.prisma.invoice.findFirst({ where: { tenantId }, orderBy: { periodEnd: 'desc' }, select: { periodEnd: true } });
    return row?.periodEnd ?? null;
  }

  /** Which of these period starts already have an invoice. */
  async closedStarts(tenantId: string, starts: Date[], tx?: DbTransaction): Promise<Date[]> {
    if (starts.length === 0) return [];
    const rows = await db(this.prisma, tx).invoice.findMany({ where: { tenantId, periodStart: { in: starts } }, select: { periodStart: true } });
    return rows.map((r) => r.periodStart);
  }
}
