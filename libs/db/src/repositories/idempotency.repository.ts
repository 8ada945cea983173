import { Injectable } from '@nestjs/common';
import { unwrapTx, type DbTransaction } from '../database';
import type { Prisma } from '../generated/prisma/client';
import { isUniqueViolation } from '../prisma-errors';
import { PrismaService } from '../prisma.service';

export interface IdempotencyRecord {
  requestHash: string;
  status: number | null;
  responseBody: unknown;
  location: string | null;
  completedAt: Date | null;
}

export type IdempotencyClaim = { claimed: true } | { claimed: false; existing: IdempotencyRecord };

/**
 * An unfinished claim older than this was left by a process that died mid-call (a live one
 * completes or releases it: a vendor call times out after 15 s, with retries well under a
 * minute). A repeat of the same request may take it over.
 */
export const IDEMPOTENCY_CLAIM_STALE_MS = 5 * 60_000;

@Injectable()
export class IdempotencyRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Claims a key before the vendor call; the primary key makes two concurrent claims impossible.
   * A stale unfinished claim for the same request is taken over (one taker wins the update).
   */
  async claim(tenantId: string, connectionId: string, key: string, requestHash: string, now: Date = new Date()): Promise<IdempotencyClaim> {
    try {
      await this.prisma.idempotencyRecord.create({ data: { tenantId, connectionId, key, requestHash, createdAt: now } });
      return { claimed: true };
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      const takenOver = await this.prisma.idempotencyRecord.updateMany({
        where: { tenantId, connectionId, key, requestHash, completedAt: null, createdAt: { lt: new Date(now.getTime() - IDEMPOTENCY_CLAIM_STALE_MS) } },
        data: { createdAt: now },
      });
      if (takenOver.count === 1) return { claimed: true };
      const existing = await this.prisma.idempotencyRecord.findUnique({ where: { tenantId_connectionId_key: { tenantId, connectionId, key } } });
      if (!existing) return this.claim(tenantId, connectionId, key, requestHash, now);
      return { claimed: false, existing };
    }
  }

  /** Stores the response, in the transaction that records the call's usage and audit. */
  async complete(tx: DbTransaction, tenantId: string, connectionId: string, key: string, response: { status: number; body: unknown; location: string | null }): Promise<void> {
    await unwrapTx(tx).idempotencyRecord.update({
      where: { tenantId_connectionId_key: { tenantId, connectionId, key } },
      data: { status: response.status, responseBody: response.body as Prisma.InputJsonValue, location: response.location, completedAt: new Date() },
    });
  }

  /** Releases a claim whose request failed, so the client can retry with the same key. */
  async release(tenantId: string, connectionId: string, key: string): Promise<void> {
    await this.prisma.idempotencyRecord.deleteMany({ where: { tenantId, connectionId, key, completedAt: null } });
  }
}
