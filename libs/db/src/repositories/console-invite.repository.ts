import { Injectable } from '@nestjs/common';
import { unwrapTx, type DbTransaction } from '../database';
import type { ConsoleInvite, UserRole } from '../models';
import { PrismaService } from '../prisma.service';

const columns = {
  id: true,
  tenantId: true,
  email: true,
  role: true,
  phiAccess: true,
  invitedBy: true,
  expiresAt: true,
  acceptedAt: true,
  revokedAt: true,
  createdAt: true,
} as const;

export interface NewConsoleInvite {
  email: string;
  role: UserRole;
  phiAccess: boolean;
  tokenHash: string;
  invitedBy: string;
  expiresAt: Date;
}

@Injectable()
export class ConsoleInviteRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(tenantId: string, input: NewConsoleInvite): Promise<ConsoleInvite> {
    return this.prisma.consoleInvite.create({ data: { ...input, email: input.email.toLowerCase(), tenantId }, select: columns });
  }

  list(tenantId: string): Promise<ConsoleInvite[]> {
    return this.prisma.consoleInvite.findMany({ where: { tenantId }, select: columns, orderBy: { createdAt: 'desc' } });
  }

  findById(tenantId: string, id: string): Promise<ConsoleInvite | null> {
    return this.prisma.consoleInvite.findFirst({ where: { id, tenantId }, select: columns });
  }

  async findByTokenHash(tokenHash: string): Promise<(ConsoleInvite & { tenantName: string }) | null> {
    const row = await this.prisma.consoleInvite.findUnique({ where: { tokenHash }, select: { ...columns, tenant: { select: { name: true } } } });
    if (!row) return null;
    const { tenant, ...invite } = row;
    return { ...invite, tenantName: tenant.name };
  }

  /** Marks the invite used; false when it was already used or revoked (single use under concurrency). */
  async consume(tx: DbTransaction, id: string, at: Date): Promise<boolean> {
    const { count } = await unwrapTx(tx).consoleInvite.updateMany({ where: { id, acceptedAt: null, revokedAt: null }, data: { acceptedAt: at } });
    return count === 1;
  }

  /** Revokes open invites of this tenant (all for the email when `email` is given). */
  async revoke(tenantId: string, where: { id: string } | { email: string }, at: Date): Promise<number> {
    const filter = 'id' in where ? { id: where.id } : { email: where.email.toLowerCase() };
    const { count } = await this.prisma.consoleInvite.updateMany({ where: { tenantId, ...filter, acceptedAt: null, revokedAt: null }, data: { revokedAt: at } });
    return count;
  }
}
