import { ErrorCode, SbError } from '@sb/core';
import type { Connection } from '@sb/db';
import type { AthenaChangesClient, AthenaChangesClients, AthenaFeed, ChangePollOptions } from '../changes-client';

interface QueuedRecord {
  item: Record<string, unknown>;
  processedAt: Date | null;
}

interface FeedQueue {
  /** null: not subscribed; else reads answer 403 until this time. */
  activeFrom: Date | null;
  records: QueuedRecord[];
}

/** A read as the fake saw it: who read, when, and whether it was a replay. */
export interface FakeRead {
  reader: string;
  feed: AthenaFeed;
  startedAt: number;
  endedAt: number;
  replay: boolean;
  returned: number;
}

/**
 * athena's change feeds as a poller sees them, for one practice: a queue per feed;
 * a read returns up to `pageSize` unprocessed records and marks them processed
 * (destructive), with `next` while more remain; `showProcessedFrom/To` returns the
 * records processed in that window again (a replay) without consuming anything;
 * 403 "subscription_pending" until subscribed and activated.
 */
export class FakeAthenaFeeds {
  readonly reads: FakeRead[] = [];
  subscribeCalls = 0;
  statusCalls = 0;
  private readonly queues: Record<AthenaFeed, FeedQueue>;

  constructor(
    private readonly options: { pageSize?: number; readDelayMs?: number; activationDelayMs?: number; subscribed?: boolean } = {},
  ) {
    const initial = (): FeedQueue => ({ activeFrom: options.subscribed === false ? null : new Date(0), records: [] });
    this.queues = { appointments: initial(), patients: initial() };
  }

  /** A change "inside the EHR": the record's current state joins the feed. */
  change(feed: AthenaFeed, item: Record<string, unknown>): void {
    this.queues[feed].records.push({ item: structuredClone(item), processedAt: null });
  }

  unprocessed(feed: AthenaFeed): number {
    return this.queues[feed].records.filter((r) => !r.processedAt).length;
  }

  /** What one connection's clients see (all connections share the fake practice unless given their own fake). */
  clients(reader: string): AthenaChangesClients {
    return { clientFor: (_connection: Connection) => this.client(reader) };
  }

  client(reader: string): AthenaChangesClient {
    return {
      subscriptionStatus: (feed) => {
        this.statusCalls++;
        return Promise.resolve(this.queues[feed].activeFrom ? 'active' : 'inactive');
      },
      subscribe: (feed) => {
        this.subscribeCalls++;
        const queue = this.queues[feed];
        queue.activeFrom ??= new Date(Date.now() + (this.options.activationDelayMs ?? 0));
        return Promise.resolve();
      },
      pollPage: (feed, options, next) => this.read(reader, feed, options, next),
    };
  }

  private async read(reader: string, feed: AthenaFeed, options: ChangePollOptions, next?: string): Promise<{ items: unknown[]; next: string | null }> {
    const startedAt = Date.now();
    const queue = this.queues[feed];
    if (!queue.activeFrom || queue.activeFrom.getTime() > startedAt) {
      throw new SbError(ErrorCode.Conflict, 'The EHR has not set up the change subscription yet', { details: { reason: 'subscription_pending' } });
    }
    if (this.options.readDelayMs) await new Promise((r) => setTimeout(r, this.options.readDelayMs));
    const pageSize = this.options.pageSize ?? 50;
    const replay = !!options.showProcessedFrom;
    let items: QueuedRecord[];
    let more: boolean;
    if (replay) {
      const from = options.showProcessedFrom?.getTime() ?? 0;
      const to = options.showProcessedTo?.getTime() ?? Date.now();
      const inWindow = queue.records.filter((r) => r.processedAt && r.processedAt.getTime() >= from && r.processedAt.getTime() <= to);
      const offset = next ? Number(new URLSearchParams(next.split('?')[1]).get('offset')) : 0;
      items = inWindow.slice(offset, offset + pageSize);
      more = offset + pageSize < inWindow.length;
      next = more ? `/v1/195900/${feed}/changed?offset=${offset + pageSize}` : undefined;
    } else {
      items = queue.records.filter((r) => !r.processedAt).slice(0, pageSize);
      const now = new Date();
      for (const r of items) r.processedAt = now;
      more = queue.records.some((r) => !r.processedAt);
      next = more ? `/v1/195900/${feed}/changed` : undefined;
    }
    this.reads.push({ reader, feed, startedAt, endedAt: Date.now(), replay, returned: items.length });
    return { items: items.map((r) => structuredClone(r.item)), next: next ?? null };
  }
}
