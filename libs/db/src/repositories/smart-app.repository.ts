import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';

/** A SMART app as services see it: never its secret hash. */
export interface SmartApp {
  id: string;
  tenantId: string;
  name: string;
  clientId: string;
  confidential: boolean;
  /** True for a confidential symmetric client (client secret); the hash itself stays in the database layer. */
  hasSecret: boolean;
  jwksUrl: string | null;
  launchUrl: string;
  redirectUris: string[];
  scopes: string[];
  createdAt: Date;
  updatedAt: Date;
}

/** What the gateway's token endpoint checks a client against. */
export interface SmartAppCredential extends SmartApp {
  secretHash: string | null;
}

export interface NewSmartApp {
  name: string;
  clientId: string;
  confidential: boolean;
  secretHash: string | null;
  jwksUrl: string | null;
  launchUrl: string;
  redirectUris: string[];
  scopes: string[];
}

export interface SmartAppPatch {
  name?: string;
  launchUrl?: string;
  redirectUris?: string[];
  scopes?: string[];
  jwksUrl?: string;
}

const COLUMNS = {
  id: true,
  tenantId: true,
  name: true,
  clientId: true,
  confidential: true,
  secretHash: true,
  jwksUrl: true,
  launchUrl: true,
  redirectUris: true,
  scopes: true,
  createdAt: true,
  updatedAt: true,
} as const;

type Row = Omit<SmartApp, 'hasSecret'> & { secretHash: string | null };

const toApp = ({ secretHash, ...row }: Row): SmartApp => ({ ...row, hasSecret: secretHash !== null });

/**
 * The SMART apps a tenant registered (issue 15). Every method takes the tenant first;
 * another tenant's id reads as absent.
 */
@Injectable()
export class SmartAppRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(tenantId: string, input: NewSmartApp): Promise<SmartApp> {
    return toApp(await this.prisma.smartApp.create({ data: { ...input, tenantId }, select: COLUMNS }));
  }

  async list(tenantId: string): Promise<SmartApp[]> {
    const rows = await this.prisma.smartApp.findMany({ where: { tenantId }, select: COLUMNS, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    return rows.map(toApp);
  }

  async find(tenantId: string, id: string): Promise<SmartApp | null> {
    const row = await this.prisma.smartApp.findFirst({ where: { tenantId, id }, select: COLUMNS });
    return row ? toApp(row) : null;
  }

  async update(tenantId: string, id: string, patch: SmartAppPatch): Promise<SmartApp | null> {
    const { count } = await this.prisma.smartApp.updateMany({ where: { tenantId, id }, data: patch });
    return count === 0 ? null : this.find(tenantId, id);
  }

  /**
   * Replaces the secret hash of a confidential symmetric app (the old secret stops working
   * at once). Null when the tenant has no such app, or the app has no secret to replace.
   */
  async replaceSecret(tenantId: string, id: string, secretHash: string): Promise<SmartApp | null> {
    const { count } = await this.prisma.smartApp.updateMany({ where: { tenantId, id, confidential: true, secretHash: { not: null } }, data: { secretHash } });
    return count === 0 ? null : this.find(tenantId, id);
  }

  /** True when the tenant had this app (its launches go with it). */
  async delete(tenantId: string, id: string): Promise<boolean> {
    const { count } = await this.prisma.smartApp.deleteMany({ where: { tenantId, id } });
    return count > 0;
  }

  /** The app a client id names, with its secret hash, within one tenant (the connection's, at the authorize and token endpoints). */
  async findCredentialByClientId(tenantId: string, clientId: string): Promise<SmartAppCredential | null> {
    const row = await this.prisma.smartApp.findFirst({ where: { tenantId, clientId }, select: COLUMNS });
    return row ? { ...toApp(row), secretHash: row.secretHash } : null;
  }

  /** The app a client id names, whichever tenant's (client ids are unique): the gateway's token endpoint has no other way to know the tenant. */
  async findCredentialAnyTenant(clientId: string): Promise<SmartAppCredential | null> {
    const row = await this.prisma.smartApp.findUnique({ where: { clientId }, select: COLUMNS });
    return row ? { ...toApp(row), secretHash: row.secretHash } : null;
  }

  /** An app by id with its secret hash, for a launch already tied to it. */
  async findCredentialById(id: string): Promise<SmartAppCredential | null> {
    const row = await this.prisma.smartApp.findUnique({ where: { id }, select: COLUMNS });
    return row ? { ...toApp(row), secretHash: row.secretHash } : null;
  }
}
