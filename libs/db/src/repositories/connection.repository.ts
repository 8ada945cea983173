import { Injectable } from '@nestjs/common';
import { unwrapTx, type DbTransaction } from '../database';
import type { Connection, ConnectionEnvironment, ConnectionStatus, ConnectionVendor } from '../models';
import { PrismaService } from '../prisma.service';

export interface NewConnection {
  name: string;
  vendor: ConnectionVendor;
  environment: ConnectionEnvironment;
  status: ConnectionStatus;
}

@Injectable()
export class ConnectionRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(tx: DbTransaction, tenantId: string, input: NewConnection): Promise<Connection> {
    return unwrapTx(tx).connection.create({ data: { ...input, tenantId } });
  }

  findById(tenantId: string, id: string): Promise<Connection | null> {
    return this.prisma.connection.findFirst({ where: { id, tenantId } });
  }

  list(tenantId: string): Promise<Connection[]> {
    return this.prisma.connection.findMany({ where: { tenantId }, orderBy: { createdAt: 'asc' } });
  }

  findFirstByVendor(tenantId: string, vendor: ConnectionVendor): Promise<Connection | null> {
    return this.prisma.connection.findFirst({ where: { tenantId, vendor }, orderBy: { createdAt: 'asc' } });
  }
}
