import { Injectable } from '@nestjs/common';
import { ErrorCode, SbError } from '@sb/core';
import { unwrapTx, type DbTransaction } from '../database';
import type { ConsoleUser, UserRole } from '../models';
import { isUniqueViolation } from '../prisma-errors';
import { PrismaService } from '../prisma.service';

const columns = { id: true, tenantId: true, email: true, name: true, role: true, createdAt: true } as const;

@Injectable()
export class ConsoleUserRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(tx: DbTransaction, tenantId: string, input: { email: string; name: string; role: UserRole }): Promise<ConsoleUser> {
    try {
      return await unwrapTx(tx).consoleUser.create({ data: { ...input, tenantId }, select: columns });
    } catch (e) {
      if (isUniqueViolation(e)) throw new SbError(ErrorCode.Conflict, 'A user with this email already exists', { details: { field: 'email' } });
      throw e;
    }
  }

  list(tenantId: string): Promise<ConsoleUser[]> {
    return this.prisma.consoleUser.findMany({ where: { tenantId }, select: columns, orderBy: { createdAt: 'asc' } });
  }

  findById(tenantId: string, id: string): Promise<ConsoleUser | null> {
    return this.prisma.consoleUser.findFirst({ where: { id, tenantId }, select: columns });
  }
}
