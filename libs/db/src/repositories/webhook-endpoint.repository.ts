import { Injectable } from '@nestjs/common';
import { unwrapTx, type DbTransaction } from '../database';
import { PrismaService } from '../prisma.service';

export type WebhookPayloadMode = 'thin' | 'full';
export type WebhookOrderingMode = 'none' | 'patient';
export type WebhookEndpointStatus = 'enabled' | 'disabled';
export type WebhookDeliveryStatus = 'pending' | 'succeeded' | 'failed';

/** An endpoint as services see it: never its sealed secrets. */
export interface WebhookEndpoint {
  id: string;
  tenantId: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  payload: WebhookPayloadMode;
  orderingKey: WebhookOrderingMode;
  status: WebhookEndpointStatus;
  disabledReason: string | null;
  /** Until when the secret before the last rotation still signs (the latest expiry of the previous secrets). */
  previousSecretUntil: Date | null;
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewWebhookEndpoint {
  /** Chosen by the caller: the secret is sealed under a context naming it. */
  id: string;
  url: string;
  description?: string | null;
  eventTypes: string[];
  payload?: WebhookPayloadMode;
  orderingKey?: WebhookOrderingMode;
  secretSealed: string;
}

/** A secret retired by a rotation: it keeps signing until `until`, its own grace period's end. */
export interface PreviousWebhookSecret {
  sealed: string;
  until: Date;
}

/** An endpoint's sealed secrets: the current one and the retired ones, newest first. Only rotation reads them. */
export interface WebhookEndpointSecrets {
  secretSealed: string;
  previousSecrets: PreviousWebhookSecret[];
}

/**
 * `previousSecretSealed` stores one retired secret as its bare sealed value, expiring at
 * `previousSecretUntil` (the format from before several were kept, which workers of that
 * version still read), and several as a JSON list `[{"sealed", "until"}]`, newest first,
 * each secret sealed on its own as the current one is.
 */
export function decodePreviousSecrets(stored: string | null, previousSecretUntil: Date | null): PreviousWebhookSecret[] {
  if (stored === null || stored === '') return [];
  if (!stored.startsWith('[')) return previousSecretUntil ? [{ sealed: stored, until: previousSecretUntil }] : [];
  const parsed: unknown = JSON.parse(stored);
  if (!Array.isArray(parsed)) return [];
  const out: PreviousWebhookSecret[] = [];
  for (const entry of parsed as unknown[]) {
    const { sealed, until } = (entry ?? {}) as { sealed?: unknown; until?: unknown };
    const at = new Date(typeof until === 'string' ? until : NaN);
    if (typeof sealed === 'string' && !Number.isNaN(at.getTime())) out.push({ sealed, until: at });
  }
  return out;
}

/** The columns for a list of retired secrets; `previousSecretUntil` is the latest expiry (what the API shows). */
function encodePreviousSecrets(list: readonly PreviousWebhookSecret[]): { previousSecretSealed: string | null; previousSecretUntil: Date | null } {
  if (list.length === 0) return { previousSecretSealed: null, previousSecretUntil: null };
  if (list.length === 1 && list[0]) return { previousSecretSealed: list[0].sealed, previousSecretUntil: list[0].until };
  const latest = Math.max(...list.map((p) => p.until.getTime()));
  return { previousSecretSealed: JSON.stringify(list.map((p) => ({ sealed: p.sealed, until: p.until.toISOString() }))), previousSecretUntil: new Date(latest) };
}

export interface WebhookEndpointPatch {
  url?: string;
  description?: string | null;
  eventTypes?: string[];
  payload?: WebhookPayloadMode;
  orderingKey?: WebhookOrderingMode;
}

export interface WebhookAttemptRecord {
  id: string;
  deliveryId: string;
  eventId: string;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  /** The start of the receiver's answer (512 characters at most, control characters stripped). */
  responseExcerpt: string | null;
  attemptedAt: Date;
}

export interface WebhookDeliveryRecord {
  id: string;
  eventId: string;
  eventType: string | null;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  completedAt: Date | null;
}

/**
 * What became of one event at one endpoint: the endpoint (subscribed now, or delivered
 * to before), its delivery (null when none was made: the event is not relayed yet, or the
 * endpoint was disabled or not subscribed then) and its latest attempts, newest first.
 */
export interface EventDeliveryTrail {
  eventId: string;
  endpoint: { id: string; url: string; description: string | null; status: WebhookEndpointStatus };
  delivery: Omit<WebhookDeliveryRecord, 'eventType'> | null;
  latestAttempts: WebhookAttemptRecord[];
}

/** Keyset position in a newest-first attempt list. */
export interface AttemptCursor {
  attemptedAt: Date;
  id: string;
}

/** Keyset position in a newest-first delivery list. */
export interface DeliveryCursor {
  createdAt: Date;
  seq: bigint;
}

export interface ReplayRange {
  since: Date;
  until?: Date;
  /** Requested types; intersected with the endpoint's subscriptions (`*` = all). */
  eventTypes?: string[];
}

const ENDPOINT_FIELDS = {
  id: true,
  tenantId: true,
  url: true,
  description: true,
  eventTypes: true,
  payload: true,
  orderingKey: true,
  status: true,
  disabledReason: true,
  previousSecretUntil: true,
  failingSince: true,
  createdAt: true,
  updatedAt: true,
} as const;

/**
 * Webhook endpoints of a tenant, and read access to what was delivered to them.
 * Every method takes the tenant first; another tenant's id reads as absent.
 */
@Injectable()
export class WebhookEndpointRepository {
  constructor(private readonly prisma: PrismaService) {}

  private db(tx: DbTransaction | undefined) {
    return tx ? unwrapTx(tx) : this.prisma;
  }

  async create(tenantId: string, input: NewWebhookEndpoint, tx?: DbTransaction): Promise<WebhookEndpoint> {
    return this.db(tx).webhookEndpoint.create({ data: { ...input, tenantId }, select: ENDPOINT_FIELDS });
  }

  async list(tenantId: string): Promise<WebhookEndpoint[]> {
    return this.prisma.webhookEndpoint.findMany({ where: { tenantId }, select: ENDPOINT_FIELDS, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  }

  async find(tenantId: string, id: string, tx?: DbTransaction): Promise<WebhookEndpoint | null> {
    return this.db(tx).webhookEndpoint.findFirst({ where: { tenantId, id }, select: ENDPOINT_FIELDS });
  }

  async update(tenantId: string, id: string, patch: WebhookEndpointPatch, tx?: DbTransaction): Promise<WebhookEndpoint | null> {
    const { count } = await this.db(tx).webhookEndpoint.updateMany({ where: { tenantId, id }, data: patch });
    return count === 0 ? null : this.find(tenantId, id, tx);
  }

  /** True when the tenant had this endpoint (its deliveries and attempts go with it). */
  async delete(tenantId: string, id: string, tx?: DbTransaction): Promise<boolean> {
    const { count } = await this.db(tx).webhookEndpoint.deleteMany({ where: { tenantId, id } });
    return count > 0;
  }

  /** Disables (with a reason: `manual`, `gone`, `failing`) or re-enables; enabling starts a fresh failure run. */
  async setStatus(
    tenantId: string,
    id: string,
    change: { status: 'disabled'; reason: string } | { status: 'enabled' },
    tx?: DbTransaction,
  ): Promise<WebhookEndpoint | null> {
    const data =
      change.status === 'disabled' ? { status: 'disabled' as const, disabledReason: change.reason } : { status: 'enabled' as const, disabledReason: null, failingSince: null };
    const { count } = await this.db(tx).webhookEndpoint.updateMany({ where: { tenantId, id }, data });
    return count === 0 ? null : this.find(tenantId, id, tx);
  }

  /**
   * The endpoint's sealed secrets, its row locked until `tx` ends: a rotation reads them,
   * then writes them with `setSecrets`, so concurrent rotations cannot lose a secret.
   */
  async lockSecrets(tenantId: string, id: string, tx: DbTransaction): Promise<WebhookEndpointSecrets | null> {
    const [row] = await unwrapTx(tx).$queryRaw<{ secretSealed: string; previousSecretSealed: string | null; previousSecretUntil: Date | null }[]>`
      SELECT "secretSealed", "previousSecretSealed", "previousSecretUntil" FROM "WebhookEndpoint"
       WHERE "tenantId" = ${tenantId}::uuid AND "id" = ${id}::uuid
         FOR UPDATE`;
    return row ? { secretSealed: row.secretSealed, previousSecrets: decodePreviousSecrets(row.previousSecretSealed, row.previousSecretUntil) } : null;
  }

  /** Every tenant's endpoints (tenant and id), in id order after `afterId`: what re-sealing under a new master key walks. */
  async listIdsAfter(afterId: string | undefined, limit: number): Promise<{ tenantId: string; id: string }[]> {
    return this.prisma.webhookEndpoint.findMany({ where: afterId ? { id: { gt: afterId } } : {}, select: { tenantId: true, id: true }, orderBy: { id: 'asc' }, take: limit });
  }

  /** Installs the current secret and the retired ones still signing (after `lockSecrets` in the same transaction). */
  async setSecrets(tenantId: string, id: string, secrets: WebhookEndpointSecrets, tx: DbTransaction): Promise<WebhookEndpoint | null> {
    const { count } = await unwrapTx(tx).webhookEndpoint.updateMany({
      where: { tenantId, id },
      data: { secretSealed: secrets.secretSealed, ...encodePreviousSecrets(secrets.previousSecrets) },
    });
    return count === 0 ? null : this.find(tenantId, id, tx);
  }

  /** Attempts at the endpoint's deliveries (or at its delivery of `eventId`), newest first, strictly before `before`. */
  async listAttempts(tenantId: string, endpointId: string, query: { limit: number; before?: AttemptCursor; eventId?: string }): Promise<WebhookAttemptRecord[]> {
    const { before } = query;
    let deliveryId: string | undefined;
    if (query.eventId !== undefined) {
      // One delivery per (endpoint, event): its attempts are found through the delivery index.
      const delivery = await this.prisma.webhookDelivery.findFirst({ where: { tenantId, endpointId, eventId: query.eventId }, select: { id: true } });
      if (!delivery) return [];
      deliveryId = delivery.id;
    }
    return this.prisma.webhookAttempt.findMany({
      where: {
        tenantId,
        endpointId,
        ...(deliveryId !== undefined ? { deliveryId } : {}),
        ...(before ? { OR: [{ attemptedAt: { lt: before.attemptedAt } }, { attemptedAt: before.attemptedAt, id: { lt: before.id } }] } : {}),
      },
      select: { id: true, deliveryId: true, eventId: true, statusCode: true, durationMs: true, error: true, responseExcerpt: true, attemptedAt: true },
      orderBy: [{ attemptedAt: 'desc' }, { id: 'desc' }],
      take: query.limit,
    });
  }

  /**
   * The endpoint's deliveries, newest first, strictly before `before`; `failed` ones are
   * the dead letters. Each row carries its keyset `cursor`.
   */
  async listDeliveries(
    tenantId: string,
    endpointId: string,
    query: { status?: WebhookDeliveryStatus; eventId?: string; before?: DeliveryCursor; limit: number },
  ): Promise<(WebhookDeliveryRecord & { cursor: DeliveryCursor })[]> {
    const { before } = query;
    const rows = await this.prisma.webhookDelivery.findMany({
      where: {
        tenantId,
        endpointId,
        ...(query.status ? { status: query.status } : {}),
        ...(query.eventId !== undefined ? { eventId: query.eventId } : {}),
        ...(before ? { OR: [{ createdAt: { lt: before.createdAt } }, { createdAt: before.createdAt, seq: { lt: before.seq } }] } : {}),
      },
      select: { id: true, seq: true, eventId: true, status: true, attempts: true, nextAttemptAt: true, lastStatusCode: true, lastError: true, createdAt: true, completedAt: true },
      orderBy: [{ createdAt: 'desc' }, { seq: 'desc' }],
      take: query.limit,
    });
    const events = rows.length
      ? await this.prisma.event.findMany({ where: { tenantId, id: { in: rows.map((r) => r.eventId) } }, select: { id: true, type: true } })
      : [];
    const typeOf = new Map(events.map((e) => [e.id, e.type]));
    return rows.map(({ seq, ...r }) => ({ ...r, eventType: typeOf.get(r.eventId) ?? null, cursor: { createdAt: r.createdAt, seq } }));
  }

  /**
   * For each event, every endpoint that has a delivery of it or subscribes to its type
   * now, with that delivery and its `attemptsPerDelivery` latest attempts. Endpoints in
   * creation order. Events of other tenants have no trail.
   */
  async deliveryTrails(tenantId: string, events: readonly { id: string; type: string }[], attemptsPerDelivery: number): Promise<EventDeliveryTrail[]> {
    if (events.length === 0) return [];
    const [endpoints, deliveries] = await Promise.all([
      this.prisma.webhookEndpoint.findMany({
        where: { tenantId },
        select: { id: true, url: true, description: true, status: true, eventTypes: true },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      }),
      this.prisma.webhookDelivery.findMany({
        where: { tenantId, eventId: { in: events.map((e) => e.id) } },
        select: { id: true, endpointId: true, eventId: true, status: true, attempts: true, nextAttemptAt: true, lastStatusCode: true, lastError: true, createdAt: true, completedAt: true },
      }),
    ]);
    const attempts = deliveries.length
      ? await this.prisma.$queryRaw<(WebhookAttemptRecord & { rn: bigint })[]>`
          SELECT * FROM (
            SELECT a."id"::text AS "id", a."deliveryId"::text AS "deliveryId", a."eventId"::text AS "eventId", a."statusCode", a."durationMs",
                   a."error", a."responseExcerpt", a."attemptedAt",
                   row_number() OVER (PARTITION BY a."deliveryId" ORDER BY a."attemptedAt" DESC, a."id" DESC) AS rn
            FROM "WebhookAttempt" a
            WHERE a."tenantId" = ${tenantId}::uuid AND a."deliveryId" = ANY(${deliveries.map((d) => d.id)}::uuid[])
          ) ranked
          WHERE rn <= ${attemptsPerDelivery}
          ORDER BY "attemptedAt" DESC, "id" DESC`
      : [];
    const deliveryOf = new Map(deliveries.map((d) => [`${d.endpointId}|${d.eventId}`, d]));
    const trails: EventDeliveryTrail[] = [];
    for (const event of events) {
      for (const { eventTypes, ...endpoint } of endpoints) {
        const found = deliveryOf.get(`${endpoint.id}|${event.id}`);
        const subscribed = eventTypes.includes('*') || eventTypes.includes(event.type);
        if (!found && !subscribed) continue;
        const delivery = found ? (({ endpointId: _e, ...d }) => d)(found) : null;
        const latestAttempts = found ? attempts.filter((a) => a.deliveryId === found.id).map(({ rn: _rn, ...a }) => a) : [];
        trails.push({ eventId: event.id, endpoint, delivery, latestAttempts });
      }
    }
    return trails;
  }

  /**
   * Schedules one delivery of an event to the endpoint, now; an existing delivery of
   * it goes back to pending with a fresh attempt count. Null when either is not the tenant's.
   */
  async scheduleDelivery(tx: DbTransaction | null, tenantId: string, endpointId: string, eventId: string): Promise<string | null> {
    const db = tx ? unwrapTx(tx) : this.prisma;
    const rows = await db.$queryRaw<{ id: string }[]>`
      INSERT INTO "WebhookDelivery" ("id", "tenantId", "endpointId", "eventId", "orderingKey", "status", "attempts", "nextAttemptAt")
      SELECT gen_random_uuid(), w."tenantId", w."id", e."id", CASE WHEN w."orderingKey" = 'patient' THEN e."patientRef" END, 'pending', 0, now()
        FROM "WebhookEndpoint" w JOIN "Event" e ON e."tenantId" = w."tenantId" AND e."id" = ${eventId}::uuid
       WHERE w."tenantId" = ${tenantId}::uuid AND w."id" = ${endpointId}::uuid
      ON CONFLICT ("endpointId", "eventId") DO UPDATE
         SET "status" = 'pending', "attempts" = 0, "nextAttemptAt" = now(), "leaseUntil" = NULL, "completedAt" = NULL
      RETURNING "id"`;
    return rows[0]?.id ?? null;
  }

  /**
   * Replay in one statement: (re)schedules a delivery to the endpoint of every relayed
   * event of the tenant in the range whose type the endpoint subscribes to. Test
   * events addressed to other endpoints are not theirs to receive. Returns how many.
   */
  async replay(tenantId: string, endpointId: string, range: ReplayRange): Promise<number> {
    const types = range.eventTypes ?? null;
    const rows = await this.prisma.$queryRaw<{ n: bigint }[]>`
      WITH scheduled AS (
        INSERT INTO "WebhookDelivery" ("id", "tenantId", "endpointId", "eventId", "orderingKey", "status", "attempts", "nextAttemptAt")
        SELECT gen_random_uuid(), w."tenantId", w."id", e."id", CASE WHEN w."orderingKey" = 'patient' THEN e."patientRef" END, 'pending', 0, now()
          FROM "WebhookEndpoint" w
          JOIN "Event" e ON e."tenantId" = w."tenantId"
         WHERE w."tenantId" = ${tenantId}::uuid AND w."id" = ${endpointId}::uuid
           AND e."position" IS NOT NULL
           AND e."occurredAt" >= ${range.since}
           AND (${range.until ?? null}::timestamptz IS NULL OR e."occurredAt" < ${range.until ?? null}::timestamptz)
           AND ('*' = ANY (w."eventTypes") OR e."type" = ANY (w."eventTypes"))
           AND (${types}::text[] IS NULL OR e."type" = ANY (${types}::text[]))
           AND (e."type" <> 'endpoint.test' OR e."data"->>'endpointId' = w."id"::text)
         ORDER BY e."position"
        ON CONFLICT ("endpointId", "eventId") DO UPDATE
           SET "status" = 'pending', "attempts" = 0, "nextAttemptAt" = now(), "leaseUntil" = NULL, "completedAt" = NULL
        RETURNING 1
      )
      SELECT count(*) AS n FROM scheduled`;
    return Number(rows[0]?.n ?? 0);
  }
}
