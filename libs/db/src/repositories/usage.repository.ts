import { Injectable } from '@nestjs/common';
import type { Page, UsageEvent } from '../models';
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
