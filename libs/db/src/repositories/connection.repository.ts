import { Injectable } from '@nestjs/common';
import { unwrapTx, type DbTransaction } from '../database';
import { Prisma } from '../generated/prisma/client';
import type { Connection, ConnectionEnvironment, ConnectionHealth, ConnectionSettings, ConnectionStatus, ConnectionVendor, Hl7Silence } from '../models';
import { PrismaService } from '../prisma.service';

export interface NewConnection extends Partial<ConnectionSettings> {
  name: string;
  vendor: ConnectionVendor;
  environment: ConnectionEnvironment;
  status: ConnectionStatus;
}

export type ConnectionPatch = Partial<ConnectionSettings> & { name?: string; status?: ConnectionStatus };

type Row = Omit<Connection, 'dialect' | 'hl7Silence'> & { dialect: Prisma.JsonValue; hl7Silence: Prisma.JsonValue };
const toDomain = (row: Row): Connection => ({ ...row, dialect: (row.dialect ?? {}) as Record<string, unknown>, hl7Silence: (row.hl7Silence ?? null) as Hl7Silence | null });
const json = (dialect: Record<string, unknown> | undefined) => dialect as Prisma.InputJsonValue | undefined;
/** null clears the column (SQL NULL); undefined leaves it alone. */
const nullableJson = (value: Hl7Silence | null | undefined) => (value === null ? Prisma.DbNull : (value as Prisma.InputJsonValue | undefined));

@Injectable()
export class ConnectionRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(tx: DbTransaction, tenantId: string, input: NewConnection): Promise<Connection> {
    const { dialect, hl7Silence, ...rest } = input;
    return toDomain(await unwrapTx(tx).connection.create({ data: { ...rest, dialect: json(dialect), hl7Silence: nullableJson(hl7Silence), tenantId } }));
  }

  async findById(tenantId: string, id: string): Promise<Connection | null> {
    const row = await this.prisma.connection.findFirst({ where: { id, tenantId } });
    return row ? toDomain(row) : null;
  }

  async list(tenantId: string): Promise<Connection[]> {
    return (await this.prisma.connection.findMany({ where: { tenantId }, orderBy: { createdAt: 'asc' } })).map(toDomain);
  }

  /** Live connections whose FHIR base is exactly one of these spellings, of every tenant (a SMART launch names only its `iss`). */
  async findLiveByFhirBase(fhirBaseUrls: readonly string[]): Promise<Connection[]> {
    return (await this.prisma.connection.findMany({ where: { status: 'live', fhirBaseUrl: { in: [...fhirBaseUrls] } }, orderBy: { createdAt: 'asc' }, take: 100 })).map(toDomain);
  }

  /** Live athena connections (of one tenant, when given): their FHIR base is athena's, derived from the host, not stored. */
  async findLiveAthena(tenantId: string | null): Promise<Connection[]> {
    return (
      await this.prisma.connection.findMany({ where: { status: 'live', vendor: 'athena', ...(tenantId ? { tenantId } : {}) }, orderBy: { createdAt: 'asc' }, take: 100 })
    ).map(toDomain);
  }

  async findFirstByVendor(tenantId: string, vendor: ConnectionVendor): Promise<Connection | null> {
    const row = await this.prisma.connection.findFirst({ where: { tenantId, vendor }, orderBy: { createdAt: 'asc' } });
    return row ? toDomain(row) : null;
  }

  /** Applies a patch to this tenant's connection; null when it has none with this id. */
  async update(tenantId: string, id: string, patch: ConnectionPatch): Promise<Connection | null> {
    const { dialect, hl7Silence, ...rest } = patch;
    const { count } = await this.prisma.connection.updateMany({ where: { id, tenantId }, data: { ...rest, dialect: json(dialect), hl7Silence: nullableJson(hl7Silence) } });
    return count === 0 ? null : this.findById(tenantId, id);
  }

  /**
   * Stamps the first time a production connection goes live (the `connectionGoLive` setup
   * fee counts it in that period); a later go-live never moves it.
   */
  async markWentLive(tenantId: string, id: string, at: Date): Promise<void> {
    await this.prisma.connection.updateMany({ where: { id, tenantId, environment: 'production', wentLiveAt: null }, data: { wentLiveAt: at } });
  }

  async recordHealth(tenantId: string, id: string, health: Partial<ConnectionHealth>): Promise<void> {
    await this.prisma.connection.updateMany({ where: { id, tenantId }, data: health });
  }

  /** The connection behind a public JWKS URL (no tenant in the URL by design). */
  async findTenantOfConnection(id: string): Promise<string | null> {
    return (await this.prisma.connection.findUnique({ where: { id }, select: { tenantId: true } }))?.tenantId ?? null;
  }
}
