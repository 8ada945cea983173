import { Injectable } from '@nestjs/common';
import { unwrapTx, type DbTransaction } from '../database';
import type { OAuthAuthMethod, OAuthClient, OAuthClientCredential } from '../models';
import { isUniqueViolation } from '../prisma-errors';
import { PrismaService } from '../prisma.service';
import type { Prisma } from '../generated/prisma/client';

const columns = {
  id: true,
  tenantId: true,
  name: true,
  clientId: true,
  authMethod: true,
  jwks: true,
  jwksUrl: true,
  scopes: true,
  revokedAt: true,
  createdAt: true,
} as const;

export interface NewOAuthClient {
  name: string;
  clientId: string;
  authMethod: OAuthAuthMethod;
  secretHash: string | null;
  jwks: Record<string, unknown> | null;
  jwksUrl: string | null;
  scopes: string[];
}

@Injectable()
export class OAuthClientRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(tx: DbTransaction, tenantId: string, input: NewOAuthClient): Promise<OAuthClient> {
    const { jwks, ...rest } = input;
    return unwrapTx(tx).oAuthClient.create({
      data: { ...rest, jwks: (jwks ?? undefined) as Prisma.InputJsonValue | undefined, tenantId },
      select: columns,
    });
  }

  list(tenantId: string): Promise<OAuthClient[]> {
    return this.prisma.oAuthClient.findMany({ where: { tenantId }, select: columns, orderBy: { createdAt: 'desc' } });
  }

  findById(tenantId: string, id: string): Promise<OAuthClient | null> {
    return this.prisma.oAuthClient.findFirst({ where: { id, tenantId }, select: columns });
  }

  async revoke(tenantId: string, id: string, at: Date): Promise<OAuthClient | null> {
    await this.prisma.oAuthClient.updateMany({ where: { id, tenantId, revokedAt: null }, data: { revokedAt: at } });
    return this.findById(tenantId, id);
  }

  /** Looks a client up by its public client_id (token endpoint; not tenant-scoped by nature). */
  async findCredentialByClientId(clientId: string): Promise<OAuthClientCredential | null> {
    const row = await this.prisma.oAuthClient.findUnique({
      where: { clientId },
      select: { ...columns, secretHash: true, tenant: { select: { status: true } } },
    });
    if (!row) return null;
    const { tenant, ...client } = row;
    return { ...client, tenantStatus: tenant.status };
  }

  /**
   * Remembers an assertion's jti until it expires. Returns false when the same
   * client already used it: the primary key makes the check race-free.
   */
  async rememberJti(clientUuid: string, jti: string, expiresAt: Date): Promise<boolean> {
    try {
      await this.prisma.clientAssertionJti.create({ data: { clientId: clientUuid, jti, expiresAt } });
      return true;
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }

  async pruneExpiredJtis(now: Date): Promise<number> {
    const { count } = await this.prisma.clientAssertionJti.deleteMany({ where: { expiresAt: { lt: now } } });
    return count;
  }
}
