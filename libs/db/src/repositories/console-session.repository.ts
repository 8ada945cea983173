import { Injectable } from '@nestjs/common';
import { unwrapTx, type DbTransaction } from '../database';
import type { ConsoleSession, ConsoleSessionPrincipal } from '../models';
import { PrismaService } from '../prisma.service';

const columns = {
  id: true,
  tenantId: true,
  userId: true,
  operatorUserId: true,
  csrfToken: true,
  createdAt: true,
  lastSeenAt: true,
  expiresAt: true,
  endedAt: true,
} as const;
const userColumns = { id: true, tenantId: true, email: true, name: true, role: true, phiAccess: true, lastLoginAt: true, revokedAt: true, createdAt: true } as const;
const operatorUserColumns = { id: true, email: true, name: true, lastLoginAt: true, revokedAt: true, createdAt: true } as const;

export interface NewConsoleSession {
  tokenHash: string;
  csrfToken: string;
  expiresAt: Date;
}

/** Whose session: a tenant's user, or an operator user (who belongs to no tenant). */
export type SessionHolder = { tenantId: string; userId: string } | { operatorUserId: string };

@Injectable()
export class ConsoleSessionRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(holder: SessionHolder, input: NewConsoleSession): Promise<ConsoleSession> {
    return this.prisma.consoleSession.create({ data: { ...input, ...holder }, select: columns });
  }

  /** The session for a cookie token with its person, whatever its state (the caller checks timeouts). */
  async findByTokenHash(tokenHash: string): Promise<ConsoleSessionPrincipal | null> {
    const row = await this.prisma.consoleSession.findUnique({
      where: { tokenHash },
      select: { ...columns, user: { select: { ...userColumns, tenant: { select: { status: true } } } }, operatorUser: { select: operatorUserColumns } },
    });
    if (!row) return null;
    const { user: userRow, operatorUser, ...session } = row;
    if (userRow) {
      const { tenant, ...user } = userRow;
      return { ...session, kind: 'user', user, tenantStatus: tenant.status };
    }
    // The table's CHECK guarantees one of the two.
    return operatorUser ? { ...session, kind: 'operator', operatorUser } : null;
  }

  /** Slides the idle timeout; written only when `lastSeenAt` is older than `staleBefore`. */
  async touch(id: string, at: Date, staleBefore: Date): Promise<void> {
    await this.prisma.consoleSession.updateMany({ where: { id, lastSeenAt: { lt: staleBefore }, endedAt: null }, data: { lastSeenAt: at } });
  }

  /** Ends one session of its holder (sign-out). */
  async end(holder: SessionHolder, id: string, at: Date): Promise<void> {
    await this.prisma.consoleSession.updateMany({ where: { id, ...holder, endedAt: null }, data: { endedAt: at } });
  }

  /** Ends every session of a user (revocation, role change). */
  async endAllOfUser(tx: DbTransaction, tenantId: string, userId: string, at: Date): Promise<number> {
    const { count } = await unwrapTx(tx).consoleSession.updateMany({ where: { tenantId, userId, endedAt: null }, data: { endedAt: at } });
    return count;
  }

  /** Ends every session of an operator user (revocation). */
  async endAllOfOperatorUser(tx: DbTransaction, operatorUserId: string, at: Date): Promise<number> {
    const { count } = await unwrapTx(tx).consoleSession.updateMany({ where: { operatorUserId, endedAt: null }, data: { endedAt: at } });
    return count;
  }
}
