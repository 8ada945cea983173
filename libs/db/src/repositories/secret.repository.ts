import { Injectable } from '@nestjs/common';
import { unwrapTx, type DbTransaction } from '../database';
import type { SealedSecret, SecretMetadata } from '../models';
import { PrismaService } from '../prisma.service';

const metadataColumns = {
  id: true,
  tenantId: true,
  connectionId: true,
  name: true,
  version: true,
  fingerprint: true,
  byteLength: true,
  expiresAt: true,
  kmsProvider: true,
  kekId: true,
  kekVersion: true,
  createdAt: true,
  lastUsedAt: true,
  supersededAt: true,
} as const;

type SealedRow = Omit<SealedSecret, 'ciphertext' | 'nonce' | 'authTag' | 'wrappedKey'> & {
  ciphertext: Uint8Array;
  nonce: Uint8Array;
  authTag: Uint8Array;
  wrappedKey: Uint8Array;
};
const toSealed = (r: SealedRow): SealedSecret => ({
  ...r,
  ciphertext: Buffer.from(r.ciphertext),
  nonce: Buffer.from(r.nonce),
  authTag: Buffer.from(r.authTag),
  wrappedKey: Buffer.from(r.wrappedKey),
});

export interface NewSecretVersion {
  name: string;
  ciphertext: Buffer;
  nonce: Buffer;
  authTag: Buffer;
  wrappedKey: Buffer;
  kmsProvider: string;
  kekId: string;
  kekVersion: string;
  fingerprint: string;
  byteLength: number;
  expiresAt?: Date | null;
}

export interface Rewrap {
  id: string;
  fromKekId: string;
  fromKekVersion: string;
  wrappedKey: Buffer;
  kekId: string;
  kekVersion: string;
}

/** Last-used times are written at most this often per version. */
const LAST_USED_RESOLUTION_MS = 60_000;

@Injectable()
export class SecretRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The next version number of a secret, read under a lock so concurrent writers cannot collide. */
  async nextVersion(tx: DbTransaction, connectionId: string, name: string): Promise<number> {
    const db = unwrapTx(tx);
    await db.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`secret:${connectionId}:${name}`}, 0))`;
    const last = await db.secretVersion.findFirst({ where: { connectionId, name }, orderBy: { version: 'desc' }, select: { version: true } });
    return (last?.version ?? 0) + 1;
  }

  /** Inserts a version (from `nextVersion` in the same transaction) and supersedes the older ones. */
  async insertVersion(tx: DbTransaction, tenantId: string, connectionId: string, version: number, input: NewSecretVersion): Promise<SecretMetadata> {
    const db = unwrapTx(tx);
    const created = await db.secretVersion.create({
      data: {
        ...input,
        ciphertext: new Uint8Array(input.ciphertext),
        nonce: new Uint8Array(input.nonce),
        authTag: new Uint8Array(input.authTag),
        wrappedKey: new Uint8Array(input.wrappedKey),
        tenantId,
        connectionId,
        version,
      },
      select: metadataColumns,
    });
    await db.secretVersion.updateMany({
      where: { connectionId, name: input.name, version: { lt: version }, supersededAt: null },
      data: { supersededAt: created.createdAt },
    });
    return created;
  }

  /** The current (newest) version of each secret of a connection. */
  listCurrent(tenantId: string, connectionId: string): Promise<SecretMetadata[]> {
    return this.prisma.secretVersion.findMany({
      where: { tenantId, connectionId, supersededAt: null },
      select: metadataColumns,
      orderBy: { name: 'asc' },
    });
  }

  async findCurrentSealed(tenantId: string, connectionId: string, name: string): Promise<SealedSecret | null> {
    const row = await this.prisma.secretVersion.findFirst({ where: { tenantId, connectionId, name }, orderBy: { version: 'desc' } });
    return row ? toSealed(row) : null;
  }

  /** Deletes every version of a secret; returns how many were removed. */
  async deleteAll(tx: DbTransaction, tenantId: string, connectionId: string, name: string): Promise<number> {
    const { count } = await unwrapTx(tx).secretVersion.deleteMany({ where: { tenantId, connectionId, name } });
    return count;
  }

  async touchLastUsed(id: string, at: Date): Promise<void> {
    await this.prisma.secretVersion.updateMany({
      where: { id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(at.getTime() - LAST_USED_RESOLUTION_MS) } }] },
      data: { lastUsedAt: at },
    });
  }

  /** A batch of versions whose data key is not wrapped under `kek` (rotation work list), oldest first. */
  async findNotWrappedUnder(kmsProvider: string, kekId: string, kekVersion: string, limit: number, afterId?: string): Promise<SealedSecret[]> {
    const rows = await this.prisma.secretVersion.findMany({
      where: {
        OR: [{ kmsProvider: { not: kmsProvider } }, { kekId: { not: kekId } }, { kekVersion: { not: kekVersion } }],
        ...(afterId ? { id: { gt: afterId } } : {}),
      },
      orderBy: { id: 'asc' },
      take: limit,
    });
    return rows.map(toSealed);
  }

  countNotWrappedUnder(kmsProvider: string, kekId: string, kekVersion: string): Promise<number> {
    return this.prisma.secretVersion.count({
      where: { OR: [{ kmsProvider: { not: kmsProvider } }, { kekId: { not: kekId } }, { kekVersion: { not: kekVersion } }] },
    });
  }

  /** Counts of versions per KEK, so an operator can see when an old KEK can be retired. */
  async countByKek(): Promise<{ kmsProvider: string; kekId: string; kekVersion: string; count: number }[]> {
    const groups = await this.prisma.secretVersion.groupBy({ by: ['kmsProvider', 'kekId', 'kekVersion'], _count: { _all: true } });
    return groups.map((g) => ({ kmsProvider: g.kmsProvider, kekId: g.kekId, kekVersion: g.kekVersion, count: g._count._all }));
  }

  /**
   * Stores re-wrapped data keys. Each update only applies if the row is still
   * wrapped under the KEK it was read with, so concurrent rotations cannot clobber
   * each other; returns how many rows changed.
   */
  async applyRewraps(kmsProvider: string, rewraps: Rewrap[]): Promise<number> {
    const results = await this.prisma.$transaction(
      rewraps.map((r) =>
        this.prisma.secretVersion.updateMany({
          where: { id: r.id, kekId: r.fromKekId, kekVersion: r.fromKekVersion },
          data: { wrappedKey: new Uint8Array(r.wrappedKey), kmsProvider, kekId: r.kekId, kekVersion: r.kekVersion },
        }),
      ),
    );
    return results.reduce((n, r) => n + r.count, 0);
  }
}
