import { Injectable } from '@nestjs/common';
import { unwrapTx, type DbTransaction } from '../database';
import type { AuditEntryInput, AuditRecord } from '../models';
import { PrismaService } from '../prisma.service';

/** Computes a record's chain hash from the previous record's hash and its own fields. */
export type AuditHashFn = (prevHash: string, sequence: number, entry: AuditEntryInput) => string;

export const GENESIS_HASH = '0'.repeat(64);

@Injectable()
export class AuditRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Appends to the tenant's hash chain. A per-tenant advisory lock serializes
   * appends so the sequence has no gaps and every record links to its predecessor.
   */
  async append(tx: DbTransaction, entry: AuditEntryInput, hash: AuditHashFn): Promise<AuditRecord> {
    const db = unwrapTx(tx);
    await db.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`audit:${entry.tenantId}`}, 0))`;
    const last = await db.auditRecord.findFirst({
      where: { tenantId: entry.tenantId },
      orderBy: { sequence: 'desc' },
      select: { sequence: true, hash: true },
    });
    const sequence = (last?.sequence ?? 0) + 1;
    const prevHash = last?.hash ?? GENESIS_HASH;
    return db.auditRecord.create({ data: { ...entry, sequence, prevHash, hash: hash(prevHash, sequence, entry) } });
  }

  /** The tenant's records in chain order, from `afterSequence` on. */
  list(tenantId: string, query: { afterSequence?: number; limit: number }): Promise<AuditRecord[]> {
    return this.prisma.auditRecord.findMany({
      where: { tenantId, sequence: { gt: query.afterSequence ?? 0 } },
      orderBy: { sequence: 'asc' },
      take: query.limit,
    });
  }

  countByTransaction(tenantId: string, transactionId: string): Promise<number> {
    return this.prisma.auditRecord.count({ where: { tenantId, transactionId } });
  }
}
