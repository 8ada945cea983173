import { Injectable } from '@nestjs/common';
import { UsageRepository, type DbTransaction, type Page, type UsageEvent, type UsageEventInput, type UsageTotal } from '@sb/db';

/** Usage events: one per billable transaction, written durably and idempotently. */
@Injectable()
export class MeteringService {
  constructor(private readonly usage: UsageRepository) {}

  /** Records inside the caller's transaction; a repeated transaction id is ignored. */
  record(tx: DbTransaction, event: UsageEventInput): Promise<boolean> {
    return this.usage.record(tx, event);
  }

  async list(tenantId: string, query: { from?: Date; to?: Date; limit: number; cursor?: string }): Promise<Page<UsageEvent>> {
    // A cursor from another tenant is treated as absent rather than leaking its position.
    const cursor = query.cursor && (await this.usage.exists(tenantId, query.cursor)) ? query.cursor : undefined;
    return this.usage.list(tenantId, { ...query, cursor });
  }

  totals(tenantId: string, range: { from?: Date; to?: Date }): Promise<UsageTotal[]> {
    return this.usage.totals(tenantId, range);
  }
}
