import { Injectable } from '@nestjs/common';
import type { Prisma } from './generated/prisma/client';
import { HotPathPool } from './hot-path-pool';
import { PrismaService } from './prisma.service';
import type { SqlTransaction } from './sql-transaction';

declare const txBrand: unique symbol;
/**
 * An open database transaction, opaque outside libs/db. Services pass it to
 * repository methods so that several writes (the work, its usage event, its audit
 * record) commit or roll back together.
 */
export type DbTransaction = { readonly [txBrand]: true };

export type PrismaTx = Prisma.TransactionClient;

export const unwrapTx = (tx: DbTransaction): PrismaTx => tx as unknown as PrismaTx;

@Injectable()
export class Database {
  constructor(
    private readonly prisma: PrismaService,
    private readonly hotPath: HotPathPool,
  ) {}

  /** Runs `fn` in one transaction; everything written through `tx` commits or none of it. */
  transaction<T>(fn: (tx: DbTransaction) => Promise<T>, options?: { timeoutMs?: number }): Promise<T> {
    return this.prisma.$transaction((tx) => fn(tx as unknown as DbTransaction), {
      timeout: options?.timeoutMs ?? 15_000,
    });
  }

  /**
   * The same on the hot-path `pg` pool, for work whose statements are all raw SQL (a worker's batch):
   * without Prisma's per-statement serialization. Repository methods taking an `AnyTransaction` run in it.
   */
  sqlTransaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    return this.hotPath.transaction(fn);
  }

  /** A cheap round trip for health checks. */
  async ping(): Promise<void> {
    await this.prisma.$queryRaw`SELECT 1`;
  }
}
