import { Injectable } from '@nestjs/common';
import { unwrapTx, type DbTransaction } from '../database';
import type { OperatorUser, OperatorUserCredential } from '../models';
import { isUniqueViolation } from '../prisma-errors';
import { PrismaService } from '../prisma.service';
import { claimConsoleEmail, emailConflict } from './console-emails';

const columns = { id: true, email: true, name: true, lastLoginAt: true, revokedAt: true, createdAt: true } as const;

export interface NewOperatorUser {
  email: string;
  name: string;
  passwordHash: string;
}

/** The installation's operator users: no tenant, so no tenantId parameter. */
@Injectable()
export class OperatorUserRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Conflict when a tenant's user or another operator user has the email. */
  async create(tx: DbTransaction, input: NewOperatorUser): Promise<OperatorUser> {
    await claimConsoleEmail(unwrapTx(tx), input.email);
    try {
      return await unwrapTx(tx).operatorUser.create({ data: { ...input, email: input.email.toLowerCase() }, select: columns });
    } catch (e) {
      if (isUniqueViolation(e)) throw emailConflict();
      throw e;
    }
  }

  findById(id: string): Promise<OperatorUser | null> {
    return this.prisma.operatorUser.findUnique({ where: { id }, select: columns });
  }

  /** Sign-in lookup; includes the password hash. */
  findCredentialByEmail(email: string): Promise<OperatorUserCredential | null> {
    return this.prisma.operatorUser.findUnique({ where: { email: email.toLowerCase() }, select: { ...columns, passwordHash: true } });
  }

  async setPassword(tx: DbTransaction, id: string, passwordHash: string): Promise<void> {
    await unwrapTx(tx).operatorUser.updateMany({ where: { id }, data: { passwordHash } });
  }

  async revoke(tx: DbTransaction, id: string, at: Date): Promise<OperatorUser | null> {
    await unwrapTx(tx).operatorUser.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } });
    return unwrapTx(tx).operatorUser.findUnique({ where: { id }, select: columns });
  }

  async recordLogin(id: string, at: Date): Promise<void> {
    await this.prisma.operatorUser.updateMany({ where: { id }, data: { lastLoginAt: at } });
  }
}
