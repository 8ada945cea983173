import { Injectable } from '@nestjs/common';
import { unwrapTx, type DbTransaction } from '../database';
import type { Page, UsageEvent, UsageEventInput } from '../models';
import { PrismaService } from '../prisma.service';

export interface UsageTotal {
  connectionId: string;
  vendor: string;
  operation: string;
  outcome: string;
  count: number;
}

@Injectable()
export class UsageRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Records a usage event once per transaction id; returns false for a duplicate. */
  async record(tx: DbTransaction, event: UsageEventInput): Promise<boolean> {
    const { count } = await unwrapTx(tx).usageEvent.createMany({ data: [event], skipDuplicates: true });
    return count === 1;
  }

  /** Newest first; `cursor` is the id of the last item of the previous page. */
  async list(tenantId: string, query: { from?: Date; to?: Date; limit: number; cursor?: string }): Promise<Page<UsageEvent>> {
    const rows = await this.prisma.usageEvent.findMany({
      where: { tenantId, occurredAt: { gte: query.from, lt: query.to } },
      orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
      ...(query.cursor ? { cursor: { id: query.cursor }, skip: 1 } : {}),
    });
    const items = rows.slice(0, query.limit);
    return { items, nextCursor: rows.length > query.limit ? (items.at(-1)?.id ?? null) : null };
  }

  /** Belongs-to check for a cursor, so one tenant cannot page from another's row. */
  async exists(tenantId: string, id: string): Promise<boolean> {
    return (await this.prisma.usageEvent.count({ where: { tenantId, id } })) === 1;
  }

  async totals(tenantId: string, range: { from?: Date; to?: Date }): Promise<UsageTotal[]> {
    const groups = await this.prisma.usageEvent.groupBy({
      by: ['connectionId', 'vendor', 'operation', 'outcome'],
      where: { tenantId, occurredAt: { gte: range.from, lt: range.to } },
      _count: { _all: true },
      orderBy: [{ connectionId: 'asc' }, { operation: 'asc' }],
    });
    return groups.map((g) => ({
      connectionId: g.connectionId,
      vendor: g.vendor,
      operation: g.operation,
      outcome: g.outcome,
      count: g._count._all,
    }));
  }
}
