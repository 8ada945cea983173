import { Injectable } from '@nestjs/common';
import type { SigningKey } from '../models';
import { PrismaService } from '../prisma.service';
import type { Prisma } from '../generated/prisma/client';

type Row = Omit<SigningKey, 'publicJwk'> & { publicJwk: Prisma.JsonValue };
const toDomain = (row: Row): SigningKey => ({ ...row, publicJwk: row.publicJwk as Record<string, unknown> });

/** The gateway's own token-signing keys (platform-level, not tenant-owned). */
@Injectable()
export class SigningKeyRepository {
  constructor(private readonly prisma: PrismaService) {}

  async findActive(): Promise<SigningKey | null> {
    const row = await this.prisma.gatewaySigningKey.findFirst({ where: { status: 'active' }, orderBy: { createdAt: 'desc' } });
    return row ? toDomain(row) : null;
  }

  /** Keys whose public half must stay published: the active one and those still retiring. */
  async listPublished(): Promise<SigningKey[]> {
    const rows = await this.prisma.gatewaySigningKey.findMany({
      where: { status: { in: ['active', 'retiring'] } },
      orderBy: { createdAt: 'desc' },
    });
    return rows.map(toDomain);
  }

  async findByKid(kid: string): Promise<SigningKey | null> {
    const row = await this.prisma.gatewaySigningKey.findUnique({ where: { kid } });
    return row ? toDomain(row) : null;
  }

  /**
   * Makes `next()` the active key when `stale(currentActive)` holds, moving the old
   * active key to retiring. Runs under a lock so concurrent processes rotate once.
   * Returns the active key after the call.
   */
  async rotateIf(
    stale: (active: SigningKey | null) => boolean,
    next: () => Promise<Omit<SigningKey, 'createdAt' | 'retireAfter' | 'status'>>,
    retireAfter: Date,
  ): Promise<SigningKey> {
    const row = await this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('gateway-signing-key-rotation'))`;
      const active = await tx.gatewaySigningKey.findFirst({ where: { status: 'active' }, orderBy: { createdAt: 'desc' } });
      if (active && !stale(toDomain(active))) return active;
      const key = await next();
      await tx.gatewaySigningKey.updateMany({ where: { status: 'active' }, data: { status: 'retiring', retireAfter } });
      return tx.gatewaySigningKey.create({
        data: { ...key, publicJwk: key.publicJwk as Prisma.InputJsonValue, status: 'active' },
      });
    });
    return toDomain(row);
  }

  /** Swaps a key's sealed private half, if it is still `from` (a concurrent swap wins). */
  async replaceSealed(kid: string, from: string, to: string): Promise<boolean> {
    const { count } = await this.prisma.gatewaySigningKey.updateMany({ where: { kid, sealedPrivateJwk: from }, data: { sealedPrivateJwk: to } });
    return count === 1;
  }

  async retireExpired(now: Date): Promise<number> {
    const { count } = await this.prisma.gatewaySigningKey.updateMany({
      where: { status: 'retiring', retireAfter: { lt: now } },
      data: { status: 'retired' },
    });
    return count;
  }
}
