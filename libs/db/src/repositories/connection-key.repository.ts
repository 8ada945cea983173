import { Injectable } from '@nestjs/common';
import { unwrapTx, type DbTransaction } from '../database';
import type { Prisma } from '../generated/prisma/client';
import type { ConnectionKey } from '../models';
import { isUniqueViolation } from '../prisma-errors';
import { PrismaService } from '../prisma.service';
import { ErrorCode, SbError } from '@sb/core';

type Row = Omit<ConnectionKey, 'publicJwk'> & { publicJwk: Prisma.JsonValue };
const toDomain = (r: Row): ConnectionKey => ({ ...r, publicJwk: r.publicJwk as Record<string, unknown> });

@Injectable()
export class ConnectionKeyRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Adds a new active key; the previous active key stays published as retiring. */
  async addActive(tx: DbTransaction, key: Omit<ConnectionKey, 'status' | 'createdAt' | 'retiredAt'>): Promise<ConnectionKey> {
    const db = unwrapTx(tx);
    await db.connectionKey.updateMany({ where: { connectionId: key.connectionId, tenantId: key.tenantId, status: 'active' }, data: { status: 'retiring' } });
    try {
      return toDomain(await db.connectionKey.create({ data: { ...key, publicJwk: key.publicJwk as Prisma.InputJsonValue, status: 'active' } }));
    } catch (e) {
      if (isUniqueViolation(e)) throw new SbError(ErrorCode.Conflict, 'This key is already registered');
      throw e;
    }
  }

  async list(tenantId: string, connectionId: string): Promise<ConnectionKey[]> {
    return (await this.prisma.connectionKey.findMany({ where: { tenantId, connectionId }, orderBy: { createdAt: 'desc' } })).map(toDomain);
  }

  async findActive(tenantId: string, connectionId: string): Promise<ConnectionKey | null> {
    const row = await this.prisma.connectionKey.findFirst({ where: { tenantId, connectionId, status: 'active' }, orderBy: { createdAt: 'desc' } });
    return row ? toDomain(row) : null;
  }

  async findByKid(tenantId: string, connectionId: string, kid: string): Promise<ConnectionKey | null> {
    const row = await this.prisma.connectionKey.findFirst({ where: { tenantId, connectionId, kid } });
    return row ? toDomain(row) : null;
  }

  /** Keys a hospital may verify assertions with: active and retiring. */
  async listPublished(connectionId: string): Promise<ConnectionKey[]> {
    const rows = await this.prisma.connectionKey.findMany({
      where: { connectionId, status: { in: ['active', 'retiring'] } },
      orderBy: { createdAt: 'desc' },
    });
    return rows.map(toDomain);
  }

  async retire(tx: DbTransaction, tenantId: string, connectionId: string, kid: string, at: Date): Promise<number> {
    const { count } = await unwrapTx(tx).connectionKey.updateMany({
      where: { tenantId, connectionId, kid, status: { not: 'retired' } },
      data: { status: 'retired', retiredAt: at },
    });
    return count;
  }
}
