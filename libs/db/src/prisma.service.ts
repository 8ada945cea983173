import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { PrismaClient } from './generated/prisma/client';

/** The one Prisma client of a process, on the pg driver adapter (no native engine). */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnModuleDestroy {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super({ adapter: new PrismaPg({ connectionString: config.databaseUrl }) });
  }

  /**
   * Loads the query compiler at boot rather than on the first query, so the first
   * request (a readiness probe, often) does not pay for it. With the driver adapter
   * this opens no connection: an unreachable database does not stop the boot.
   */
  async onModuleInit(): Promise<void> {
    await this.$connect();
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}
