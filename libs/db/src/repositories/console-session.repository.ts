import { Injectable } from '@nestjs/common';
import { unwrapTx, type DbTransaction } from '../database';
import type { ConsoleSession, ConsoleSessionPrincipal } from '../models';
import { PrismaService } from '../prisma.service';

const columns = { id: true, tenantId: true, userId: true, csrfToken: true, createdAt: true, lastSeenAt: true, expiresAt: true, endedAt: true } as const;
const userColumns = { id: true, tenantId: true, email: true, name: true, role: true, phiAccess: true, lastLoginAt: true, revokedAt: true, createdAt: true } as const;

export interface NewConsoleSession {
  userId: string;
  tokenHash: string;
  csrfToken: string;
  expiresAt: Date;
}

@Injectable()
export class ConsoleSessionRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(tenantId: string, input: NewConsoleSession): Promise<ConsoleSession> {
    return this.prisma.consoleSession.create({ data: { ...input, tenantId }, select: columns });
  }

  /** The session for a cookie token with its user, whatever its state (the caller checks timeouts). */
  async findByTokenHash(tokenHash: string): Promise<ConsoleSessionPrincipal | null> {
    const row = await this.prisma.consoleSession.findUnique({
      where: { tokenHash },
      select: { ...columns, user: { select: { ...userColumns, tenant: { select: { status: true } } } } },
    });
    if (!row) return null;
    const { tenant, ...user } = row.user;
    return { ...row, user, tenantStatus: tenant.status };
  }

  /** Slides the idle timeout; written only when `lastSeenAt` is older than `staleBefore`. */
  async touch(id: string, at: Date, staleBefore: Date): Promise<void> {
    await this.prisma.consoleSession.updateMany({ where: { id, lastSeenAt: { lt: staleBefore }, endedAt: null }, data: { lastSeenAt: at } });
  }

  async end(tenantId: string, id: string, at: Date): Promise<void> {
    await this.prisma.consoleSession.updateMany({ where: { id, tenantId, endedAt: null }, data: { endedAt: at } });
  }

  /** Ends every session of a user (revocation, role change). */
  async endAllOfUser(tx: DbTransaction, tenantId: string, userId: string, at: Date): Promise<number> {
    const { count } = await unwrapTx(tx).consoleSession.updateMany({ where: { tenantId, userId, endedAt: null }, data: { endedAt: at } });
    return count;
  }
}
