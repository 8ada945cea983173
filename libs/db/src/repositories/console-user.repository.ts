import { Injectable } from '@nestjs/common';
import { unwrapTx, type DbTransaction } from '../database';
import type { ConsoleUser, ConsoleUserCredential, UserRole } from '../models';
import { isUniqueViolation } from '../prisma-errors';
import { PrismaService } from '../prisma.service';
import { claimConsoleEmail, consoleEmailTaken, emailConflict } from './console-emails';

const columns = { id: true, tenantId: true, email: true, name: true, role: true, phiAccess: true, lastLoginAt: true, revokedAt: true, createdAt: true } as const;

export interface NewConsoleUser {
  email: string;
  name: string;
  role: UserRole;
  phiAccess?: boolean;
  passwordHash?: string;
}

@Injectable()
export class ConsoleUserRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(tx: DbTransaction, tenantId: string, input: NewConsoleUser): Promise<ConsoleUser> {
    await claimConsoleEmail(unwrapTx(tx), input.email);
    try {
      return await unwrapTx(tx).consoleUser.create({ data: { ...input, email: input.email.toLowerCase(), tenantId }, select: columns });
    } catch (e) {
      if (isUniqueViolation(e)) throw emailConflict();
      throw e;
    }
  }

  list(tenantId: string): Promise<ConsoleUser[]> {
    return this.prisma.consoleUser.findMany({ where: { tenantId }, select: columns, orderBy: { createdAt: 'asc' } });
  }

  findById(tenantId: string, id: string): Promise<ConsoleUser | null> {
    return this.prisma.consoleUser.findFirst({ where: { id, tenantId }, select: columns });
  }

  /** Sign-in lookup across tenants (emails are unique); includes the password hash. */
  async findCredentialByEmail(email: string): Promise<ConsoleUserCredential | null> {
    const row = await this.prisma.consoleUser.findUnique({
      where: { email: email.toLowerCase() },
      select: { ...columns, passwordHash: true, tenant: { select: { status: true } } },
    });
    if (!row) return null;
    const { tenant, ...user } = row;
    return { ...user, tenantStatus: tenant.status };
  }

  /** True when a tenant's user or an operator user has this email (one email, one person). */
  emailTaken(email: string): Promise<boolean> {
    return consoleEmailTaken(this.prisma, email);
  }

  /** Changes role and/or PHI grant; null when the tenant has no such user. */
  async update(tx: DbTransaction, tenantId: string, id: string, patch: { role?: UserRole; phiAccess?: boolean }): Promise<ConsoleUser | null> {
    const { count } = await unwrapTx(tx).consoleUser.updateMany({ where: { id, tenantId }, data: patch });
    return count === 0 ? null : unwrapTx(tx).consoleUser.findFirst({ where: { id, tenantId }, select: columns });
  }

  async setPassword(tx: DbTransaction, tenantId: string, id: string, passwordHash: string): Promise<void> {
    await unwrapTx(tx).consoleUser.updateMany({ where: { id, tenantId }, data: { passwordHash } });
  }

  async revoke(tx: DbTransaction, tenantId: string, id: string, at: Date): Promise<ConsoleUser | null> {
    await unwrapTx(tx).consoleUser.updateMany({ where: { id, tenantId, revokedAt: null }, data: { revokedAt: at } });
    return unwrapTx(tx).consoleUser.findFirst({ where: { id, tenantId }, select: columns });
  }

  /** Lets a revoked user sign in again (their ended sessions stay ended). */
  async reinstate(tx: DbTransaction, tenantId: string, id: string): Promise<ConsoleUser | null> {
    await unwrapTx(tx).consoleUser.updateMany({ where: { id, tenantId, revokedAt: { not: null } }, data: { revokedAt: null } });
    return unwrapTx(tx).consoleUser.findFirst({ where: { id, tenantId }, select: columns });
  }

  async recordLogin(tenantId: string, id: string, at: Date): Promise<void> {
    await this.prisma.consoleUser.updateMany({ where: { id, tenantId }, data: { lastLoginAt: at } });
  }

  countOwners(tx: DbTransaction, tenantId: string): Promise<number> {
    return unwrapTx(tx).consoleUser.count({ where: { tenantId, role: 'owner', revokedAt: null } });
  }
}
