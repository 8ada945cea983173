import type { AdapterContext } from '@sb/adapters/contracts';
import { malformedAthenaBody } from './athena-json';
import { AthenaHttp } from './athena-http';
import { ATHENA_SERVER_ZONE, formatAthenaDate, formatInZone } from '../wire/athena-time';

export type AthenaFeed = 'appointments' | 'patients';

export interface ChangePollOptions {
  /** For tests: do not mark what is read as processed. */
  leaveUnprocessed?: boolean;
  /** Replay already-processed changes from this time (sent in US Eastern, as athena requires). */
  showProcessedFrom?: Date;
  showProcessedTo?: Date;
  departmentIds?: readonly string[];
}

export interface AthenaChangesClient {
  subscriptionStatus(feed: AthenaFeed): Promise<'active' | 'inactive' | 'partial'>;
  subscribe(feed: AthenaFeed): Promise<void>;
  /** One page; `next` to continue. 403 "Changed messages require setup" → SbError(Conflict, details.reason "subscription_pending"). */
  pollPage(feed: AthenaFeed, options: ChangePollOptions, next?: string): Promise<{ items: unknown[]; next: string | null }>;
}

/** `MM/DD/YYYY HH:mm:ss` in America/New_York — athena's `showprocessed*datetime` format (never UTC). */
export function formatEastern(date: Date): string {
  const local = formatInZone(date.getTime(), ATHENA_SERVER_ZONE);
  return `${formatAthenaDate(date.getTime(), ATHENA_SERVER_ZONE)} ${local.slice(11, 19)}`;
}

const STATUSES = { active: 'active', inactive: 'inactive', partial: 'partial' } as const;

/**
 * athena's changed-data subscriptions for one connection (/work/shared/notes/athena.md §9).
 * A poll is a destructive read — athena marks what it returns as processed — so it
 * is sent once, never retried by the HTTP client; the caller stores each page
 * before processing it and replays a window after a crash.
 */
export class AthenaChanges implements AthenaChangesClient {
  constructor(private readonly http: AthenaHttp) {}

  async subscriptionStatus(feed: AthenaFeed): Promise<'active' | 'inactive' | 'partial'> {
    const body = await this.http.get(`/${feed}/changed/subscription`);
    const status = body && typeof body === 'object' ? (body as Record<string, unknown>).status : undefined;
    const known = typeof status === 'string' ? STATUSES[status.trim().toLowerCase() as keyof typeof STATUSES] : undefined;
    if (!known) throw malformedAthenaBody();
    return known;
  }

  /** POST /{feed}/changed/subscription without an event name: every event of the feed. */
  async subscribe(feed: AthenaFeed): Promise<void> {
    await this.http.write('POST', `/${feed}/changed/subscription`);
  }

  async pollPage(feed: AthenaFeed, options: ChangePollOptions, next?: string): Promise<{ items: unknown[]; next: string | null }> {
    const page = next
      ? await this.http.nextPage(next, { consuming: true })
      : await this.http.page(
          `/${feed}/changed`,
          {
            leaveunprocessed: options.leaveUnprocessed ? 'true' : undefined,
            showprocessedstartdatetime: options.showProcessedFrom ? formatEastern(options.showProcessedFrom) : undefined,
            showprocessedenddatetime: options.showProcessedTo ? formatEastern(options.showProcessedTo) : undefined,
            departmentid: options.departmentIds?.length ? options.departmentIds.join(',') : undefined,
          },
          { consuming: true },
        );
    const body = page.body && typeof page.body === 'object' && !Array.isArray(page.body) ? (page.body as Record<string, unknown>) : null;
    if (!body) throw malformedAthenaBody();
    const items = body[feed] ?? [];
    if (!Array.isArray(items)) throw malformedAthenaBody();
    return { items, next: page.next };
  }
}

/** The change-feed client of one athena connection (the poller builds it from `AdapterRuntime.contextFor`). */
export function athenaChangesClient(ctx: AdapterContext): AthenaChangesClient {
  return new AthenaChanges(AthenaHttp.for(ctx));
}
