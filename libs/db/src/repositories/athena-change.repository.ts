import { Injectable } from '@nestjs/common';
import { unwrapTx, type DbTransaction, type PrismaTx } from '../database';
import type { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';

/** athena change feeds the gateway follows. */
export type AthenaFeedName = 'appointments' | 'patients';
export const ATHENA_FEEDS: readonly AthenaFeedName[] = ['appointments', 'patients'];
export type AthenaSubscriptionState = 'unknown' | 'pending' | 'active';

/** Proof of holding a feed's lease: writes that must not outlive the lease are fenced by it. */
export interface AthenaFeedFence {
  connectionId: string;
  feed: AthenaFeedName;
  owner: string;
  epoch: number;
}

/** A feed whose lease was just taken, with the state its cycle needs. */
export interface AthenaFeedLease extends AthenaFeedFence {
  tenantId: string;
  /** Who held the lease before (null: nobody, or released cleanly); another owner means it crashed or stalled. */
  previousOwner: string | null;
  subscription: AthenaSubscriptionState;
  subscribedAt: Date | null;
  failures: number;
  startedAt: Date;
  lastPageAt: Date | null;
  lastReplayAt: Date | null;
}

/** The poll state of a feed, as the console or a test reads it. */
export interface AthenaFeedStatus {
  connectionId: string;
  feed: AthenaFeedName;
  subscription: AthenaSubscriptionState;
  subscribedAt: Date | null;
  failures: number;
  lastErrorCode: string | null;
  startedAt: Date | null;
  lastPolledAt: Date | null;
  lastReplayAt: Date | null;
  lastPageAt: Date | null;
  nextPollAt: Date;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  leaseEpoch: number;
}

/** A stored page not yet processed. */
export interface AthenaPendingPage {
  id: string;
  seq: bigint;
  replay: boolean;
  itemCount: number;
}

/** The last known state of one record on a feed (no demographics: keyed hashes and ids). */
export interface AthenaRecordState {
  recordId: string;
  fingerprint: string;
  status: string | null;
  patientId: string | null;
  scheduleHash: string | null;
  modifiedAt: Date | null;
  previous: string[];
  /** When the gateway last changed it (the database clock of that transaction). */
  updatedAt: Date;
}

export type NewAthenaRecordState = Omit<AthenaRecordState, 'updatedAt'>;

/** A record state as one record of the JSON document `saveStates` sends (one parameter, as the other batch writes do). */
const stateRecord = (s: NewAthenaRecordState) => ({
  record: s.recordId,
  fingerprint: s.fingerprint,
  status: s.status,
  patient: s.patientId,
  schedule: s.scheduleHash,
  modified: s.modifiedAt?.toISOString() ?? null,
  previous: s.previous,
});

/** What a cycle writes back when it ends; the lease stays with its owner until `stickyMs` after the next poll is due. */
export interface AthenaCycleEnd {
  nextPollInMs: number;
  stickyMs: number;
  failures: number;
  lastErrorCode: string | null;
  subscription?: AthenaSubscriptionState;
  subscribedAt?: Date;
  polled?: boolean;
  replayed?: boolean;
}

interface LeaseRow {
  tenantId: string;
  connectionId: string;
  feed: AthenaFeedName;
  leaseEpoch: number;
  previousOwner: string | null;
  subscription: AthenaSubscriptionState;
  subscribedAt: Date | null;
  failures: number;
  startedAt: Date;
  lastPageAt: Date | null;
  lastReplayAt: Date | null;
}

/**
 * athena change-feed polling: per-feed leases and poll state, the durable page store
 * (a page is committed before it is processed, because reading it consumed it at
 * athena), and the last known state of each record the events are derived from.
 */
@Injectable()
export class AthenaChangeRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Gives every live athena connection its feed rows (idempotent; cheap when they exist). */
  async ensureFeeds(): Promise<void> {
    await this.prisma.$executeRaw`
      INSERT INTO "AthenaFeedState" ("tenantId", "connectionId", "feed")
      SELECT c."tenantId", c."id", f.feed
      FROM "Connection" c CROSS JOIN unnest(ARRAY['appointments', 'patients']::"AthenaFeed"[]) AS f(feed)
      WHERE c."vendor" = 'athena' AND c."status" = 'live'
        AND NOT EXISTS (SELECT 1 FROM "AthenaFeedState" s WHERE s."connectionId" = c."id" AND s."feed" = f.feed)
      ON CONFLICT DO NOTHING`;
  }

  /**
   * Takes the lease of up to `limit` feeds of live athena connections whose poll is due
   * and that nobody else holds (free, ours, or expired). Taking a feed from another
   * owner bumps the epoch, so the previous holder's processing can no longer commit.
   * `connectionIds` restricts the claim to those connections (a poller serving a subset).
   */
  async claimDue(owner: string, leaseMs: number, limit: number, connectionIds?: readonly string[]): Promise<AthenaFeedLease[]> {
    const only = connectionIds ? [...connectionIds] : null;
    const rows = await this.prisma.$queryRaw<LeaseRow[]>`
      WITH due AS (
        SELECT s."connectionId", s."feed", s."leaseOwner" AS "previousOwner"
        FROM "AthenaFeedState" s JOIN "Connection" c ON c."id" = s."connectionId"
        WHERE c."vendor" = 'athena' AND c."status" = 'live' AND s."nextPollAt" <= now()
          AND (${only}::uuid[] IS NULL OR s."connectionId" = ANY(${only}::uuid[]))
          AND (s."leaseOwner" IS NULL OR s."leaseOwner" = ${owner} OR s."leaseUntil" < now())
        ORDER BY s."nextPollAt"
        LIMIT ${limit}
        FOR UPDATE OF s SKIP LOCKED
      )
      UPDATE "AthenaFeedState" s
      SET "leaseEpoch" = CASE WHEN s."leaseOwner" = ${owner} THEN s."leaseEpoch" ELSE s."leaseEpoch" + 1 END,
          "leaseOwner" = ${owner}, "leaseUntil" = now() + ${leaseMs} * interval '1 millisecond',
          "startedAt" = COALESCE(s."startedAt", now()), "updatedAt" = now()
      FROM due
      WHERE s."connectionId" = due."connectionId" AND s."feed" = due."feed"
      RETURNING s."tenantId", s."connectionId", s."feed", s."leaseEpoch", due."previousOwner", s."subscription", s."subscribedAt", s."failures",
                s."startedAt", s."lastPageAt", s."lastReplayAt"`;
    return rows.map((r) => ({
      tenantId: r.tenantId,
      connectionId: r.connectionId,
      feed: r.feed,
      owner,
      epoch: r.leaseEpoch,
      previousOwner: r.previousOwner,
      subscription: r.subscription,
      subscribedAt: r.subscribedAt,
      failures: r.failures,
      startedAt: r.startedAt,
      lastPageAt: r.lastPageAt,
      lastReplayAt: r.lastReplayAt,
    }));
  }

  /** Extends a held lease before another read; false when it was lost (expired and taken). */
  async renew(fence: AthenaFeedFence, leaseMs: number): Promise<boolean> {
    const updated = await this.prisma.$executeRaw`
      UPDATE "AthenaFeedState" SET "leaseUntil" = now() + ${leaseMs} * interval '1 millisecond'
      WHERE "connectionId" = ${fence.connectionId}::uuid AND "feed" = ${fence.feed}::"AthenaFeed" AND "leaseOwner" = ${fence.owner} AND "leaseEpoch" = ${fence.epoch}
        AND "leaseUntil" > now()`;
    return updated === 1;
  }

  /**
   * Commits a page read from a feed, before anything is derived from it. Not fenced on
   * purpose: reading consumed these records at athena, so they are kept even if the
   * lease was lost meanwhile (processing is fenced, and recognizes duplicates).
   * `readStartedAt` (when the read began) moves the feed's replay point forward.
   */
  async storePage(page: { tenantId: string; connectionId: string; feed: AthenaFeedName; replay: boolean; items: readonly unknown[]; readStartedAt: Date }): Promise<AthenaPendingPage> {
    return this.prisma.$transaction(async (tx) => {
      const row = await tx.athenaChangePage.create({
        data: { tenantId: page.tenantId, connectionId: page.connectionId, feed: page.feed, replay: page.replay, itemCount: page.items.length, items: page.items as Prisma.InputJsonValue },
        select: { id: true, seq: true, replay: true, itemCount: true },
      });
      if (!page.replay) await this.movePagePoint(tx, page.connectionId, page.feed, page.readStartedAt);
      return row;
    });
  }

  /** A read that returned nothing: everything consumed before it started is stored. */
  async recordEmptyRead(connectionId: string, feed: AthenaFeedName, readStartedAt: Date): Promise<void> {
    await this.movePagePoint(this.prisma, connectionId, feed, readStartedAt);
  }

  private async movePagePoint(client: PrismaTx, connectionId: string, feed: AthenaFeedName, at: Date): Promise<void> {
    await client.$executeRaw`
      UPDATE "AthenaFeedState" SET "lastPageAt" = GREATEST(COALESCE("lastPageAt", ${at}), ${at}), "updatedAt" = now()
      WHERE "connectionId" = ${connectionId}::uuid AND "feed" = ${feed}::"AthenaFeed"`;
  }

  /** Stored pages of a feed not yet processed, oldest first. */
  async pendingPages(connectionId: string, feed: AthenaFeedName, limit: number): Promise<AthenaPendingPage[]> {
    return this.prisma.athenaChangePage.findMany({
      where: { connectionId, feed, processedAt: null },
      select: { id: true, seq: true, replay: true, itemCount: true },
      orderBy: { seq: 'asc' },
      take: limit,
    });
  }

  /**
   * In the processing transaction: locks the feed row if `fence` still holds its lease
   * (serializing all processing of the feed), else false — the caller must roll back.
   */
  async lockFeed(tx: DbTransaction, fence: AthenaFeedFence): Promise<boolean> {
    const rows = await unwrapTx(tx).$queryRaw<{ one: number }[]>`
      SELECT 1 AS one FROM "AthenaFeedState"
      WHERE "connectionId" = ${fence.connectionId}::uuid AND "feed" = ${fence.feed}::"AthenaFeed" AND "leaseOwner" = ${fence.owner} AND "leaseEpoch" = ${fence.epoch}
        AND "leaseUntil" > now()
      FOR UPDATE`;
    return rows.length === 1;
  }

  /** A stored page's items (empty once processed). */
  async pageItems(pageId: string): Promise<unknown[]> {
    const row = await this.prisma.athenaChangePage.findUnique({ where: { id: pageId }, select: { items: true } });
    return Array.isArray(row?.items) ? row.items : [];
  }

  /** In the processing transaction: locks a page still to process; false when it is already processed. */
  async lockUnprocessedPage(tx: DbTransaction, pageId: string): Promise<boolean> {
    const rows = await unwrapTx(tx).$queryRaw<{ one: number }[]>`
      SELECT 1 AS one FROM "AthenaChangePage" WHERE "id" = ${pageId}::uuid AND "processedAt" IS NULL FOR UPDATE`;
    return rows.length === 1;
  }

  /** Marks a page processed and drops its items (the records' PHI is not kept once derived from). */
  async completePage(tx: DbTransaction, pageId: string, eventCount: number): Promise<void> {
    await unwrapTx(tx).$executeRaw`
      UPDATE "AthenaChangePage" SET "processedAt" = now(), "items" = '[]'::jsonb, "eventCount" = ${eventCount} WHERE "id" = ${pageId}::uuid`;
  }

  async findStates(tx: DbTransaction, connectionId: string, feed: AthenaFeedName, recordIds: readonly string[]): Promise<AthenaRecordState[]> {
    if (recordIds.length === 0) return [];
    return unwrapTx(tx).athenaRecordState.findMany({
      where: { connectionId, feed, recordId: { in: [...recordIds] } },
      select: { recordId: true, fingerprint: true, status: true, patientId: true, scheduleHash: true, modifiedAt: true, previous: true, updatedAt: true },
    });
  }

  /** Upserts record states; `updatedAt` is the transaction's time, like the events written with them. */
  async saveStates(tx: DbTransaction, tenantId: string, connectionId: string, feed: AthenaFeedName, states: readonly NewAthenaRecordState[]): Promise<void> {
    if (states.length === 0) return;
    await unwrapTx(tx).$executeRaw`
      INSERT INTO "AthenaRecordState" ("tenantId", "connectionId", "feed", "recordId", "fingerprint", "status", "patientId", "scheduleHash", "modifiedAt", "previous", "updatedAt")
      SELECT ${tenantId}::uuid, ${connectionId}::uuid, ${feed}::"AthenaFeed", s.record, s.fingerprint, s.status, s.patient, s.schedule, s.modified,
             COALESCE((SELECT array_agg(p) FROM jsonb_array_elements_text(s.previous) p), ARRAY[]::text[]), now()
      FROM jsonb_to_recordset(${JSON.stringify(states.map(stateRecord))}::jsonb)
           AS s(record text, fingerprint text, status text, patient text, schedule text, modified timestamptz, previous jsonb)
      ON CONFLICT ("connectionId", "feed", "recordId") DO UPDATE SET
        "fingerprint" = EXCLUDED."fingerprint", "status" = EXCLUDED."status", "patientId" = EXCLUDED."patientId", "scheduleHash" = EXCLUDED."scheduleHash",
        "modifiedAt" = EXCLUDED."modifiedAt", "previous" = EXCLUDED."previous", "updatedAt" = EXCLUDED."updatedAt"`;
  }

  /**
   * In the processing transaction: the appointments (of these patients, on this
   * connection) that already have an event of one of `types` written after `since` —
   * e.g. the facade's own appointment.booked for a booking made through the gateway,
   * which the feed then reports too.
   */
  async appointmentEventsSince(tx: DbTransaction, connectionId: string, patientRefs: readonly string[], types: readonly string[], since: Date): Promise<{ type: string; appointment: string; occurredAt: Date }[]> {
    if (patientRefs.length === 0) return [];
    return unwrapTx(tx).$queryRaw<{ type: string; appointment: string; occurredAt: Date }[]>`
      SELECT "type", "data"->>'appointment' AS "appointment", "occurredAt" FROM "Event"
      WHERE "connectionId" = ${connectionId}::uuid AND "patientRef" = ANY(${[...patientRefs]}::text[]) AND "occurredAt" > ${since}
        AND "type" = ANY(${[...types]}::text[]) AND "data"->>'appointment' IS NOT NULL`;
  }

  /** Ends a cycle: the next poll time, the subscription and failure bookkeeping. Fenced: a lost lease changes nothing. */
  async endCycle(fence: AthenaFeedFence, end: AthenaCycleEnd): Promise<boolean> {
    const updated = await this.prisma.$executeRaw`
      UPDATE "AthenaFeedState" SET
        "nextPollAt" = now() + ${end.nextPollInMs} * interval '1 millisecond',
        "leaseUntil" = now() + ${end.nextPollInMs + end.stickyMs} * interval '1 millisecond',
        "failures" = ${end.failures}, "lastErrorCode" = ${end.lastErrorCode},
        "subscription" = COALESCE(${end.subscription ?? null}::"AthenaSubscriptionState", "subscription"),
        "subscribedAt" = COALESCE(${end.subscribedAt ?? null}::timestamptz, "subscribedAt"),
        "lastPolledAt" = CASE WHEN ${end.polled ?? false} THEN now() ELSE "lastPolledAt" END,
        "lastReplayAt" = CASE WHEN ${end.replayed ?? false} THEN now() ELSE "lastReplayAt" END,
        "updatedAt" = now()
      WHERE "connectionId" = ${fence.connectionId}::uuid AND "feed" = ${fence.feed}::"AthenaFeed" AND "leaseOwner" = ${fence.owner} AND "leaseEpoch" = ${fence.epoch}`;
    return updated === 1;
  }

  /** Gives up every lease `owner` holds (a clean shutdown): another process may poll at once. */
  async releaseAll(owner: string): Promise<void> {
    await this.prisma.$executeRaw`UPDATE "AthenaFeedState" SET "leaseOwner" = NULL, "leaseUntil" = NULL, "updatedAt" = now() WHERE "leaseOwner" = ${owner}`;
  }

  /** Deletes processed pages older than `olderThan` (their items are already gone; the rows were a log). */
  async pruneProcessedPages(olderThan: Date): Promise<number> {
    const { count } = await this.prisma.athenaChangePage.deleteMany({ where: { processedAt: { lt: olderThan } } });
    return count;
  }

  async feedStatus(tenantId: string, connectionId: string): Promise<AthenaFeedStatus[]> {
    return this.prisma.athenaFeedState.findMany({
      where: { tenantId, connectionId },
      select: {
        connectionId: true,
        feed: true,
        subscription: true,
        subscribedAt: true,
        failures: true,
        lastErrorCode: true,
        startedAt: true,
        lastPolledAt: true,
        lastReplayAt: true,
        lastPageAt: true,
        nextPollAt: true,
        leaseOwner: true,
        leaseUntil: true,
        leaseEpoch: true,
      },
      orderBy: { feed: 'asc' },
    });
  }

  /** Pages of a connection's feed (newest first), without their items. */
  async listPages(tenantId: string, connectionId: string, feed: AthenaFeedName, limit: number): Promise<(AthenaPendingPage & { fetchedAt: Date; processedAt: Date | null; eventCount: number | null })[]> {
    return this.prisma.athenaChangePage.findMany({
      where: { tenantId, connectionId, feed },
      select: { id: true, seq: true, replay: true, itemCount: true, fetchedAt: true, processedAt: true, eventCount: true },
      orderBy: { seq: 'desc' },
      take: limit,
    });
  }
}
