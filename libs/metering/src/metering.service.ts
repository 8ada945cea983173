import { Injectable } from '@nestjs/common';
import { UsageRepository, type Page, type UsageDay, type UsageEvent, type UsageGroupBy, type UsageTotal } from '@sb/db';

/** Reads usage events (written by the transaction pipeline, one per call, idempotently). */
@Injectable()
export class MeteringService {
  constructor(private readonly usage: UsageRepository) {}

  async list(tenantId: string, query: { from?: Date; to?: Date; limit: number; cursor?: string }): Promise<Page<UsageEvent>> {
    // A cursor from another tenant is treated as absent rather than leaking its position.
    const cursor = query.cursor && (await this.usage.exists(tenantId, query.cursor)) ? query.cursor : undefined;
    return this.usage.list(tenantId, { ...query, cursor });
  }

  totals(tenantId: string, range: { from?: Date; to?: Date }): Promise<UsageTotal[]> {
    return this.usage.totals(tenantId, range);
  }

  /** Counts per UTC day and key of `groupBy`, zero-filled over the range (see {@link UsageRepository.daily}). */
  daily(tenantId: string, query: { from: Date; to: Date; groupBy: UsageGroupBy }): Promise<UsageDay[]> {
    return this.usage.daily(tenantId, query);
  }
}
