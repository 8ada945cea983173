import { Injectable } from '@nestjs/common';
import { OUTBOX_CHANNEL } from '../outbox-notifications';
import { PrismaService } from '../prisma.service';
import { executeIn, queryIn, type AnyTransaction } from '../sql-transaction';

export interface NewEvent {
  tenantId: string;
  connectionId: string | null;
  type: string;
  version: number;
  data: Record<string, unknown>;
  full?: Record<string, unknown> | null;
  patientRef?: string | null;
  /** The inbound HL7 message whose processing raised it. */
  sourceMessageId?: string | null;
}

/** An event as the catch-up feed and webhooks carry it. */
export interface FeedEvent {
  id: string;
  type: string;
  version: number;
  timestamp: Date;
  tenantId: string;
  connectionId: string | null;
  data: unknown;
}

/** An event listed by where it came from: metadata only, never its data. */
export interface SourcedEvent {
  id: string;
  type: string;
  version: number;
  timestamp: Date;
  /** When the relay handed it to webhook delivery; null while still in the outbox. */
  relayedAt: Date | null;
}

/**
 * An event as one record of the JSON document `append` sends: one parameter for the batch, not
 * a jsonb[] per column, whose every element pg escapes and Postgres parses twice. A JSON null
 * (no `full`) arrives as SQL NULL.
 */
const eventRecord = (e: NewEvent) => ({
  tenant: e.tenantId,
  connection: e.connectionId,
  type: e.type,
  version: e.version,
  data: e.data,
  resources: e.full ?? null,
  patient: e.patientRef ?? null,
  source: e.sourceMessageId ?? null,
});

const APPEND_SQL = `
  INSERT INTO "Event" ("id", "tenantId", "connectionId", "type", "version", "data", "full", "patientRef", "sourceMessageId")
  SELECT gen_random_uuid(), e.tenant, e.connection, e.type, e.version, e.data, e.resources, e.patient, e.source
  FROM ROWS FROM (jsonb_to_recordset($1::jsonb)
         AS (tenant uuid, connection uuid, type text, version int, data jsonb, resources jsonb, patient text, source uuid))
       WITH ORDINALITY AS e(tenant, connection, type, version, data, resources, patient, source, n)
  ORDER BY e.n
  RETURNING "id"`;

/**
 * The outbox. Events are appended in the transaction of the change they describe,
 * so an event exists exactly when its change committed; the relay gives each a
 * `position` in commit order, which is what the feed pages by.
 */
@Injectable()
export class EventRepository {
  constructor(private readonly prisma: PrismaService) {}

  async append(tx: AnyTransaction, events: readonly NewEvent[]): Promise<string[]> {
    if (events.length === 0) return [];
    const rows = await queryIn<{ id: string }>(tx, 'sb_event_append_v1', APPEND_SQL, [JSON.stringify(events.map(eventRecord))]);
    // Delivered to listeners when (and only if) the transaction commits.
    await executeIn(tx, 'sb_event_notify_v1', `SELECT pg_notify($1, '')::text`, [OUTBOX_CHANNEL]);
    return rows.map((r) => r.id);
  }

  /** The tenant's relayed events after `afterPosition`, in commit order. */
  async feed(tenantId: string, query: { afterPosition: bigint; types?: string[]; limit: number }): Promise<(FeedEvent & { position: bigint })[]> {
    const rows = await this.prisma.event.findMany({
      where: { tenantId, position: { gt: query.afterPosition }, ...(query.types ? { type: { in: query.types } } : {}) },
      select: { id: true, type: true, version: true, occurredAt: true, tenantId: true, connectionId: true, data: true, position: true },
      orderBy: { position: 'asc' },
      take: query.limit,
    });
    return rows.map((r) => ({ id: r.id, type: r.type, version: r.version, timestamp: r.occurredAt, tenantId: r.tenantId, connectionId: r.connectionId, data: r.data, position: r.position ?? 0n }));
  }

  /** The tenant's newest events, relayed or not (insert order): what the outbox holds. */
  async recent(tenantId: string, limit: number): Promise<FeedEvent[]> {
    const rows = await this.prisma.event.findMany({
      where: { tenantId },
      select: { id: true, type: true, version: true, occurredAt: true, tenantId: true, connectionId: true, data: true },
      orderBy: { seq: 'desc' },
      take: limit,
    });
    return rows.map((r) => ({ id: r.id, type: r.type, version: r.version, timestamp: r.occurredAt, tenantId: r.tenantId, connectionId: r.connectionId, data: r.data }));
  }

  /** The events an inbound HL7 message raised (every processing of it), newest first. */
  async listBySourceMessage(tenantId: string, messageId: string, limit: number): Promise<SourcedEvent[]> {
    const rows = await this.prisma.event.findMany({
      where: { tenantId, sourceMessageId: messageId },
      select: { id: true, type: true, version: true, occurredAt: true, relayedAt: true },
      orderBy: [{ occurredAt: 'desc' }, { seq: 'desc' }],
      take: limit,
    });
    return rows.map((r) => ({ id: r.id, type: r.type, version: r.version, timestamp: r.occurredAt, relayedAt: r.relayedAt }));
  }

  async find(tenantId: string, id: string): Promise<FeedEvent | null> {
    const r = await this.prisma.event.findFirst({ where: { tenantId, id }, select: { id: true, type: true, version: true, occurredAt: true, tenantId: true, connectionId: true, data: true } });
    return r ? { id: r.id, type: r.type, version: r.version, timestamp: r.occurredAt, tenantId: r.tenantId, connectionId: r.connectionId, data: r.data } : null;
  }
}
