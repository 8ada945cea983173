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

@Injectable()
export class IdempotencyRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Claims a key before the vendor call; the primary key makes two concurrent claims impossible. */
  async claim(tenantId: string, connectionId: string, key: string, requestHash: string): Promise<IdempotencyClaim> {
    try {
      await this.prisma.idempotencyRecord.create({ data: { tenantId, connectionId, key, requestHash } });
      return { claimed: true };
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      const existing = await this.prisma.idempotencyRecord.findUnique({ where: { tenantId_connectionId_key: { tenantId, connectionId, key } } });
      if (!existing) return this.claim(tenantId, connectionId, key, requestHash);
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
