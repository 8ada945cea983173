import { Injectable } from '@nestjs/common';
import { unwrapTx, type DbTransaction } from '../database';
import type { AuditEntryInput, AuditRecord } from '../models';
import { HotPathPool } from '../hot-path-pool';
import { PrismaService } from '../prisma.service';

/** Computes a record's chain hash from the previous record's hash and its own fields. */
export type AuditHashFn = (prevHash: string, sequence: number, entry: AuditEntryInput) => string;

export const GENESIS_HASH = '0'.repeat(64);

@Injectable()
export class AuditRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly pool: HotPathPool,
  ) {}

  /**
   * Appends a record inside the caller's transaction, unchained: no per-tenant lock
   * on the request path. `chainPending` links it into the tenant's chain afterwards.
   */
  async append(tx: DbTransaction, entry: AuditEntryInput): Promise<{ id: string }> {
    return unwrapTx(tx).auditRecord.create({ data: entry, select: { id: true } });
  }

  /**
   * Links up to `limit` unchained records of a tenant into its chain, in insertion
   * order, under a per-tenant lock (one chainer at a time). Returns how many it linked.
   */
  async chainPending(tenantId: string, hash: AuditHashFn, limit: number): Promise<number> {
    return this.prisma.$transaction(async (db) => {
      await db.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`audit:${tenantId}`}, 0))`;
      const pending = await db.auditRecord.findMany({ where: { tenantId, hash: null }, orderBy: { seq: 'asc' }, take: limit });
      if (pending.length === 0) return 0;
      const last = await db.auditRecord.findFirst({
        where: { tenantId, sequence: { not: null } },
        orderBy: { sequence: 'desc' },
        select: { sequence: true, hash: true },
      });
      let sequence = last?.sequence ?? 0;
      let prevHash = last?.hash ?? GENESIS_HASH;
      const links = { ids: [] as string[], sequences: [] as number[], prevHashes: [] as string[], hashes: [] as string[] };
      for (const row of pending) {
        sequence += 1;
        const entry: AuditEntryInput = {
          tenantId: row.tenantId,
          transactionId: row.transactionId,
          connectionId: row.connectionId,
          actorType: row.actorType,
          actorId: row.actorId,
          operation: row.operation,
          resourceType: row.resourceType,
          patientRef: row.patientRef,
          purpose: row.purpose,
          objectRef: row.objectRef,
          outcome: row.outcome,
          occurredAt: row.occurredAt,
        };
        const rowHash = hash(prevHash, sequence, entry);
        links.ids.push(row.id);
        links.sequences.push(sequence);
        links.prevHashes.push(prevHash);
        links.hashes.push(rowHash);
        prevHash = rowHash;
      }
      // The whole batch's links in one statement (a statement per record cost the worker a round trip per call).
      await db.$executeRaw`
        UPDATE "AuditRecord" a
        SET "sequence" = l.sequence, "prevHash" = l.prev, "hash" = l.hash, "chainedAt" = now()
        FROM unnest(${links.ids}::uuid[], ${links.sequences}::int[], ${links.prevHashes}::text[], ${links.hashes}::text[]) AS l(id, sequence, prev, hash)
        WHERE a."id" = l.id`;
      return pending.length;
    });
  }

  /**
   * Up to `limit` tenants that have unchained records, in id order after `after` (from the first when null), for
   * the background chainer; from the partial index over those records. A prepared statement: an idle worker asks
   * every few seconds, and Prisma's per-query work was most of the cost.
   */
  async tenantsWithPending(limit: number, after: string | null = null): Promise<string[]> {
    const rows = await this.pool.sql<{ tenantId: string }>('sb_audit_tenants_pending_v2')`
      SELECT DISTINCT "tenantId" FROM "AuditRecord"
      WHERE "hash" IS NULL AND (${after}::uuid IS NULL OR "tenantId" > ${after}::uuid)
      ORDER BY "tenantId" LIMIT ${limit}::int`;
    return rows.map((r) => r.tenantId);
  }

  /**
   * The tenant's chained records strictly between `afterSequence` and `beforeSequence`,
   * in chain order (`asc`) or newest first (`desc`).
   */
  async list(tenantId: string, query: { afterSequence?: number; beforeSequence?: number; order?: 'asc' | 'desc'; limit: number }): Promise<AuditRecord[]> {
    const rows = await this.prisma.auditRecord.findMany({
      where: { tenantId, sequence: { gt: query.afterSequence ?? 0, ...(query.beforeSequence !== undefined ? { lt: query.beforeSequence } : {}) } },
      orderBy: { sequence: query.order ?? 'asc' },
      take: query.limit,
    });
    return rows.map(({ seq: _seq, chainedAt: _chainedAt, ...r }) => r as AuditRecord);
  }

  countByTransaction(tenantId: string, transactionId: string): Promise<number> {
    return this.prisma.auditRecord.count({ where: { tenantId, transactionId } });
  }
}
