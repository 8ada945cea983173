import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { ErrorCode, isSbError } from '@sb/core';
import { AthenaChangeRepository, ConnectionRepository, type AthenaCycleEnd, type AthenaFeedLease, type Connection } from '@sb/db';
import { ProcessingLoop, ProcessingLoopService } from '@sb/queue';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ATHENA_CHANGES_CLIENTS, type AthenaChangesClient, type AthenaChangesClients, type ChangePollOptions } from './changes-client';
import type { DeriveContext } from './derive-events';
import { AthenaPageProcessor, LeaseLost } from './page-processor';
import { ATHENA_POLLER_OPTIONS, backoffMs, DEFAULT_POLLER_OPTIONS, pollSettingsOf, replayWindow, type AthenaPollerOptions, type FeedPollSettings } from './poll-settings';

/** How often processed pages past their retention are deleted. */
const PRUNE_EVERY_MS = 3_600_000;

/** athena's 403 "Changed messages require setup (subscription) that has not been done", as the client types it. */
export const isSubscriptionPending = (error: unknown): boolean =>
  isSbError(error) && error.code === ErrorCode.Conflict && (error.details as { reason?: unknown } | undefined)?.reason === 'subscription_pending';

/**
 * Follows the athena change feeds (appointments, patients) of every live athena
 * connection and turns them into events.
 *
 * Reading a feed is destructive (athena marks what it returns processed), so:
 * - exactly one process polls a feed at a time: a lease per (connection, feed) in
 *   Postgres, renewed before every read, bumped to a new epoch when another process
 *   takes it over, and fencing every page's processing;
 * - every page is committed to the page store before anything is derived from it,
 *   and stored pages not yet processed are processed first;
 * - on the first cycle of a feed in this process (a restart) and after taking a feed
 *   over from another owner (a crash), a replay window (`showprocessed…`) reads again
 *   what may have been consumed without being stored; records already known are
 *   recognized by their fingerprint and produce no second event.
 */
@Injectable()
export class AthenaChangePoller extends ProcessingLoopService {
  /** This process's identity as a lease holder. */
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly logger = new Logger(AthenaChangePoller.name);
  private readonly options: AthenaPollerOptions;
  protected readonly loop: ProcessingLoop;
  /** Feeds this process has replayed since it started. */
  private readonly replayed = new Set<string>();
  /** When each feed this process polled is due again (`connectionId:feed` → `performance.now()` ms): the loop sleeps until the earliest. */
  private readonly dueAt = new Map<string, number>();
  /** When the last claim was made (`performance.now()` ms). */
  private lastClaimAt = 0;
  private lastPruneMs = 0;

  constructor(
    private readonly repository: AthenaChangeRepository,
    private readonly connections: ConnectionRepository,
    private readonly processor: AthenaPageProcessor,
    @Inject(ATHENA_CHANGES_CLIENTS) private readonly clients: AthenaChangesClients,
    @Optional() @Inject(ATHENA_POLLER_OPTIONS) options?: Partial<AthenaPollerOptions>,
  ) {
    super();
    this.options = { ...DEFAULT_POLLER_OPTIONS, ...options };
    this.loop = new ProcessingLoop('athena-changes', () => this.pollDue(), { idleMs: () => this.idleMs(), errorMs: this.options.tickMs * 5 });
  }

  /** Stops after the cycles in flight and gives the leases back, so another process can poll at once. */
  override async stop(): Promise<void> {
    await super.stop();
    // If this fails (the database is gone), the leases simply expire.
    await this.repository.releaseAll(this.owner).catch((e: unknown) => this.logger.warn({ event: 'athena_feed_leases_not_released', err: e }));
  }

  /** One step: runs a cycle for each due feed this process can lease; returns how many ran. */
  async pollDue(): Promise<number> {
    await this.repository.ensureFeeds();
    this.lastClaimAt = performance.now();
    const leases = await this.repository.claimDue(this.owner, this.options.leaseMs, this.options.concurrency, this.options.connectionIds);
    await Promise.all(leases.map((lease) => this.cycle(lease)));
    if (Date.now() - this.lastPruneMs > PRUNE_EVERY_MS) {
      this.lastPruneMs = Date.now();
      await this.repository.pruneProcessedPages(new Date(Date.now() - this.options.pageRetentionMs));
    }
    return leases.length;
  }

  /**
   * Until the next feed this process polled is due, within [tickMs, maxIdleMs]. A feed the last
   * claim did not return though it was due a tick before is no longer this process's (taken
   * over, or its connection no longer live) and stops counting. Monotonic time: a wall-clock
   * step neither drops a feed nor delays it.
   */
  private idleMs(): number {
    const now = performance.now();
    let next = now + this.options.maxIdleMs;
    for (const [key, at] of this.dueAt) {
      if (at < this.lastClaimAt - this.options.tickMs) this.dueAt.delete(key);
      else next = Math.min(next, at);
    }
    return Math.min(Math.max(next - now, this.options.tickMs), this.options.maxIdleMs);
  }

  private async cycle(lease: AthenaFeedLease): Promise<void> {
    const key = `${lease.connectionId}:${lease.feed}`;
    this.dueAt.delete(key);
    const connection = await this.connections.findById(lease.tenantId, lease.connectionId);
    if (!connection || connection.vendor !== 'athena') return;
    const settings = pollSettingsOf(connection);
    const log = { connectionId: connection.id, feed: lease.feed };
    const end = async (e: Omit<AthenaCycleEnd, 'stickyMs'>) => {
      if (await this.repository.endCycle(lease, { ...e, stickyMs: this.options.stickyMs })) this.dueAt.set(key, performance.now() + e.nextPollInMs);
    };
    let subscription = lease.subscription;
    try {
      const ctx: DeriveContext = { feedStartedAt: lease.startedAt, clockSkewMs: this.options.clockSkewMs };
      await this.processStored(lease, connection, ctx);
      const client = this.clients.clientFor(connection);
      if (subscription !== 'active') {
        const ready = await this.ensureSubscription(lease, client);
        if (!ready.active) {
          const failures = lease.failures + 1;
          await end({ nextPollInMs: backoffMs(settings.pollMs, failures, this.options.maxBackoffMs), failures, lastErrorCode: null, subscription: 'pending', subscribedAt: ready.subscribedAt });
          return;
        }
        subscription = 'active';
      }
      const takenOver = lease.previousOwner !== null && lease.previousOwner !== this.owner;
      const replay = !this.replayed.has(key) || takenOver;
      if (replay) {
        await this.replay(lease, connection, client, settings, ctx);
        this.replayed.add(key);
      }
      const more = await this.readNew(lease, connection, client, settings, ctx);
      await end({ nextPollInMs: more ? 0 : settings.pollMs, failures: 0, lastErrorCode: null, subscription: 'active', polled: true, replayed: replay });
    } catch (error) {
      if (error instanceof LeaseLost) return this.logger.warn({ event: 'athena_feed_lease_lost', ...log }); // left to its new holder
      const failures = lease.failures + 1;
      const nextPollInMs = backoffMs(settings.pollMs, failures, this.options.maxBackoffMs);
      if (isSubscriptionPending(error)) {
        this.logger.log({ event: 'athena_feed_subscription_pending', ...log, failures });
        await end({ nextPollInMs, failures, lastErrorCode: null, subscription: 'pending' }).catch(() => undefined);
        return;
      }
      const code = isSbError(error) ? error.code : 'internal';
      this.logger.warn({ event: 'athena_feed_cycle_failed', ...log, code, failures, err: isSbError(error) ? undefined : error });
      await end({ nextPollInMs, failures, lastErrorCode: code, subscription }).catch(() => undefined);
    }
  }

  /** Pages stored but not processed (a crash between the two, a failed processing) go first, oldest first. */
  private async processStored(lease: AthenaFeedLease, connection: Connection, ctx: DeriveContext): Promise<void> {
    for (;;) {
      const pages = await this.repository.pendingPages(lease.connectionId, lease.feed, 20);
      for (const page of pages) await this.processor.process(lease, connection, page, ctx);
      if (pages.length < 20) return;
    }
  }

  /**
   * athena's subscription: active → go on; inactive/partial → subscribe (once, then again
   * only after `resubscribeAfterMs`) and wait — reads answer 403 until athena has set it up.
   */
  private async ensureSubscription(lease: AthenaFeedLease, client: AthenaChangesClient): Promise<{ active: true } | { active: false; subscribedAt?: Date }> {
    const status = await client.subscriptionStatus(lease.feed);
    if (status === 'active') return { active: true };
    const recentlySubscribed = lease.subscription === 'pending' && lease.subscribedAt !== null && Date.now() - lease.subscribedAt.getTime() < this.options.resubscribeAfterMs;
    if (recentlySubscribed) return { active: false };
    await client.subscribe(lease.feed);
    this.logger.log({ event: 'athena_feed_subscribed', connectionId: lease.connectionId, feed: lease.feed });
    return { active: false, subscribedAt: new Date() };
  }

  private async replay(lease: AthenaFeedLease, connection: Connection, client: AthenaChangesClient, settings: FeedPollSettings, ctx: DeriveContext): Promise<void> {
    const window = replayWindow(lease, settings, new Date(), this.options.clockSkewMs);
    const options: ChangePollOptions = { showProcessedFrom: window.from, showProcessedTo: window.to, ...this.departments(settings) };
    let next: string | undefined;
    let items = 0;
    for (let reads = 0; reads < this.options.maxReadsPerCycle; reads++) {
      const page = await this.read(lease, connection, client, options, next, true, ctx);
      items += page.items.length;
      if (!page.next) break;
      next = page.next;
    }
    this.logger.log({ event: 'athena_feed_replayed', connectionId: lease.connectionId, feed: lease.feed, from: window.from.toISOString(), to: window.to.toISOString(), items });
  }

  /**
   * Reads new changes until athena has none: follows `next`, and after a last page that
   * still had items reads again (a destructive read may shift what an offset points at).
   * True when it stopped at `maxReadsPerCycle` with more to read.
   */
  private async readNew(lease: AthenaFeedLease, connection: Connection, client: AthenaChangesClient, settings: FeedPollSettings, ctx: DeriveContext): Promise<boolean> {
    const options: ChangePollOptions = this.departments(settings);
    let next: string | undefined;
    for (let reads = 0; reads < this.options.maxReadsPerCycle; reads++) {
      const page = await this.read(lease, connection, client, options, next, false, ctx);
      if (page.items.length === 0 && !page.next) return false;
      next = page.next ?? undefined;
    }
    return true;
  }

  /** One read: renew the lease, read, commit the page, then process it. */
  private async read(
    lease: AthenaFeedLease,
    connection: Connection,
    client: AthenaChangesClient,
    options: ChangePollOptions,
    next: string | undefined,
    replay: boolean,
    ctx: DeriveContext,
  ): Promise<{ items: unknown[]; next: string | null }> {
    if (!(await this.repository.renew(lease, this.options.leaseMs))) throw new LeaseLost();
    const readStartedAt = new Date();
    const page = await client.pollPage(lease.feed, options, next);
    if (page.items.length === 0) {
      if (!replay) await this.repository.recordEmptyRead(lease.connectionId, lease.feed, readStartedAt);
      return page;
    }
    const stored = await this.repository.storePage({ tenantId: lease.tenantId, connectionId: lease.connectionId, feed: lease.feed, replay, items: page.items, readStartedAt });
    await this.processor.process(lease, connection, stored, ctx);
    return page;
  }

  private departments(settings: FeedPollSettings): Pick<ChangePollOptions, 'departmentIds'> {
    return settings.departmentIds.length > 0 ? { departmentIds: settings.departmentIds } : {};
  }
}
