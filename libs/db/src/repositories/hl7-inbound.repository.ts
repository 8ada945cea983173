import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { unwrapTx, type DbTransaction } from '../database';
import { HotPathPool } from '../hot-path-pool';
import { HL7_INBOUND_CHANNEL } from '../outbox-notifications';
import { ThrottledNotify } from '../throttled-notify';
import { Prisma } from '../generated/prisma/client';
import type { Connection, Hl7AckMode } from '../models';
import { PrismaService } from '../prisma.service';
import { executeIn, type AnyTransaction } from '../sql-transaction';

export interface InboundRoute {
  connectionId: string;
  tenantId: string;
  ackMode: Hl7AckMode;
  /** The connection's site dialect, unvalidated JSON (libs/hl7 validates it). */
  dialect: unknown;
  /** Changes whenever the connection's settings do; lets callers cache what they derive. */
  version: string;
}

export interface NewInboundMessage {
  controlId: string;
  messageType: string;
  version: string;
  sendingApplication: string;
  sendingFacility: string;
  raw: string;
  ack: string;
  ackCode: string;
  /** The patient it is about (`system|value`); messages with one key are processed in order. */
  patientKey?: string | null;
  /** For messages refused at receipt: the HL7 error code of the ERR segment sent. */
  errorCode?: string | null;
  /** Keyed hashes of its patient identifier values, for the PHI-gated lookup by identifier. */
  patientIdHashes?: string[];
}

export type Hl7InboundStatus = 'received' | 'processed' | 'failed' | 'quarantined' | 'rejected';

/** A message log row: what happened, never what the message says. */
export interface Hl7MessageSummary {
  id: string;
  connectionId: string | null;
  controlId: string;
  messageType: string;
  version: string;
  status: Hl7InboundStatus;
  ackCode: string;
  errorCode: string | null;
  attempts: number;
  receivedAt: Date;
  processedAt: Date | null;
}

export interface Hl7MessageDetail extends Hl7MessageSummary {
  raw: string;
  ack: string;
  applicationAck: string | null;
  /** The FHIR resources processing produced (null until processed, and for messages processed before they were kept). */
  resources: unknown[] | null;
}

/** Message log filters; all given must hold. */
export interface Hl7MessageFilter {
  limit: number;
  before?: bigint;
  status?: Hl7InboundStatus;
  messageType?: string;
  /** MSH-10, exact. */
  controlId?: string;
  /** Received at or after. */
  from?: Date;
  /** Received at or before. */
  to?: Date;
  /** One keyed hash of a patient identifier value (see `PatientIdentifierHasher`). */
  patientIdHash?: string;
}

/** A message claimed for processing. */
export interface ClaimedHl7Message {
  id: string;
  tenantId: string;
  connectionId: string;
  controlId: string;
  raw: string;
  attempts: number;
  /**
   * How many unprocessed messages the claim looked at, those it took included (at most its window):
   * more than it took means work is waiting behind patients' heads or other claims' leases.
   */
  seen: number;
}

const summarySelect = {
  id: true,
  connectionId: true,
  controlId: true,
  messageType: true,
  version: true,
  status: true,
  ackCode: true,
  errorCode: true,
  attempts: true,
  receivedAt: true,
  processedAt: true,
} as const;

/**
 * How many of the oldest waiting messages a claim looks at first, per message it wants: enough to
 * find that many patients' heads unless a few patients' backlogs fill the front.
 */
const CLAIM_WINDOW_PER_MESSAGE = 8;
/** How far a claim looks when the first window held too few free heads. */
const CLAIM_WINDOW = 2_000;

const CLAIM_STATEMENT = 'sb_hl7_inbound_claim_v4';
/**
 * One claim over the `$1` oldest waiting messages: leases up to `$2` patients' heads for `$3` ms, and
 * counts what the window held. Exported for the test that reads its plan (queue-claim-plans.int-spec.ts).
 */
export const HL7_INBOUND_CLAIM_SQL = `
  WITH oldest AS (
    -- The oldest waiting messages (a partial index holds them alone). Any earlier message of a
    -- patient found here is older still, so it is in this window too: a head found within the
    -- window is that patient's head overall, and the scan stays bounded.
    SELECT "id", "seq", "leaseUntil", "connectionId", "patientKey"
    FROM "Hl7InboundMessage"
    WHERE "status" = 'received' AND "connectionId" IS NOT NULL
    ORDER BY "seq" LIMIT $1::int
  ), heads AS (
    SELECT DISTINCT ON ("connectionId", "patientKey") "id", "seq", "leaseUntil"
    FROM oldest
    ORDER BY "connectionId", "patientKey", "seq"
  ), free AS (
    SELECT "id" FROM heads WHERE "leaseUntil" IS NULL OR "leaseUntil" < now() ORDER BY "seq" LIMIT $2::int
  ), claimed AS (
    -- Each free head through the primary key. The status is compared as text so that the index of
    -- waiting messages does not match: on statistics taken before a burst, the planner took it for
    -- "a few rows" and joined every waiting message to every head (136 ms a claim at 20,000 waiting).
    UPDATE "Hl7InboundMessage" m
    SET "leaseUntil" = now() + $3::int * interval '1 millisecond', "attempts" = m."attempts" + 1
    FROM free
    WHERE m."id" = free."id" AND m."status"::text = 'received' AND (m."leaseUntil" IS NULL OR m."leaseUntil" < now())
    RETURNING m."id", m."tenantId", m."connectionId", m."controlId", m."raw", m."attempts"
  )
  -- One row at least, so the count comes back when nothing was claimed.
  SELECT c.*, (SELECT count(*) FROM oldest)::int AS "seen" FROM (VALUES (1)) AS one (x) LEFT JOIN claimed c ON true`;

/** One claim statement's result: what it leased, and how many waiting messages its window held. */
interface ClaimPass {
  messages: ClaimedHl7Message[];
  seen: number;
}

/** Completes a batch's messages from one JSON document, each fenced by its claim (`attempts`); by primary key, as the claim's lease (status as text). */
export const HL7_INBOUND_COMPLETE_MANY_SQL = `
  UPDATE "Hl7InboundMessage" m SET "status" = 'processed', "errorCode" = NULL, "applicationAck" = c.ack, "resources" = c.resources,
    "processedAt" = now(), "leaseUntil" = NULL
  FROM jsonb_to_recordset($1::jsonb) AS c(id uuid, attempt int, ack text, resources jsonb)
  WHERE m."id" = c.id AND m."status"::text = 'received' AND m."attempts" = c.attempt`;

/**
 * Completes one message (`$1`) with its outcome (`$2` status, `$3` error code, `$4` application ACK, `$5` resources),
 * fenced by its claim (`$6` attempts); by primary key, as the batch's completion.
 */
export const HL7_INBOUND_COMPLETE_SQL = `
  UPDATE "Hl7InboundMessage" SET "status" = $2::"Hl7InboundStatus", "errorCode" = $3::text, "applicationAck" = $4::text, "resources" = $5::jsonb,
    "processedAt" = now(), "leaseUntil" = NULL
  WHERE "id" = $1::uuid AND "status"::text = 'received' AND "attempts" = $6::int`;

export type StoreOutcome = { stored: true; id: string } | { stored: false; ack: string };

const STORE_STATEMENT = 'sb_hl7_inbound_store_v1';
const STORE_SQL = `
  INSERT INTO "Hl7InboundMessage" ("id", "tenantId", "connectionId", "controlId", "messageType", "version", "sendingApplication", "sendingFacility", "raw", "status", "ack", "ackCode", "patientKey", "errorCode", "patientIdHashes")
  VALUES (gen_random_uuid(), $1::uuid, $2::uuid, $3, $4, $5, $6, $7, $8, $9::"Hl7InboundStatus", $10, $11, $12, $13, $14::text[])
  ON CONFLICT ("connectionId", "controlId") DO NOTHING
  RETURNING "id"`;

const FAIL_STATEMENT = 'sb_hl7_inbound_fail_v2';
// By primary key, fenced by the claim like a completion (the status compared as text: see the claim).
const FAIL_SQL = `
  UPDATE "Hl7InboundMessage" SET "status" = 'failed', "errorCode" = $3::text, "applicationAck" = $4::text, "processedAt" = now(), "leaseUntil" = NULL
  WHERE "id" = $1::uuid AND "status"::text = 'received' AND "attempts" = $2::int
  RETURNING "id"`;
const RELEASE_STATEMENT = 'sb_hl7_inbound_release_v2';
const RELEASE_SQL = `
  UPDATE "Hl7InboundMessage" SET "leaseUntil" = now() + $3::int * interval '1 millisecond'
  WHERE "id" = $1::uuid AND "status"::text = 'received' AND "attempts" = $2::int
  RETURNING "id"`;

const WAKE_STATEMENT = 'sb_hl7_inbound_wake_v1';
const WAKE_SQL = `SELECT pg_notify($1, '')::text`;

/** Stored messages within this long of a wake-up share the next one. */
export const INBOUND_WAKE_WINDOW_MS = 20;

/** Inbound HL7 v2 messages: routed by sender, stored before any positive ACK, deduplicated by MSH-10. */
@Injectable()
export class Hl7InboundRepository implements OnModuleDestroy {
  /** Wakes the worker after messages commit: at most one NOTIFY per window on the listener's hot path, never inside its INSERT. */
  private readonly wakeWorker = new ThrottledNotify(() => this.pool.query(WAKE_STATEMENT, WAKE_SQL, [HL7_INBOUND_CHANNEL]), INBOUND_WAKE_WINDOW_MS);

  constructor(
    private readonly prisma: PrismaService,
    private readonly pool: HotPathPool,
  ) {}

  onModuleDestroy(): void {
    this.wakeWorker.cancel();
  }

  /**
   * The connection a sender's messages belong to: an enabled hl7v2 connection whose
   * MSH-4 matches and whose MSH-3, when set, matches too (an exact application
   * match wins). Not tenant-scoped: the sender is all an MLLP frame tells us.
   */
  async findRoute(sendingFacility: string, sendingApplication: string): Promise<InboundRoute | null> {
    const candidates: (Pick<Connection, 'id' | 'tenantId' | 'hl7AckMode' | 'hl7SendingApplication' | 'updatedAt'> & { dialect: unknown })[] = await this.prisma.connection.findMany({
      where: {
        vendor: 'hl7v2',
        status: { not: 'disabled' },
        hl7SendingFacility: sendingFacility,
        OR: [{ hl7SendingApplication: null }, { hl7SendingApplication: sendingApplication }],
      },
      select: { id: true, tenantId: true, hl7AckMode: true, hl7SendingApplication: true, dialect: true, updatedAt: true },
      orderBy: { createdAt: 'asc' },
      take: 2,
    });
    const chosen = candidates.find((c) => c.hl7SendingApplication === sendingApplication) ?? candidates[0];
    return chosen
      ? { connectionId: chosen.id, tenantId: chosen.tenantId, ackMode: chosen.hl7AckMode, dialect: chosen.dialect, version: chosen.updatedAt.toISOString() }
      : null;
  }

  /** Whether another enabled hl7v2 connection (any tenant) already receives this sender's messages. */
  async routeTaken(sendingFacility: string, sendingApplication: string | null, exceptConnectionId?: string): Promise<boolean> {
    const count = await this.prisma.connection.count({
      where: {
        vendor: 'hl7v2',
        status: { not: 'disabled' },
        hl7SendingFacility: sendingFacility,
        hl7SendingApplication: sendingApplication,
        ...(exceptConnectionId ? { id: { not: exceptConnectionId } } : {}),
      },
    });
    return count > 0;
  }

  /** Commits the raw message with its ACK; a resend (same connection and MSH-10) returns the stored ACK. */
  async store(route: InboundRoute, message: NewInboundMessage, status: 'received' | 'rejected' = 'received'): Promise<StoreOutcome> {
    // One prepared INSERT on the listener's hot path, off Prisma (a model query costs several
    // times its round trip in client CPU); a resend (same connection and MSH-10) inserts nothing.
    const rows = await this.pool.query<{ id: string }>(STORE_STATEMENT, STORE_SQL, [
      route.tenantId, route.connectionId, message.controlId, message.messageType, message.version, message.sendingApplication, message.sendingFacility,
      message.raw, status, message.ack, message.ackCode, message.patientKey ?? null, message.errorCode ?? null, message.patientIdHashes ?? [],
    ]);
    const inserted = rows[0];
    if (inserted) {
      if (status === 'received') this.wakeWorker.notify();
      return { stored: true, id: inserted.id };
    }
    const existing = await this.prisma.hl7InboundMessage.findFirst({
      where: { connectionId: route.connectionId, controlId: message.controlId },
      select: { ack: true },
    });
    if (!existing) throw new Error('HL7 message neither inserted nor found');
    return { stored: false, ack: existing.ack };
  }

  /**
   * {@link complete} for a worker's batch of processed messages, one statement: returns how many it
   * completed. Fewer than given means some lease was lost: the caller must roll the transaction back.
   */
  async completeMany(tx: AnyTransaction, items: readonly { id: string; attempt: number; applicationAck: string | null; resources: readonly unknown[] }[]): Promise<number> {
    if (items.length === 0) return 0;
    const document = JSON.stringify(items.map((i) => ({ id: i.id, attempt: i.attempt, ack: i.applicationAck, resources: i.resources })));
    return executeIn(tx, 'sb_hl7_inbound_complete_many_v2', HL7_INBOUND_COMPLETE_MANY_SQL, [document]);
  }

  /** Keeps a message refused at receipt (bad input) with the error it got; it is never processed. */
  async reject(route: InboundRoute, message: NewInboundMessage): Promise<StoreOutcome> {
    return this.store(route, message, 'rejected');
  }

  /**
   * Claims up to `limit` messages to process: for each (connection, patient) only
   * the oldest unprocessed one, so one patient's messages apply in the order they
   * were received while different patients go in parallel. A claim is a lease:
   * a worker that dies lets it expire and another worker claims the message again.
   */
  async claim(limit: number, leaseMs: number): Promise<ClaimedHl7Message[]> {
    const narrow = Math.min(limit * CLAIM_WINDOW_PER_MESSAGE, CLAIM_WINDOW);
    const first = await this.claimWithin(narrow, limit, leaseMs);
    if (first.messages.length >= limit || first.seen < narrow || narrow === CLAIM_WINDOW) return first.messages;
    // A full window with too few free heads: one patient's backlog (or other claims' leases) at the front.
    let wide: ClaimPass;
    try {
      wide = await this.claimWithin(CLAIM_WINDOW, limit - first.messages.length, leaseMs);
    } catch {
      // The first claim's leases are taken: hand those messages over rather than leave them to expire.
      return first.messages;
    }
    return [...first.messages, ...wide.messages].map((m) => ({ ...m, seen: wide.seen }));
  }

  /** One claim over the `window` oldest waiting messages; `seen` even when it took none. */
  private async claimWithin(window: number, limit: number, leaseMs: number): Promise<ClaimPass> {
    const rows = await this.pool.query<Omit<ClaimedHl7Message, 'id'> & { id: string | null }>(CLAIM_STATEMENT, HL7_INBOUND_CLAIM_SQL, [window, limit, leaseMs]);
    const messages = rows.filter((r): r is ClaimedHl7Message => r.id !== null);
    return { messages, seen: rows[0]?.seen ?? 0 };
  }

  /**
   * Records the outcome in the caller's transaction (with the data it produced), ending
   * the lease. Fenced by the claim: only the holder of the latest claim (`attempt`, the
   * message's `attempts` when it was claimed) of a still-unprocessed message may
   * complete it. False means the lease was lost (it expired and another claim took the
   * message): the caller must roll its transaction back, or the message would be
   * applied twice.
   */
  async complete(
    tx: DbTransaction,
    id: string,
    attempt: number,
    outcome: { status: 'processed' | 'failed'; errorCode?: string | null; applicationAck?: string | null; resources?: readonly unknown[] | null },
  ): Promise<boolean> {
    const resources = outcome.resources ? JSON.stringify(outcome.resources) : null;
    const updated = await unwrapTx(tx).$executeRawUnsafe(HL7_INBOUND_COMPLETE_SQL, id, outcome.status, outcome.errorCode ?? null, outcome.applicationAck ?? null, resources, attempt);
    return updated === 1;
  }

  /**
   * A message that cannot be processed (bad content, or retries exhausted): kept with its error code. Fenced like
   * {@link complete}: only the holder of the latest claim (`attempt`) of a message still waiting may fail it; false
   * otherwise. A prepared statement, like the claim: a feed the dialect cannot read fails every message, one by one.
   */
  async fail(id: string, attempt: number, errorCode: string, applicationAck: string | null): Promise<boolean> {
    return (await this.pool.query(FAIL_STATEMENT, FAIL_SQL, [id, attempt, errorCode, applicationAck])).length === 1;
  }

  /** A transient failure: the message stays `received` and is retried after `retryInMs`. Fenced like {@link fail}. */
  async release(id: string, attempt: number, retryInMs: number): Promise<boolean> {
    return (await this.pool.query(RELEASE_STATEMENT, RELEASE_SQL, [id, attempt, retryInMs])).length === 1;
  }

  /** Rows with their patient key, which callers use for audit and must not return. */
  async list(tenantId: string, connectionId: string, page: Hl7MessageFilter): Promise<(Hl7MessageSummary & { seq: bigint; patientKey: string | null })[]> {
    const rows = await this.prisma.hl7InboundMessage.findMany({
      where: {
        tenantId,
        connectionId,
        ...(page.before !== undefined ? { seq: { lt: page.before } } : {}),
        ...(page.status ? { status: page.status } : {}),
        ...(page.messageType ? { messageType: page.messageType } : {}),
        ...(page.controlId !== undefined ? { controlId: page.controlId } : {}),
        ...(page.from || page.to ? { receivedAt: { gte: page.from, lte: page.to } } : {}),
        ...(page.patientIdHash !== undefined ? { patientIdHashes: { has: page.patientIdHash } } : {}),
      },
      select: { ...summarySelect, seq: true, patientKey: true },
      orderBy: { seq: 'desc' },
      take: page.limit,
    });
    return rows;
  }

  async find(tenantId: string, connectionId: string, id: string): Promise<Hl7MessageDetail | null> {
    const row = await this.prisma.hl7InboundMessage.findFirst({
      where: { tenantId, connectionId, id },
      select: { ...summarySelect, raw: true, ack: true, applicationAck: true, resources: true },
    });
    return row ? { ...row, resources: Array.isArray(row.resources) ? (row.resources as unknown[]) : null } : null;
  }

  /** Whether the connection has this message (no content read). */
  async exists(tenantId: string, connectionId: string, id: string): Promise<boolean> {
    return (await this.prisma.hl7InboundMessage.count({ where: { tenantId, connectionId, id } })) > 0;
  }

  /** Sends a processed or failed message through processing again (after a dialect fix, say). */
  async reprocess(tenantId: string, connectionId: string, id: string, keys: { patientKey: string | null; patientIdHashes: string[] }): Promise<boolean> {
    const { count } = await this.prisma.hl7InboundMessage.updateMany({
      where: { tenantId, connectionId, id, status: { in: ['processed', 'failed'] } },
      data: { status: 'received', errorCode: null, processedAt: null, leaseUntil: null, attempts: 0, patientKey: keys.patientKey, patientIdHashes: keys.patientIdHashes, resources: Prisma.DbNull },
    });
    return count === 1;
  }

  /** The last `count` messages stored for processing, newest first, for a dialect replay. */
  async recent(tenantId: string, connectionId: string, count: number): Promise<{ id: string; controlId: string; messageType: string; raw: string }[]> {
    return this.prisma.hl7InboundMessage.findMany({
      where: { tenantId, connectionId, status: { in: ['received', 'processed', 'failed'] } },
      select: { id: true, controlId: true, messageType: true, raw: true },
      orderBy: { seq: 'desc' },
      take: count,
    });
  }

  /** Keeps a message from an unknown sender where the operator can see it. */
  async quarantine(message: NewInboundMessage): Promise<string> {
    const row = await this.prisma.hl7InboundMessage.create({ data: { ...message, status: 'quarantined' }, select: { id: true } });
    return row.id;
  }

  async countForConnection(tenantId: string, connectionId: string): Promise<number> {
    return this.prisma.hl7InboundMessage.count({ where: { tenantId, connectionId } });
  }

  /** Messages from senders no connection claims (and unreadable frames), newest first: what, from whom, when — never content. */
  async listQuarantined(limit: number, before?: bigint): Promise<(Omit<Hl7MessageSummary, 'connectionId'> & { sendingFacility: string; sendingApplication: string; seq: bigint })[]> {
    return this.prisma.hl7InboundMessage.findMany({
      where: { status: 'quarantined', ...(before !== undefined ? { seq: { lt: before } } : {}) },
      select: { id: true, controlId: true, messageType: true, version: true, status: true, ackCode: true, errorCode: true, attempts: true, receivedAt: true, processedAt: true, sendingFacility: true, sendingApplication: true, seq: true },
      orderBy: { seq: 'desc' },
      take: limit,
    });
  }

  async countQuarantined(sendingFacility: string): Promise<number> {
    return this.prisma.hl7InboundMessage.count({ where: { status: 'quarantined', sendingFacility } });
  }
}
