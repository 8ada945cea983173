import type { Connection } from '@sb/db';

/** How often a connection's feeds are polled when it sets nothing (`athenaPollSeconds`). */
export const DEFAULT_POLL_SECONDS = 30;
/** How far back the replay after a (re)start reaches at least, when the connection sets nothing (`athenaReplayMinutes`). */
export const DEFAULT_REPLAY_MINUTES = 60;
/** Bounds on the per-connection settings (a bad value never makes the poller spin or replay for days). */
const POLL_SECONDS_RANGE = [1, 3_600] as const;
const REPLAY_MINUTES_RANGE = [1, 24 * 60] as const;

export interface FeedPollSettings {
  pollMs: number;
  replayMs: number;
  /** Departments to poll (athena filters by the departments subscribed); empty: all. */
  departmentIds: readonly string[];
}

const clamp = (value: number | null, [min, max]: readonly [number, number], fallback: number) =>
  value === null || !Number.isFinite(value) ? fallback : Math.min(max, Math.max(min, Math.trunc(value)));

export function pollSettingsOf(connection: Pick<Connection, 'athenaPollSeconds' | 'athenaReplayMinutes' | 'athenaDepartmentIds'>): FeedPollSettings {
  return {
    pollMs: clamp(connection.athenaPollSeconds, POLL_SECONDS_RANGE, DEFAULT_POLL_SECONDS) * 1_000,
    replayMs: clamp(connection.athenaReplayMinutes, REPLAY_MINUTES_RANGE, DEFAULT_REPLAY_MINUTES) * 60_000,
    departmentIds: connection.athenaDepartmentIds,
  };
}

/** The poller's own timing; tests shorten it. */
export interface AthenaPollerOptions {
  /** The shortest wait between the loop's looks for due feeds. */
  tickMs: number;
  /**
   * The longest: with none of its own feeds due sooner, the loop looks this often (a new
   * connection's feeds, a feed another process gave back or stopped renewing). Between the two
   * it wakes when the next feed it polled is due, so an idle worker does not query every tick.
   */
  maxIdleMs: number;
  /** A feed's lease: renewed before every read, so it only has to outlast one read and its page's processing. */
  leaseMs: number;
  /** After a cycle the lease stays with its holder until this long past the next due time; later, another process takes over (and replays). */
  stickyMs: number;
  /** Feeds one step takes on at once. */
  concurrency: number;
  /** Reads one cycle makes at most (then the next cycle follows at once). */
  maxReadsPerCycle: number;
  /** Tolerance between athena's clock and ours, added to both ends of a replay window. */
  clockSkewMs: number;
  /** Backoff ceiling while a subscription is pending or a feed keeps failing. */
  maxBackoffMs: number;
  /** A pending subscription that is still inactive this long after subscribing is subscribed again. */
  resubscribeAfterMs: number;
  /** Processed pages (already without their items) are deleted after this long. */
  pageRetentionMs: number;
  /** Only these connections (a poller serving a subset of them; tests); all live athena connections when unset. */
  connectionIds?: readonly string[];
}

export const DEFAULT_POLLER_OPTIONS: AthenaPollerOptions = {
  tickMs: 1_000,
  maxIdleMs: 10_000,
  leaseMs: 30_000,
  stickyMs: 30_000,
  concurrency: 8,
  maxReadsPerCycle: 50,
  clockSkewMs: 2 * 60_000,
  maxBackoffMs: 5 * 60_000,
  resubscribeAfterMs: 30 * 60_000,
  pageRetentionMs: 7 * 24 * 3_600_000,
};

export const ATHENA_POLLER_OPTIONS = Symbol('AthenaPollerOptions');

/** The replay window after a (re)start or a takeover: see {@link replayWindow}. */
export interface ReplayWindow {
  from: Date;
  to: Date;
}

/**
 * From the earlier of "the start of the last read whose page is stored" (everything
 * consumed before it is safe) and "now − the connection's replay minutes", but never
 * before the feed was first polled; both ends widened by the clock-skew tolerance.
 * Replayed records already known are recognized, so a wide window costs reads, not events.
 */
export function replayWindow(feed: { startedAt: Date; lastPageAt: Date | null }, settings: Pick<FeedPollSettings, 'replayMs'>, now: Date, clockSkewMs: number): ReplayWindow {
  const safe = (feed.lastPageAt ?? feed.startedAt).getTime();
  const from = Math.max(feed.startedAt.getTime(), Math.min(safe, now.getTime() - settings.replayMs)) - clockSkewMs;
  return { from: new Date(from), to: new Date(now.getTime() + clockSkewMs) };
}

/** The wait before the next cycle after `failures` consecutive pending or failed ones: doubling from the poll interval, capped. */
export function backoffMs(pollMs: number, failures: number, maxBackoffMs: number): number {
  return Math.min(Math.max(maxBackoffMs, pollMs), pollMs * 2 ** Math.min(Math.max(failures, 1), 16));
}
