import { api, seg } from '../api/client';
import type { EventFeedPage, FeedEvent, Hl7MessageDetail, WebhookAttempt, WebhookAttemptPage, WebhookDelivery, WebhookEndpoint } from '../api/types';

/**
 * Following a message to its webhook deliveries.
 *
 * The API does not record which message raised an event (events carry the
 * connection and FHIR references, not a message id), and the feed
 * (`GET /v1/events`) pages forward from a cursor with no time or connection
 * filter. So the console finds the events a message most likely raised: events
 * of the same connection, committed around the message's processing time, whose
 * references are all among the resources the message produced. The feed's
 * cursor is its commit position (digits), so the start of that time window is
 * found by bisecting the cursor with one-event probes, then the window is read
 * in pages. Bounded: at most MAX_PROBES probes and MAX_SCANNED events.
 */

export const MAX_PROBES = 80;
export const MAX_SCANNED = 5_000;
const PAGE = 500;
/** Events are written in the processing transaction; allow for clock and commit skew. */
const WINDOW_BEFORE_MS = 60_000;
const WINDOW_AFTER_MS = 5 * 60_000;

export interface MessageEventsResult {
  events: FeedEvent[];
  /** False when a bound stopped the search before the end of the window. */
  complete: boolean;
}

const REFERENCE = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;

/** `Type/id` references in an event's data. */
export function referencesOf(data: unknown): string[] {
  if (typeof data !== 'object' || data === null) return [];
  return Object.values(data as Record<string, unknown>).filter((v): v is string => typeof v === 'string' && REFERENCE.test(v));
}

/** `Type/id` of each resource a message produced. */
export function producedReferences(resources: readonly unknown[] | null): Set<string> {
  const out = new Set<string>();
  for (const r of resources ?? []) {
    const { resourceType, id } = (r ?? {}) as { resourceType?: unknown; id?: unknown };
    if (typeof resourceType === 'string' && typeof id === 'string') out.add(`${resourceType}/${id}`);
  }
  return out;
}

export function isEventOfMessage(event: FeedEvent, connectionId: string, produced: ReadonlySet<string>): boolean {
  if (event.connectionId !== connectionId) return false;
  const refs = referencesOf(event.data);
  return refs.length > 0 && refs.every((r) => produced.has(r));
}

async function probe(after: bigint, signal?: AbortSignal): Promise<{ event: FeedEvent | undefined; next: bigint }> {
  const page = await api.get<EventFeedPage>('/v1/events', { signal, query: { after: after.toString(), limit: 1 } });
  return { event: page.data[0], next: BigInt(page.next) };
}

/** The largest cursor after which the feed holds no event older than `since` (approximately: bounded by MAX_PROBES). */
async function cursorAt(since: number, signal?: AbortSignal): Promise<{ cursor: bigint; exact: boolean }> {
  let probes = 0;
  let lo = 0n;
  let hi = 1024n;
  // Grow the upper bound until the first event after it is at or after `since`, or there is none.
  for (;;) {
    if (++probes > MAX_PROBES) return { cursor: lo, exact: false };
    const { event, next } = await probe(hi, signal);
    if (!event || Date.parse(event.timestamp) >= since) break;
    lo = next;
    hi = next * 4n + 1024n;
  }
  while (hi - lo > 1n) {
    if (++probes > MAX_PROBES) return { cursor: lo, exact: false };
    const mid = (lo + hi) / 2n;
    const { event, next } = await probe(mid, signal);
    if (event && Date.parse(event.timestamp) < since) lo = next > mid ? next : mid;
    else hi = mid;
  }
  return { cursor: lo, exact: true };
}

/** The events this message most likely raised (see the note at the top of this file). */
export async function findMessageEvents(connectionId: string, message: Pick<Hl7MessageDetail, 'receivedAt' | 'processedAt' | 'resources'>, signal?: AbortSignal): Promise<MessageEventsResult> {
  const produced = producedReferences(message.resources);
  if (produced.size === 0) return { events: [], complete: true };
  const at = Date.parse(message.processedAt ?? message.receivedAt);
  const start = at - WINDOW_BEFORE_MS;
  const end = at + WINDOW_AFTER_MS;
  const { cursor, exact } = await cursorAt(start, signal);
  const events: FeedEvent[] = [];
  let after = cursor;
  let scanned = 0;
  for (;;) {
    const page = await api.get<EventFeedPage>('/v1/events', { signal, query: { after: after.toString(), limit: PAGE } });
    for (const e of page.data) {
      if (Date.parse(e.timestamp) > end) return { events, complete: exact };
      if (isEventOfMessage(e, connectionId, produced)) events.push(e);
    }
    scanned += page.data.length;
    if (page.data.length < PAGE) return { events, complete: exact };
    if (scanned >= MAX_SCANNED) return { events, complete: false };
    after = BigInt(page.next);
  }
}

/** One endpoint's handling of one event: its delivery (when among the latest 100) and attempts (among the latest 100). */
export interface EventDelivery {
  endpoint: WebhookEndpoint;
  delivery: WebhookDelivery | null;
  attempts: WebhookAttempt[];
}

const subscribes = (endpoint: WebhookEndpoint, type: string) => endpoint.eventTypes.includes('*') || endpoint.eventTypes.includes(type);

/** Deliveries and attempts of `events` on every endpoint subscribed to their types. */
export async function deliveriesOf(events: readonly FeedEvent[], signal?: AbortSignal): Promise<Map<string, EventDelivery[]>> {
  const out = new Map<string, EventDelivery[]>(events.map((e) => [e.id, []]));
  if (events.length === 0) return out;
  const { data: endpoints } = await api.get<{ data: WebhookEndpoint[] }>('/v1/webhook-endpoints', { signal });
  const relevant = endpoints.filter((ep) => events.some((e) => subscribes(ep, e.type)));
  await Promise.all(
    relevant.map(async (endpoint) => {
      const path = `/v1/webhook-endpoints/${seg(endpoint.id)}`;
      const [deliveries, attempts] = await Promise.all([
        api.get<{ data: WebhookDelivery[] }>(`${path}/deliveries`, { signal, query: { limit: 100 } }),
        api.get<WebhookAttemptPage>(`${path}/attempts`, { signal, query: { limit: 100 } }),
      ]);
      for (const e of events) {
        if (!subscribes(endpoint, e.type)) continue;
        out.get(e.id)?.push({
          endpoint,
          delivery: deliveries.data.find((d) => d.eventId === e.id) ?? null,
          attempts: attempts.data.filter((a) => a.eventId === e.id),
        });
      }
    }),
  );
  return out;
}
