import { Injectable } from '@nestjs/common';
import { unwrapTx, type DbTransaction } from '../database';
import type { BulkExport as BulkExportModel, BulkExportFile as BulkExportFileModel, Prisma } from '../generated/prisma/client';
import { HotPathPool } from '../hot-path-pool';
import { BULK_EXPORT_CHANNEL } from '../outbox-notifications';
import { PrismaService } from '../prisma.service';

export type BulkExportLevel = 'system' | 'patient' | 'group';
export type BulkExportStatus = 'requested' | 'kicked_off' | 'downloading' | 'completed' | 'failed' | 'cancelled';
export type BulkExportFileKind = 'output' | 'error';
const RUNNING: readonly BulkExportStatus[] = ['requested', 'kicked_off', 'downloading'];

/** An OperationOutcome issue the manifest reports (no PHI: parameter names, codes, static text). */
export interface BulkExportIssue {
  severity: 'error' | 'warning' | 'information';
  code: string;
  diagnostics: string;
}

export interface BulkExport {
  id: string;
  tenantId: string;
  connectionId: string;
  level: BulkExportLevel;
  groupId: string | null;
  status: BulkExportStatus;
  requestUrl: string;
  params: Record<string, unknown>;
  requiresAccessToken: boolean;
  vendorStatusUrl: string | null;
  nextRunAt: Date;
  attempts: number;
  failures: number;
  vendorKickedOffAt: Date | null;
  progressPercent: number;
  resourceCount: number;
  counts: Record<string, number>;
  issues: BulkExportIssue[];
  errorCode: string | null;
  transactionTime: Date | null;
  completedAt: Date | null;
  expiresAt: Date | null;
  cancelledAt: Date | null;
  /** Its objects were deleted (cancelled, or past retention). */
  purged: boolean;
  createdAt: Date;
}

export interface BulkExportFile {
  kind: BulkExportFileKind;
  resourceType: string;
  seq: number;
  vendorUrl: string | null;
  objectKey: string;
  done: boolean;
  bytes: number;
  lines: number;
  sha256: string | null;
}

export interface NewBulkExport {
  connectionId: string;
  level: BulkExportLevel;
  groupId: string | null;
  requestUrl: string;
  params: Record<string, unknown>;
  requestHash: string;
  requiresAccessToken: boolean;
  issues: BulkExportIssue[];
}

/** The vendor rules a kick-off is checked against, under a per-connection lock. */
export interface KickOffRules {
  /** Seconds a group may not be exported again after a kick-off (Epic); null: no window. */
  groupWindowSeconds: number | null;
  /** At most one running export per connection (Oracle). */
  oneAtATime: boolean;
}

export type CreateResult = { created: true; export: BulkExport } | { created: false; reason: 'duplicate' | 'group_window' | 'busy'; retryAfterSeconds: number };

/** A state change of a leased export; `releaseLease` gives the lease back in the same write. */
export interface BulkExportChange {
  status?: BulkExportStatus;
  transactionTime?: Date;
  counts?: Record<string, number>;
  resourceCount?: number;
  progressPercent?: number;
  completedAt?: Date;
  expiresAt?: Date;
  errorCode?: string;
  vendorStatusUrl?: string;
  vendorKickedOffAt?: Date;
  vendorCompletedAt?: Date;
  nextRunAt?: Date;
  failures?: number;
  releaseLease?: boolean;
}

/** Proof of holding an export's lease: every state change is fenced by it. */
export interface BulkExportLease {
  export: BulkExport;
  owner: string;
}

const toExport = (r: BulkExportModel): BulkExport => ({
  id: r.id,
  tenantId: r.tenantId,
  connectionId: r.connectionId,
  level: r.level,
  groupId: r.groupId,
  status: r.status,
  requestUrl: r.requestUrl,
  params: r.params as Record<string, unknown>,
  requiresAccessToken: r.requiresAccessToken,
  vendorStatusUrl: r.vendorStatusUrl,
  nextRunAt: r.nextRunAt,
  attempts: r.attempts,
  failures: r.failures,
  vendorKickedOffAt: r.vendorKickedOffAt,
  progressPercent: r.progressPercent,
  resourceCount: r.resourceCount,
  counts: r.counts as Record<string, number>,
  issues: r.issues as unknown as BulkExportIssue[],
  errorCode: r.errorCode,
  transactionTime: r.transactionTime,
  completedAt: r.completedAt,
  expiresAt: r.expiresAt,
  cancelledAt: r.cancelledAt,
  purged: r.purgedAt !== null,
  createdAt: r.createdAt,
});

const toFile = (f: BulkExportFileModel): BulkExportFile => ({
  kind: f.kind,
  resourceType: f.resourceType,
  seq: f.seq,
  vendorUrl: f.vendorUrl,
  objectKey: f.objectKey,
  done: f.done,
  bytes: Number(f.bytes),
  lines: f.lines,
  sha256: f.sha256,
});

/** Bulk Data exports and their files: the state machine the worker advances, read by the status endpoint. */
@Injectable()
export class BulkExportRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly pool: HotPathPool,
  ) {}

  /**
   * Records a kick-off unless a vendor rule refuses it: an identical export still running,
   * the group exported too recently, or (one at a time) any export running on the connection.
   * A transaction-scoped advisory lock per connection makes the check and the insert atomic.
   */
  async create(tenantId: string, input: NewBulkExport, rules: KickOffRules, now = new Date()): Promise<CreateResult> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`bulk-export:${input.connectionId}`}, 0))`;
      const running = await tx.bulkExport.findMany({
        where: { tenantId, connectionId: input.connectionId, status: { in: [...RUNNING] } },
        select: { requestHash: true },
      });
      if (running.some((r) => r.requestHash === input.requestHash)) return { created: false, reason: 'duplicate', retryAfterSeconds: 60 };
      if (rules.oneAtATime && running.length > 0) return { created: false, reason: 'busy', retryAfterSeconds: 60 };
      if (rules.groupWindowSeconds !== null && input.groupId !== null) {
        const last = await tx.bulkExport.findFirst({
          where: { tenantId, connectionId: input.connectionId, groupId: input.groupId, vendorKickedOffAt: { not: null } },
          orderBy: { vendorKickedOffAt: 'desc' },
          select: { vendorKickedOffAt: true },
        });
        const leftMs = last?.vendorKickedOffAt ? last.vendorKickedOffAt.getTime() + rules.groupWindowSeconds * 1000 - now.getTime() : 0;
        if (leftMs > 0) return { created: false, reason: 'group_window', retryAfterSeconds: Math.ceil(leftMs / 1000) };
      }
      const row = await tx.bulkExport.create({
        data: {
          tenantId,
          connectionId: input.connectionId,
          level: input.level,
          groupId: input.groupId,
          requestUrl: input.requestUrl,
          params: input.params as Prisma.InputJsonValue,
          requestHash: input.requestHash,
          requiresAccessToken: input.requiresAccessToken,
          issues: input.issues as unknown as Prisma.InputJsonValue,
          nextRunAt: now,
        },
      });
      await tx.$executeRaw`SELECT pg_notify(${BULK_EXPORT_CHANNEL}, '')`;
      return { created: true, export: toExport(row) };
    });
  }

  /** One export of the tenant's: a prepared statement on the hot-path pool (every status poll reads it). */
  async find(tenantId: string, id: string): Promise<BulkExport | null> {
    const [row] = await this.pool.sql<BulkExportModel>('sb_bulk_export_find_v1')`SELECT * FROM "BulkExport" WHERE "id" = ${id}::uuid AND "tenantId" = ${tenantId}::uuid`;
    return row ? toExport(row) : null;
  }

  /** An export by id alone, for a signed file URL (the signature, checked against the row's tenant, is the credential). */
  async findBySignedUrl(id: string): Promise<BulkExport | null> {
    const row = await this.prisma.bulkExport.findUnique({ where: { id } });
    return row ? toExport(row) : null;
  }

  async listForConnection(tenantId: string, connectionId: string, limit: number): Promise<BulkExport[]> {
    const rows = await this.prisma.bulkExport.findMany({ where: { tenantId, connectionId }, orderBy: { createdAt: 'desc' }, take: limit });
    return rows.map(toExport);
  }

  async files(tenantId: string, exportId: string): Promise<BulkExportFile[]> {
    const rows = await this.prisma.bulkExportFile.findMany({ where: { tenantId, exportId }, orderBy: [{ kind: 'asc' }, { resourceType: 'asc' }, { seq: 'asc' }] });
    return rows.map(toFile);
  }

  async isCancelled(tenantId: string, id: string): Promise<boolean> {
    return (await this.prisma.bulkExport.count({ where: { id, tenantId, status: 'cancelled' } })) === 1;
  }

  /** Marks a running or finished export cancelled (its status URL answers 404 from now on); the worker then cleans up. */
  async cancel(tenantId: string, id: string): Promise<boolean> {
    const updated = await this.prisma.bulkExport.updateMany({
      where: { id, tenantId, status: { not: 'cancelled' } },
      data: { status: 'cancelled', cancelledAt: new Date(), nextRunAt: new Date(), updatedAt: new Date() },
    });
    if (updated.count === 1) await this.prisma.$executeRaw`SELECT pg_notify(${BULK_EXPORT_CHANNEL}, '')`;
    return updated.count === 1;
  }

  /**
   * Leases exports with work due: running ones whose next step is due, cancelled ones not yet
   * cleaned up, finished ones past their expiry. A lease that lapsed (a crashed worker) is taken over.
   * A prepared statement on the hot-path pool: it is also the worker's idle poll.
   */
  async claimDue(owner: string, leaseMs: number, limit: number): Promise<BulkExportLease[]> {
    const rows = await this.pool.sql<BulkExportModel>('sb_bulk_export_claim_v1')`
      WITH due AS (
        SELECT "id" FROM "BulkExport"
        WHERE "purgedAt" IS NULL
          AND (("status" IN ('requested', 'kicked_off', 'downloading') AND "nextRunAt" <= now())
               OR "status" = 'cancelled'
               OR ("status" IN ('completed', 'failed') AND "expiresAt" <= now()))
          AND ("leaseOwner" IS NULL OR "leaseOwner" = ${owner}::text OR "leaseUntil" < now())
        ORDER BY "nextRunAt"
        LIMIT ${limit}::int
        FOR UPDATE SKIP LOCKED
      )
      UPDATE "BulkExport" e SET "leaseOwner" = ${owner}::text, "leaseUntil" = now() + ${leaseMs}::int * interval '1 millisecond', "attempts" = e."attempts" + 1
      FROM due WHERE e."id" = due."id"
      RETURNING e.*`;
    return rows.map((r) => ({ export: toExport(r), owner }));
  }

  /**
   * Moves a leased export on, fenced by its lease and the status it had when leased (a
   * cancellation in between wins). Runs `also` in the same transaction (events, usage, audit).
   * Returns false when the export was no longer ours to move.
   */
  async advance(lease: BulkExportLease, change: BulkExportChange, also?: (tx: DbTransaction) => Promise<unknown>): Promise<boolean> {
    const { releaseLease, counts, ...fields } = change;
    return this.prisma.$transaction(async (tx) => {
      const moved = await tx.bulkExport.updateMany({
        where: { id: lease.export.id, leaseOwner: lease.owner, status: lease.export.status },
        data: {
          ...fields,
          ...(counts ? { counts: counts as Prisma.InputJsonValue } : {}),
          ...(releaseLease ? { leaseOwner: null, leaseUntil: null } : {}),
          updatedAt: new Date(),
        },
      });
      if (moved.count !== 1) return false;
      if (also) await also(tx as unknown as DbTransaction);
      if (typeof change.status === 'string') lease.export = { ...lease.export, status: change.status };
      return true;
    });
  }

  /** Gives the lease back (the step ended; the next is due at `nextRunAt`). */
  async release(lease: BulkExportLease): Promise<void> {
    await this.prisma.bulkExport.updateMany({ where: { id: lease.export.id, leaseOwner: lease.owner }, data: { leaseOwner: null, leaseUntil: null } });
  }

  /** Records the vendor files an export will fetch (not yet done); repeated calls change nothing. */
  async planFiles(tx: DbTransaction, tenantId: string, exportId: string, files: readonly Pick<BulkExportFile, 'kind' | 'resourceType' | 'seq' | 'vendorUrl' | 'objectKey'>[]): Promise<void> {
    await unwrapTx(tx).bulkExportFile.createMany({
      data: files.map((f) => ({ exportId, tenantId, kind: f.kind, resourceType: f.resourceType, seq: f.seq, vendorUrl: f.vendorUrl, objectKey: f.objectKey })),
      skipDuplicates: true,
    });
  }

  /** Records a file stored in object storage (bytes, lines, hash); a rerun's same file replaces the row. */
  async recordFile(tenantId: string, exportId: string, file: Omit<BulkExportFile, 'done'>): Promise<void> {
    const data = { vendorUrl: file.vendorUrl, objectKey: file.objectKey, done: true, bytes: BigInt(file.bytes), lines: file.lines, sha256: file.sha256 };
    await this.prisma.bulkExportFile.upsert({
      where: { exportId_kind_resourceType_seq: { exportId, kind: file.kind, resourceType: file.resourceType, seq: file.seq } },
      create: { exportId, tenantId, kind: file.kind, resourceType: file.resourceType, seq: file.seq, ...data },
      update: data,
    });
  }

  /** Drops an export's file rows before a rerun writes them again (our own exports are re-materialized whole). */
  async forgetFiles(tenantId: string, exportId: string): Promise<void> {
    await this.prisma.bulkExportFile.deleteMany({ where: { tenantId, exportId } });
  }

  /** Records progress and renews the lease; false when the lease was lost or the export cancelled meanwhile. */
  async progress(lease: BulkExportLease, progressPercent: number, leaseMs: number): Promise<boolean> {
    const n = await this.prisma.$executeRaw`
      UPDATE "BulkExport" SET "progressPercent" = ${progressPercent}, "leaseUntil" = now() + ${leaseMs} * interval '1 millisecond', "updatedAt" = now()
      WHERE "id" = ${lease.export.id}::uuid AND "leaseOwner" = ${lease.owner} AND "status" = ${lease.export.status}::"BulkExportStatus"`;
    return n === 1;
  }

  async markPurged(lease: BulkExportLease): Promise<void> {
    await this.prisma.bulkExport.updateMany({ where: { id: lease.export.id, leaseOwner: lease.owner }, data: { purgedAt: new Date(), leaseOwner: null, leaseUntil: null } });
  }
}
