import { Injectable } from '@nestjs/common';
import type { DbTransaction } from '../database';
import { unwrapTx } from '../database';
import type { ApiKey, ApiKeyCredential } from '../models';
import { PrismaService } from '../prisma.service';

const columns = {
  id: true,
  tenantId: true,
  name: true,
  prefix: true,
  scopes: true,
  lastUsedAt: true,
  expiresAt: true,
  revokedAt: true,
  createdAt: true,
} as const;

/** Last-used times are written at most this often per key, not on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface NewApiKey {
  name: string;
  prefix: string;
  keyHash: string;
  scopes: string[];
  expiresAt: Date | null;
}

@Injectable()
export class ApiKeyRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(tx: DbTransaction, tenantId: string, input: NewApiKey): Promise<ApiKey> {
    return unwrapTx(tx).apiKey.create({ data: { ...input, tenantId }, select: columns });
  }

  list(tenantId: string): Promise<ApiKey[]> {
    return this.prisma.apiKey.findMany({ where: { tenantId }, select: columns, orderBy: { createdAt: 'desc' } });
  }

  findById(tenantId: string, id: string): Promise<ApiKey | null> {
    return this.prisma.apiKey.findFirst({ where: { id, tenantId }, select: columns });
  }

  /** Revokes a key of this tenant; null when the tenant has no such key. Idempotent. */
  async revoke(tenantId: string, id: string, at: Date): Promise<ApiKey | null> {
    await this.prisma.apiKey.updateMany({ where: { id, tenantId, revokedAt: null }, data: { revokedAt: at } });
    return this.findById(tenantId, id);
  }

  /** Looks a presented key up by its hash (authentication; not tenant-scoped by nature). */
  async findCredentialByHash(keyHash: string): Promise<ApiKeyCredential | null> {
    const row = await this.prisma.apiKey.findUnique({
      where: { keyHash },
      select: { ...columns, tenant: { select: { status: true } } },
    });
    if (!row) return null;
    const { tenant, ...key } = row;
    return { ...key, tenantStatus: tenant.status };
  }

  async touchLastUsed(id: string, at: Date): Promise<void> {
    await this.prisma.apiKey.updateMany({
      where: { id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(at.getTime() - LAST_USED_RESOLUTION_MS) } }] },
      data: { lastUsedAt: at },
    });
  }
}
