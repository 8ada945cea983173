export const ATHENA_FEEDS = ['appointments', 'patients'] as const;
export type AthenaFeed = (typeof ATHENA_FEEDS)[number];

/** The events each feed can be subscribed to (athena's names). */
export const FEED_EVENTS: Record<AthenaFeed, readonly string[]> = {
  appointments: ['ScheduleAppointment', 'CheckIn', 'CheckOut', 'UpdateAppointment', 'CancelAppointment', 'FreezeAppointment', 'UnfreezeAppointment', 'DeleteAppointment', 'AddAppointmentSlot'],
  patients: ['AddPatient', 'DeletePatient', 'UpdatePatient', 'MergePatient', 'UpdatePatientCustomField'],
};

/** Processed messages are kept this long for showprocessed* replays ("eventually deleted"). */
export const PROCESSED_RETENTION_MS = 7 * 86_400_000;

interface Subscription {
  subscribedAtMs: number;
  events: Set<string>;
}

interface Message {
  seq: number;
  departmentid: string;
  /** The record's state when it changed: what the feed hands out. */
  item: Record<string, unknown>;
  processedMs?: number;
}

export interface PollOptions {
  departmentIds: readonly string[];
  leaveUnprocessed: boolean;
  /** Replay: messages processed in [from, to] (ms). */
  processedFromMs?: number;
  processedToMs?: number;
  offset: number;
  limit: number;
}

export interface PollResult {
  items: Record<string, unknown>[];
  total: number;
  /** Offset of the following page, when there is one. */
  nextOffset?: number;
}

const keyOf = (clientId: string, practiceId: string, feed: AthenaFeed): string => `${clientId}\u0000${practiceId}\u0000${feed}`;

/**
 * athena's changed-data subscriptions, per (client, practice, feed): a
 * subscription activates `delayMs()` after it is made; every change is queued
 * for each subscribed client; a poll hands out the queue and marks what it
 * returned processed (unless leaveunprocessed); processed messages can be
 * replayed by the time they were processed.
 */
export class ChangeFeeds {
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly queues = new Map<string, Message[]>();
  private seq = 0;

  constructor(
    private readonly now: () => number,
    private readonly delayMs: () => number,
  ) {}

  subscribe(clientId: string, practiceId: string, feed: AthenaFeed, eventname?: string): void {
    const key = keyOf(clientId, practiceId, feed);
    const existing = this.subscriptions.get(key);
    const events = eventname ? [eventname] : FEED_EVENTS[feed];
    if (existing) for (const e of events) existing.events.add(e);
    else this.subscriptions.set(key, { subscribedAtMs: this.now(), events: new Set(events) });
  }

  /** Drops one event, or the whole subscription (and its queue). */
  unsubscribe(clientId: string, practiceId: string, feed: AthenaFeed, eventname?: string): void {
    const key = keyOf(clientId, practiceId, feed);
    const sub = this.subscriptions.get(key);
    if (sub && eventname) sub.events.delete(eventname);
    if (!sub || !eventname || sub.events.size === 0) {
      this.subscriptions.delete(key);
      this.queues.delete(key);
    }
  }

  status(clientId: string, practiceId: string, feed: AthenaFeed): { status: string; subscriptions: { eventname: string }[] } {
    const sub = this.subscriptions.get(keyOf(clientId, practiceId, feed));
    if (!sub) return { status: 'INACTIVE', subscriptions: [] };
    const events = FEED_EVENTS[feed].filter((e) => sub.events.has(e));
    return { status: events.length === FEED_EVENTS[feed].length ? 'ACTIVE' : 'Partial', subscriptions: events.map((eventname) => ({ eventname })) };
  }

  /** Subscribed, and the activation delay has passed. */
  ready(clientId: string, practiceId: string, feed: AthenaFeed): boolean {
    const sub = this.subscriptions.get(keyOf(clientId, practiceId, feed));
    return sub !== undefined && this.now() >= sub.subscribedAtMs + this.delayMs();
  }

  /** Queues a record's current state for every client subscribed to `event` in the practice; returns how many. */
  enqueue(practiceId: string, feed: AthenaFeed, event: string, departmentid: string, item: Record<string, unknown>): number {
    let count = 0;
    for (const [key, sub] of this.subscriptions) {
      const [, subPractice, subFeed] = key.split('\u0000');
      if (subPractice !== practiceId || subFeed !== feed || !sub.events.has(event)) continue;
      const queue = this.queues.get(key) ?? [];
      queue.push({ seq: ++this.seq, departmentid, item: structuredClone(item) });
      this.queues.set(key, queue);
      count++;
    }
    return count;
  }

  poll(clientId: string, practiceId: string, feed: AthenaFeed, o: PollOptions): PollResult {
    const key = keyOf(clientId, practiceId, feed);
    const now = this.now();
    const queue = (this.queues.get(key) ?? []).filter((m) => m.processedMs === undefined || m.processedMs > now - PROCESSED_RETENTION_MS);
    this.queues.set(key, queue);
    const inDepartments = (m: Message): boolean => o.departmentIds.length === 0 || o.departmentIds.includes(m.departmentid);
    const from = o.processedFromMs;
    if (from !== undefined) {
      const to = o.processedToMs ?? now;
      const replay = queue.filter((m) => inDepartments(m) && m.processedMs !== undefined && m.processedMs >= from && m.processedMs <= to);
      const page = replay.slice(o.offset, o.offset + o.limit);
      return { items: page.map((m) => m.item), total: replay.length, nextOffset: o.offset + o.limit < replay.length ? o.offset + o.limit : undefined };
    }
    const pending = queue.filter((m) => inDepartments(m) && m.processedMs === undefined);
    const page = pending.slice(o.offset, o.offset + o.limit);
    if (!o.leaveUnprocessed) for (const m of page) m.processedMs = now;
    const more = o.offset + o.limit < pending.length;
    // What this page marked processed leaves the unprocessed list: the next page starts at the same offset.
    return { items: page.map((m) => m.item), total: pending.length, nextOffset: more ? (o.leaveUnprocessed ? o.offset + o.limit : o.offset) : undefined };
  }

  dropClient(clientId: string): void {
    for (const key of [...this.subscriptions.keys(), ...this.queues.keys()]) {
      if (key.startsWith(`${clientId}\u0000`)) {
        this.subscriptions.delete(key);
        this.queues.delete(key);
      }
    }
  }
}
