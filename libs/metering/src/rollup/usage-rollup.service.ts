import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { billingPeriodAt, type BillingTermsLike } from '@sb/core';
import { Database, unwrapTx, type DbTransaction } from '@sb/db';
import { UsagePatientTokens } from './patient-token';
import { aggregateBatch, BUCKET_MS, parseClaimedEvents, PeriodStarts, type BatchIncrements } from './rollup-batch';

/** Events per batch: large enough that a batch's fixed cost (a transaction, a handful of statements) is small per event. */
export const ROLLUP_BATCH_SIZE = 5_000;
/**
 * The advisory lock class of a tenant's billing terms (with `hashtext(tenantId)`): an assignment
 * holds it exclusively while it writes terms and rebuilds; each rollup batch holds it shared
 * for its tenants while it reads their terms and writes their totals.
 */
export const BILLING_TERMS_LOCK = 727001;
const BATCH_TIMEOUT_MS = 60_000;
const REBUILD_TIMEOUT_MS = 300_000;

interface TermsRow extends BillingTermsLike {
  tenantId: string;
}

/** What one batch did: queue rows taken, and events rolled up (fewer only when an event vanished with its tenant). */
export interface RollupBatchResult {
  claimed: number;
  rolledUp: number;
}

/**
 * Rolls usage events up, exactly once each: 15-minute UTC buckets (UsageRollup), billing
 * period totals (UsagePeriodTotal) and distinct-patient tokens (UsagePeriodPatient), all
 * maintained incrementally from UsageRollupQueue. A batch claims queue rows with
 * `FOR UPDATE SKIP LOCKED` (so concurrent drainers take disjoint rows), deletes them, and
 * applies its increments in the same transaction: a crash before commit leaves the rows
 * queued, a commit removes them, so no event is counted twice or never.
 */
@Injectable()
export class UsageRollupService {
  private readonly logger = new Logger(UsageRollupService.name);
  private readonly tokens: UsagePatientTokens;

  constructor(
    private readonly db: Database,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.tokens = new UsagePatientTokens(config.keyedHashKey);
  }

  /** Rolls up one batch (claimed with FOR UPDATE SKIP LOCKED, deleted from the queue in the same
   * transaction as the increments); returns how many usage events it rolled up. */
  async drainOnce(limit = ROLLUP_BATCH_SIZE): Promise<number> {
    return (await this.drainBatch(limit)).rolledUp;
  }

  /** Drains until the queue is empty (tests, bench). */
  async drainAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const batch = await this.drainBatch(ROLLUP_BATCH_SIZE);
      total += batch.rolledUp;
      if (batch.claimed === 0) return total;
    }
  }

  /** One batch, saying how many queue rows it took (the loop drains on while batches are full). */
  async drainBatch(limit = ROLLUP_BATCH_SIZE): Promise<RollupBatchResult> {
    return this.db.transaction(
      async (tx) => {
        const db = unwrapTx(tx);
        // The planner's estimate for the claim is high enough to trigger JIT compilation, which costs more than the query.
        await db.$executeRaw`SET LOCAL jit = off`;
        // Rows travel as one JSON text: Prisma's per-cell conversion of 5,000 rows costs more than the query.
        const [claim] = await db.$queryRaw<{ claimed: number; events: string }[]>`
          WITH claimed AS (
            DELETE FROM "UsageRollupQueue"
            WHERE "usageId" IN (SELECT "usageId" FROM "UsageRollupQueue" ORDER BY "enqueuedAt" LIMIT ${limit} FOR UPDATE SKIP LOCKED)
            RETURNING "usageId"
          )
          SELECT count(*)::int AS "claimed",
                 COALESCE(json_agg(json_build_array(e."tenantId", e."connectionId", e."transactionId", e."vendor", e."operation", e."resourceType", e."class",
                   e."environment", e."outcome", e."billable", e."units", e."occurredAt",
                   CASE WHEN e."billable" THEN (
                     SELECT array_agg(a."patientRef") FROM "AuditRecord" a
                     WHERE a."transactionId" = e."transactionId" AND a."patientRef" IS NOT NULL) END)) FILTER (WHERE e."id" IS NOT NULL), '[]')::text AS "events"
          FROM claimed LEFT JOIN "UsageEvent" e ON e."id" = claimed."usageId"`;
        // A queue row whose event is gone (its tenant was deleted) is consumed with nothing to count.
        const events = parseClaimedEvents(claim?.events ?? '[]');
        const claimed = claim?.claimed ?? 0;
        if (events.length === 0) return { claimed, rolledUp: 0 };

        const tenants = [...new Set(events.map((e) => e.tenantId))].sort();
        await this.lockTermsShared(tx, tenants);
        const periods = new PeriodStarts(await this.historiesOf(tx, tenants));
        await this.apply(tx, aggregateBatch(events, periods, (t, ref) => this.tokens.token(t, ref)));
        return { claimed, rolledUp: events.length };
      },
      { timeoutMs: BATCH_TIMEOUT_MS },
    );
  }

  /**
   * Recomputes UsagePeriodTotal and UsagePeriodPatient of the tenant for every period that ends
   * after `from` (from UsageRollup, and raw usage + audit for patients), under the tenant's
   * terms as they are now. With `tx` the caller already holds the tenant's terms lock
   * exclusively (a first assignment, in its own transaction); without, it is taken here.
   * Events still queued are left to the rollup, which will count them under the same terms.
   */
  async rebuildFrom(tenantId: string, from: Date, tx?: DbTransaction): Promise<void> {
    if (tx) return this.rebuild(tx, tenantId, from);
    await this.db.transaction(async (own) => {
      await unwrapTx(own).$executeRaw`SELECT pg_advisory_xact_lock(${BILLING_TERMS_LOCK}::int, hashtext(${tenantId}))`;
      await this.rebuild(own, tenantId, from);
    }, { timeoutMs: REBUILD_TIMEOUT_MS });
  }

  /** The time up to which every committed usage event is in the rollups: the oldest queued
   * row's enqueuedAt, or now when the queue is empty. */
  async refreshedAt(): Promise<Date> {
    const [row] = await this.db.transaction((tx) =>
      unwrapTx(tx).$queryRaw<{ at: Date }[]>`SELECT COALESCE(min("enqueuedAt"), now()) AS "at" FROM "UsageRollupQueue"`,
    );
    return row?.at ?? new Date();
  }

  /** The per-tenant keyed hash stored for a patient reference (HMAC-SHA256, key derived per tenant). */
  patientToken(tenantId: string, patientRef: string): string {
    return this.tokens.token(tenantId, patientRef);
  }

  /** Shared terms locks of the batch's tenants, in sorted order; an assignment in progress makes the batch wait for its terms. */
  private async lockTermsShared(tx: DbTransaction, sortedTenants: readonly string[]): Promise<void> {
    await unwrapTx(tx).$executeRaw`
      SELECT pg_advisory_xact_lock_shared(${BILLING_TERMS_LOCK}::int, hashtext(t.id)) FROM unnest(${[...sortedTenants]}::text[]) AS t(id)`;
  }

  /** Each tenant's terms history in insertion order (of rows with equal effectiveFrom the later wins). */
  private async historiesOf(tx: DbTransaction, tenants: readonly string[]): Promise<Map<string, TermsRow[]>> {
    const rows = await unwrapTx(tx).$queryRaw<TermsRow[]>`
      SELECT "tenantId"::text AS "tenantId", "timezone", "anchorDay", "effectiveFrom"
      FROM "TenantBilling" WHERE "tenantId" = ANY(${[...tenants]}::uuid[]) ORDER BY "createdAt", "id"`;
    const histories = new Map<string, TermsRow[]>();
    for (const r of rows) {
      const list = histories.get(r.tenantId);
      if (list) list.push(r);
      else histories.set(r.tenantId, [r]);
    }
    return histories;
  }

  /**
   * The batch's increments: one upsert per table, rows in key order so two batches lock the rows
   * they share in the same order. Rows go as one JSON parameter each (see the claim).
   */
  private async apply(tx: DbTransaction, { rollups, periods, patients }: BatchIncrements): Promise<void> {
    const db = unwrapTx(tx);
    const rollupRows = JSON.stringify(
      rollups.map((r) => [r.tenantId, r.bucketStart, r.connectionId, r.vendor, r.operation, r.resourceType, r.class, r.environment, r.outcome, r.billable, r.count, r.units]),
    );
    await db.$executeRaw`
      INSERT INTO "UsageRollup" ("tenantId", "bucketStart", "connectionId", "vendor", "operation", "resourceType", "class", "environment", "outcome", "billable", "count", "units", "updatedAt")
      SELECT (r->>0)::uuid, (r->>1)::timestamptz, (r->>2)::uuid, (r->>3)::"ConnectionVendor", r->>4, r->>5, r->>6, (r->>7)::"ConnectionEnvironment",
             (r->>8)::"TransactionOutcome", (r->>9)::boolean, (r->>10)::int, (r->>11)::int, now()
      FROM json_array_elements(${rollupRows}::json) AS r
      ORDER BY 1, 2, 3, 5, 6, 7, 8, 9, 10
      ON CONFLICT ("tenantId", "bucketStart", "connectionId", "operation", "resourceType", "class", "environment", "outcome", "billable")
      DO UPDATE SET "count" = "UsageRollup"."count" + EXCLUDED."count", "units" = "UsageRollup"."units" + EXCLUDED."units", "updatedAt" = now()`;
    const periodRows = JSON.stringify(periods.map((p) => [p.tenantId, p.periodStart, p.connectionId, p.class, p.environment, p.billable, p.count, p.units]));
    await db.$executeRaw`
      INSERT INTO "UsagePeriodTotal" ("tenantId", "periodStart", "connectionId", "class", "environment", "billable", "count", "units", "updatedAt")
      SELECT (p->>0)::uuid, (p->>1)::timestamptz, (p->>2)::uuid, p->>3, (p->>4)::"ConnectionEnvironment", (p->>5)::boolean, (p->>6)::int, (p->>7)::int, now()
      FROM json_array_elements(${periodRows}::json) AS p
      ORDER BY 1, 2, 3, 4, 5, 6
      ON CONFLICT ("tenantId", "periodStart", "connectionId", "class", "environment", "billable")
      DO UPDATE SET "count" = "UsagePeriodTotal"."count" + EXCLUDED."count", "units" = "UsagePeriodTotal"."units" + EXCLUDED."units", "updatedAt" = now()`;
    if (patients.length > 0) await this.insertPatients(tx, patients);
  }

  /**
   * New patients of a period are inserted; a patient already stored keeps the earlier of the two
   * first-seen instants (a late-queued event may have occurred before the one stored). The
   * `WHERE` leaves rows that would not change unwritten: most repeat patients write nothing.
   */
  private async insertPatients(tx: DbTransaction, patients: BatchIncrements['patients']): Promise<void> {
    const rows = JSON.stringify(patients.map((p) => [p.tenantId, p.periodStart, p.patientToken, p.firstSeenAt]));
    await unwrapTx(tx).$executeRaw`
      INSERT INTO "UsagePeriodPatient" ("tenantId", "periodStart", "patientToken", "firstSeenAt")
      SELECT (p->>0)::uuid, (p->>1)::timestamptz, p->>2, (p->>3)::timestamptz FROM json_array_elements(${rows}::json) AS p
      ORDER BY 1, 2, 3
      ON CONFLICT ("tenantId", "periodStart", "patientToken")
      DO UPDATE SET "firstSeenAt" = EXCLUDED."firstSeenAt" WHERE EXCLUDED."firstSeenAt" < "UsagePeriodPatient"."firstSeenAt"`;
  }

  private async rebuild(tx: DbTransaction, tenantId: string, from: Date): Promise<void> {
    const db = unwrapTx(tx);
    const history = (await this.historiesOf(tx, [tenantId])).get(tenantId) ?? [];
    // Periods before `from` are the same under the old terms and the new (a change of terms only
    // cuts the period around it), so the rebuild starts at the period holding the instant before it.
    const rebuildStart = billingPeriodAt(history, new Date(from.getTime() - 1)).start;
    const [extent] = await db.$queryRaw<{ lastBucket: Date | null; lastEvent: Date | null }[]>`
      SELECT (SELECT max("bucketStart") FROM "UsageRollup" WHERE "tenantId" = ${tenantId}::uuid AND "bucketStart" >= ${rebuildStart}) AS "lastBucket",
             (SELECT max("occurredAt") FROM "UsageEvent" WHERE "tenantId" = ${tenantId}::uuid AND "occurredAt" >= ${rebuildStart}) AS "lastEvent"`;
    await db.$executeRaw`DELETE FROM "UsagePeriodTotal" WHERE "tenantId" = ${tenantId}::uuid AND "periodStart" >= ${rebuildStart}`;
    await db.$executeRaw`DELETE FROM "UsagePeriodPatient" WHERE "tenantId" = ${tenantId}::uuid AND "periodStart" >= ${rebuildStart}`;
    const last = Math.max(extent?.lastBucket ? extent.lastBucket.getTime() + BUCKET_MS - 1 : -Infinity, extent?.lastEvent?.getTime() ?? -Infinity);
    if (last === -Infinity) return;

    const starts: Date[] = [];
    const ends: Date[] = [];
    for (let at = rebuildStart; at.getTime() <= last; ) {
      const period = billingPeriodAt(history, at);
      starts.push(period.start);
      ends.push(period.end);
      at = period.end;
    }
    // Each 15-minute bucket lies wholly in one period (period boundaries are local midnights, whole buckets in UTC).
    await db.$executeRaw`
      INSERT INTO "UsagePeriodTotal" ("tenantId", "periodStart", "connectionId", "class", "environment", "billable", "count", "units", "updatedAt")
      SELECT r."tenantId", p.s, r."connectionId", r."class", r."environment", r."billable", sum(r."count")::int, sum(r."units")::int, now()
      FROM "UsageRollup" r JOIN unnest(${starts}::timestamptz[], ${ends}::timestamptz[]) AS p(s, e) ON r."bucketStart" >= p.s AND r."bucketStart" < p.e
      WHERE r."tenantId" = ${tenantId}::uuid AND r."bucketStart" >= ${rebuildStart}
      GROUP BY r."tenantId", p.s, r."connectionId", r."class", r."environment", r."billable"
      ORDER BY p.s, r."connectionId", r."class", r."environment", r."billable"`;
    const refs = await db.$queryRaw<{ periodStart: Date; patientRef: string; firstSeenAt: Date }[]>`
      SELECT p.s AS "periodStart", a."patientRef", min(u."occurredAt") AS "firstSeenAt"
      FROM "UsageEvent" u
      JOIN unnest(${starts}::timestamptz[], ${ends}::timestamptz[]) AS p(s, e) ON u."occurredAt" >= p.s AND u."occurredAt" < p.e
      JOIN "AuditRecord" a ON a."transactionId" = u."transactionId" AND a."tenantId" = u."tenantId"
      WHERE u."tenantId" = ${tenantId}::uuid AND u."occurredAt" >= ${rebuildStart} AND u."billable" AND a."patientRef" IS NOT NULL
      GROUP BY p.s, a."patientRef"`;
    const patients = new Map<string, BatchIncrements['patients'][number]>();
    for (const r of refs) {
      const patientToken = this.tokens.token(tenantId, r.patientRef);
      const key = `${r.periodStart.getTime()}/${patientToken}`;
      const seen = patients.get(key);
      if (!seen || r.firstSeenAt < seen.firstSeenAt) patients.set(key, { tenantId, periodStart: r.periodStart, patientToken, firstSeenAt: r.firstSeenAt });
    }
    if (patients.size > 0) await this.insertPatients(tx, [...patients.values()]);
    this.logger.log({ periods: starts.length, patients: patients.size }, 'usage period totals rebuilt');
  }
}
