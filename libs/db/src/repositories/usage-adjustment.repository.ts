import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { unwrapTx, type DbTransaction } from '../database';
import type { ConnectionEnvironment } from '../models';
import { PrismaService } from '../prisma.service';
import { BILLING_LOCK_CLASS } from './billing-plan.repository';

/**
 * Advisory lock (class, tenant) held for the whole transaction that writes a tenant's
 * adjustments: effective units (event units + earlier deltas) are read and the new deltas
 * written under it, so two concurrent corrections of one transaction cannot both void it.
 * A period close that wants to see every adjustment of the period may take it too.
 */
export const USAGE_ADJUSTMENT_LOCK_CLASS = 727002;

/** A usage event as a correction needs it: what it billed and where it belongs. */
export interface AdjustableUsage {
  transactionId: string;
  connectionId: string;
  class: string | null;
  environment: ConnectionEnvironment;
  occurredAt: Date;
  units: number;
  billable: boolean;
  nonBillableReason: string | null;
}

export interface NewUsageAdjustment {
  tenantId: string;
  requestId: string;
  transactionId: string;
  connectionId: string;
  class: string;
  environment: ConnectionEnvironment;
  occurredAt: Date;
  periodStart: Date;
  action: 'void' | 'amend';
  unitsDelta: number;
  reason: string;
  actorType: string;
  actorId: string;
}

/** A signed correction of billable units, as written. */
export interface StoredUsageAdjustment extends NewUsageAdjustment {
  id: string;
  createdAt: Date;
  /** The invoice carrying it as a correction line, once one does. */
  invoiceId: string | null;
}

/** A stored answer to an adjustment request, keyed by (tenant, `Idempotency-Key`). */
export interface StoredAdjustmentRequest {
  requestHash: string;
  requestId: string;
  response: unknown;
}

const columns = Prisma.sql`"id"::text AS "id", "tenantId"::text AS "tenantId", "requestId"::text AS "requestId", "transactionId"::text AS "transactionId",
  "connectionId"::text AS "connectionId", "class", "environment"::text AS "environment", "occurredAt", "periodStart", "action", "unitsDelta", "reason",
  "actorType", "actorId", "createdAt", "invoiceId"::text AS "invoiceId"`;

const usageColumns = Prisma.sql`"transactionId"::text AS "transactionId", "connectionId"::text AS "connectionId", "class", "environment"::text AS "environment",
  "occurredAt", "units", "billable", "nonBillableReason"`;

/**
 * Usage adjustments: signed rows that correct billable units without touching the usage
 * rows, and the idempotency record of the requests that wrote them. Writes happen inside
 * the caller's transaction, under {@link UsageAdjustmentRepository.lockTenant}.
 */
@Injectable()
export class UsageAdjustmentRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Serializes the tenant's adjustment writers, and holds its billing terms still (shared) while periods are computed. */
  async lockTenant(tx: DbTransaction, tenantId: string): Promise<void> {
    const db = unwrapTx(tx);
    await db.$executeRaw`SELECT pg_advisory_xact_lock(${USAGE_ADJUSTMENT_LOCK_CLASS}::int, hashtext(${tenantId}))`;
    await db.$executeRaw`SELECT pg_advisory_xact_lock_shared(${BILLING_LOCK_CLASS}::int, hashtext(${tenantId}))`;
  }

  async findRequest(tx: DbTransaction, tenantId: string, idempotencyKey: string): Promise<StoredAdjustmentRequest | null> {
    const rows = await unwrapTx(tx).$queryRaw<StoredAdjustmentRequest[]>`
      SELECT "requestHash", "requestId"::text AS "requestId", "response" FROM "UsageAdjustmentRequest"
      WHERE "tenantId" = ${tenantId}::uuid AND "idempotencyKey" = ${idempotencyKey}`;
    return rows[0] ?? null;
  }

  async saveRequest(tx: DbTransaction, request: { tenantId: string; idempotencyKey: string; requestHash: string; requestId: string; response: unknown }): Promise<void> {
    await unwrapTx(tx).$executeRaw`
      INSERT INTO "UsageAdjustmentRequest" ("tenantId", "idempotencyKey", "requestHash", "requestId", "response")
      VALUES (${request.tenantId}::uuid, ${request.idempotencyKey}, ${request.requestHash}, ${request.requestId}::uuid, ${JSON.stringify(request.response)}::jsonb)`;
  }

  /** The tenant's usage events among `transactionIds` (another tenant's are simply absent). */
  async usageByTransactionIds(tx: DbTransaction, tenantId: string, transactionIds: readonly string[]): Promise<AdjustableUsage[]> {
    return unwrapTx(tx).$queryRaw<AdjustableUsage[]>`
      SELECT ${usageColumns} FROM "UsageEvent"
      WHERE "tenantId" = ${tenantId}::uuid AND "transactionId" = ANY(${transactionIds}::uuid[])
      ORDER BY "occurredAt", "transactionId"`;
  }

  /** Usage events of one connection of the tenant committed in [from, to), oldest first, at most `limit`. */
  async usageOfConnection(tx: DbTransaction, tenantId: string, query: { connectionId: string; from: Date; to: Date; limit: number }): Promise<AdjustableUsage[]> {
    return unwrapTx(tx).$queryRaw<AdjustableUsage[]>`
      SELECT ${usageColumns} FROM "UsageEvent"
      WHERE "tenantId" = ${tenantId}::uuid AND "connectionId" = ${query.connectionId}::uuid AND "occurredAt" >= ${query.from} AND "occurredAt" < ${query.to}
      ORDER BY "occurredAt", "transactionId"
      LIMIT ${query.limit}`;
  }

  /** Σ unitsDelta of the earlier adjustments of each transaction (absent: none). */
  async deltasByTransaction(tx: DbTransaction, tenantId: string, transactionIds: readonly string[]): Promise<Map<string, number>> {
    const rows = await unwrapTx(tx).$queryRaw<{ transactionId: string; delta: number }[]>`
      SELECT "transactionId"::text AS "transactionId", sum("unitsDelta")::int AS "delta" FROM "UsageAdjustment"
      WHERE "tenantId" = ${tenantId}::uuid AND "transactionId" = ANY(${transactionIds}::uuid[])
      GROUP BY "transactionId"`;
    return new Map(rows.map((r) => [r.transactionId, r.delta]));
  }

  /** Which of these period starts already have a finalized invoice. */
  async invoicedPeriodStarts(tx: DbTransaction, tenantId: string, periodStarts: readonly Date[]): Promise<Date[]> {
    if (periodStarts.length === 0) return [];
    const rows = await unwrapTx(tx).$queryRaw<{ periodStart: Date }[]>`
      SELECT "periodStart" FROM "Invoice" WHERE "tenantId" = ${tenantId}::uuid AND "periodStart" = ANY(${periodStarts}::timestamptz[])`;
    return rows.map((r) => r.periodStart);
  }

  /** Inserts the rows in order; returns them with their ids. */
  async insert(tx: DbTransaction, rows: readonly NewUsageAdjustment[]): Promise<StoredUsageAdjustment[]> {
    if (rows.length === 0) return [];
    return unwrapTx(tx).$queryRaw<StoredUsageAdjustment[]>`
      INSERT INTO "UsageAdjustment" ("id", "tenantId", "requestId", "transactionId", "connectionId", "class", "environment", "occurredAt", "periodStart",
                                     "action", "unitsDelta", "reason", "actorType", "actorId")
      SELECT gen_random_uuid(), r.tenant, r.request, r.tx, r.connection, r.class, r.env::"ConnectionEnvironment", r.occurred, r.period, r.action, r.delta, r.reason, r.atype, r.aid
      FROM unnest(${rows.map((r) => r.tenantId)}::uuid[], ${rows.map((r) => r.requestId)}::uuid[], ${rows.map((r) => r.transactionId)}::uuid[],
                  ${rows.map((r) => r.connectionId)}::uuid[], ${rows.map((r) => r.class)}::text[], ${rows.map((r) => r.environment)}::text[],
                  ${rows.map((r) => r.occurredAt)}::timestamptz[], ${rows.map((r) => r.periodStart)}::timestamptz[], ${rows.map((r) => r.action)}::text[],
                  ${rows.map((r) => r.unitsDelta)}::int[], ${rows.map((r) => r.reason)}::text[], ${rows.map((r) => r.actorType)}::text[],
                  ${rows.map((r) => r.actorId)}::text[])
           WITH ORDINALITY AS r(tenant, request, tx, connection, class, env, occurred, period, action, delta, reason, atype, aid, n)
      ORDER BY r.n
      RETURNING ${columns}`;
  }

  /**
   * The tenant's adjustments written in [from, to) (by `createdAt`), newest first; `after` is the
   * (createdAt, id) of the last row of the previous page.
   */
  async list(tenantId: string, query: { from?: Date; to?: Date; limit: number; after?: { createdAt: Date; id: string } }): Promise<StoredUsageAdjustment[]> {
    const where = [Prisma.sql`"tenantId" = ${tenantId}::uuid`];
    if (query.from) where.push(Prisma.sql`"createdAt" >= ${query.from}`);
    if (query.to) where.push(Prisma.sql`"createdAt" < ${query.to}`);
    if (query.after) where.push(Prisma.sql`("createdAt", "id") < (${query.after.createdAt}::timestamptz, ${query.after.id}::uuid)`);
    return this.prisma.$queryRaw<StoredUsageAdjustment[]>`
      SELECT ${columns} FROM "UsageAdjustment" WHERE ${Prisma.join(where, ' AND ')}
      ORDER BY "createdAt" DESC, "id" DESC
      LIMIT ${query.limit}`;
  }
}
