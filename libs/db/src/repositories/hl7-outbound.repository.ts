import { Injectable } from '@nestjs/common';
import { unwrapTx, type DbTransaction } from '../database';
import { HotPathPool } from '../hot-path-pool';
import { HL7_OUTBOUND_CHANNEL } from '../outbox-notifications';
import { PrismaService } from '../prisma.service';

export type Hl7OutboundStatus = 'pending' | 'accepted' | 'rejected' | 'failed';

export interface NewOutboundMessage {
  controlId: string;
  messageType: string;
  sourceRef: string;
  raw: string;
}

/** What the outbound log shows: status and the site's answer, never the message. */
export interface Hl7OutboundSummary {
  id: string;
  connectionId: string;
  controlId: string;
  messageType: string;
  sourceRef: string;
  status: Hl7OutboundStatus;
  attempts: number;
  ackCode: string | null;
  errorCode: string | null;
  errorText: string | null;
  createdAt: Date;
  completedAt: Date | null;
}

export interface ClaimedOutboundMessage {
  id: string;
  tenantId: string;
  connectionId: string;
  controlId: string;
  raw: string;
  attempts: number;
}

const summarySelect = {
  id: true,
  connectionId: true,
  controlId: true,
  messageType: true,
  sourceRef: true,
  status: true,
  attempts: true,
  ackCode: true,
  errorCode: true,
  errorText: true,
  createdAt: true,
  completedAt: true,
} as const;

/**
 * The durable outbound queue for HL7 v2 sites. A message is committed here before
 * the caller hears "accepted"; the worker sends each connection's messages one at
 * a time in commit order, so a site sees orders in the order they were placed.
 */
/**
 * Leases the due, unleased head (oldest pending message) of up to `$1` connections for `$2` ms. Exported for the
 * test that reads its plan (queue-claim-plans.int-spec.ts).
 */
export const HL7_OUTBOUND_CLAIM_SQL = `
  WITH RECURSIVE pending_connections AS (
    -- The connections with pending messages, one index probe each (a skip scan over (status, connectionId, seq)):
    -- a site down for hours with orders queued is not read through on every claim.
    (SELECT "connectionId" AS id FROM "Hl7OutboundMessage" WHERE "status" = 'pending' ORDER BY "connectionId" LIMIT 1)
    UNION ALL
    SELECT (SELECT m."connectionId" FROM "Hl7OutboundMessage" m WHERE m."status" = 'pending' AND m."connectionId" > p.id ORDER BY m."connectionId" LIMIT 1)
    FROM pending_connections p WHERE p.id IS NOT NULL
  ), heads AS (
    SELECT h."id", h."seq"
    FROM pending_connections p
    CROSS JOIN LATERAL (
      SELECT m."id", m."seq", m."leaseUntil", m."nextAttemptAt" FROM "Hl7OutboundMessage" m
      WHERE m."status" = 'pending' AND m."connectionId" = p.id ORDER BY m."seq" LIMIT 1
    ) h
    WHERE (h."leaseUntil" IS NULL OR h."leaseUntil" < now()) AND h."nextAttemptAt" <= now()
  ), due AS (
    SELECT "id" FROM heads ORDER BY "seq" LIMIT $1::int
  )
  -- By primary key, the status as text so that no index over pending rows matches (see the inbound claim).
  UPDATE "Hl7OutboundMessage" m
  SET "leaseUntil" = now() + $2::int * interval '1 millisecond', "attempts" = m."attempts" + 1
  FROM due
  WHERE m."id" = due."id" AND m."status"::text = 'pending' AND (m."leaseUntil" IS NULL OR m."leaseUntil" < now())
  RETURNING m."id", m."tenantId", m."connectionId", m."controlId", m."raw", m."attempts"`;

const CLAIM_STATEMENT = 'sb_hl7_outbound_claim_v1';

@Injectable()
export class Hl7OutboundRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly pool: HotPathPool,
  ) {}

  async enqueue(tenantId: string, connectionId: string, message: NewOutboundMessage, tx?: DbTransaction): Promise<Hl7OutboundSummary> {
    const db = tx ? unwrapTx(tx) : this.prisma;
    const queued = await db.hl7OutboundMessage.create({ data: { ...message, tenantId, connectionId }, select: summarySelect });
    // Wakes the worker's dispatcher when (and only if) the queuing transaction commits; orders are few, so one NOTIFY each is cheap.
    await db.$executeRaw`SELECT pg_notify(${HL7_OUTBOUND_CHANNEL}, '')::text`;
    return queued;
  }

  /**
   * The oldest pending message of up to `limit` connections whose head is due and
   * not leased. A connection's later messages wait for its head: per-connection order.
   */
  async claim(limit: number, leaseMs: number): Promise<ClaimedOutboundMessage[]> {
    // A prepared statement: an idle worker makes this claim every couple of seconds, and Prisma's per-query work
    // was most of its cost.
    return this.pool.query<ClaimedOutboundMessage>(CLAIM_STATEMENT, HL7_OUTBOUND_CLAIM_SQL, [limit, leaseMs]);
  }

  async finish(id: string, outcome: { status: 'accepted' | 'rejected' | 'failed'; ackCode?: string | null; errorCode?: string | null; errorText?: string | null }): Promise<void> {
    await this.prisma.hl7OutboundMessage.update({
      where: { id },
      data: { status: outcome.status, ackCode: outcome.ackCode ?? null, errorCode: outcome.errorCode ?? null, errorText: outcome.errorText ?? null, completedAt: new Date(), leaseUntil: null },
    });
  }

  /** No ACK in time or the socket failed: try again later, with the same control id. */
  async retryLater(id: string, delayMs: number, errorCode: string): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE "Hl7OutboundMessage" SET "leaseUntil" = NULL, "errorCode" = ${errorCode},
        "nextAttemptAt" = now() + ${delayMs} * interval '1 millisecond'
      WHERE "id" = ${id}::uuid`;
  }

  async list(tenantId: string, connectionId: string, limit: number): Promise<Hl7OutboundSummary[]> {
    return this.prisma.hl7OutboundMessage.findMany({ where: { tenantId, connectionId }, select: summarySelect, orderBy: { seq: 'desc' }, take: limit });
  }

  async find(tenantId: string, connectionId: string, id: string): Promise<Hl7OutboundSummary | null> {
    return this.prisma.hl7OutboundMessage.findFirst({ where: { tenantId, connectionId, id }, select: summarySelect });
  }
}
