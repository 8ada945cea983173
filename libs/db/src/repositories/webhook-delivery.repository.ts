import { Injectable } from '@nestjs/common';
import { GroupCommit } from '../group-commit';
import { HotPathPool } from '../hot-path-pool';
import { PrismaService } from '../prisma.service';
import { decodePreviousSecrets, type PreviousWebhookSecret } from './webhook-endpoint.repository';

/**
 * Advisory lock keys (arbitrary constants, unique in this database) that make the
 * relay and the claim single-runner: a second worker's statement finds the lock held
 * and does nothing this round instead of waiting.
 */
export const WEBHOOK_RELAY_LOCK_KEY = 7_415_001n;
export const WEBHOOK_CLAIM_LOCK_KEY = 7_415_002n;

/** Event type the endpoints API delivers to one endpoint itself; the relay skips it. */
export const ENDPOINT_TEST_EVENT_TYPE = 'endpoint.test';
/** Notice recorded when an endpoint is disabled by delivery (`{ endpointId, reason }`). */
export const ENDPOINT_DISABLED_EVENT_TYPE = 'endpoint.disabled';

/** What one attempt needs: the delivery, its event and its endpoint. */
export interface WebhookDeliveryWork {
  id: string;
  tenantId: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  event: {
    id: string;
    type: string;
    version: number;
    occurredAt: Date;
    tenantId: string;
    connectionId: string | null;
    data: unknown;
    full: unknown;
  };
  endpoint: {
    id: string;
    url: string;
    status: 'enabled' | 'disabled';
    payload: 'thin' | 'full';
    secretSealed: string;
    /** Secrets retired by rotations, newest first, each with the end of its grace period (expired ones included). */
    previousSecrets: PreviousWebhookSecret[];
    failingSince: Date | null;
  };
}

/** How one attempt ended, decided by the deliverer. */
export type WebhookAttemptOutcome =
  | { kind: 'succeeded' }
  /** Retry at `nextAttemptAt`. */
  | { kind: 'retry'; nextAttemptAt: Date }
  /** Retries exhausted: a dead letter. */
  | { kind: 'exhausted' }
  /** HTTP 410: the receiver is gone; the endpoint is disabled. */
  | { kind: 'gone' };

export interface WebhookAttemptResult {
  statusCode: number | null;
  durationMs: number;
  /** A code (`timeout`, `connect_failed`, `target_not_allowed`, `http_500`, …), never a body. */
  error: string | null;
  /** The start of the receiver's answer, as the poster cut and cleaned it; null when none. */
  responseExcerpt: string | null;
  outcome: WebhookAttemptOutcome;
  /** Endpoints whose run of failures began before this are disabled (`failing`). */
  disableIfFailingSince: Date;
}

/**
 * Webhook deliveries: the relay from the outbox, the leased claim of due deliveries,
 * and the record of each attempt. The worker is the only caller.
 */
const FIND_WORK_STATEMENT = 'sb_webhook_find_work_v1';
/** What one attempt needs, from a delivery row `d` joined to its endpoint `w` and its event `e`. */
const WORK_COLUMNS = `d."id", d."tenantId", d."status", d."attempts",
         e."id" AS "eventId", e."type", e."version", e."occurredAt", e."connectionId", e."data", e."full",
         w."id" AS "endpointId", w."url", w."status" AS "endpointStatus", w."payload", w."secretSealed", w."previousSecretSealed", w."previousSecretUntil", w."failingSince"`;
const FIND_WORK_SQL = `
  SELECT ${WORK_COLUMNS}
  FROM "WebhookDelivery" d
  JOIN "WebhookEndpoint" w ON w."id" = d."endpointId"
  JOIN "Event" e ON e."id" = d."eventId" AND e."tenantId" = d."tenantId"
  WHERE d."id" = $1::uuid AND d."tenantId" = $2::uuid`;

interface WorkRow {
  id: string;
  tenantId: string;
  status: WebhookDeliveryWork['status'];
  attempts: number;
  eventId: string;
  type: string;
  version: number;
  occurredAt: Date;
  connectionId: string | null;
  data: unknown;
  full: unknown;
  endpointId: string;
  url: string;
  endpointStatus: WebhookDeliveryWork['endpoint']['status'];
  payload: WebhookDeliveryWork['endpoint']['payload'];
  secretSealed: string;
  previousSecretSealed: string | null;
  previousSecretUntil: Date | null;
  failingSince: Date | null;
}

const workOf = (row: WorkRow): WebhookDeliveryWork => ({
  id: row.id,
  tenantId: row.tenantId,
  status: row.status,
  attempts: row.attempts,
  event: { id: row.eventId, type: row.type, version: row.version, occurredAt: row.occurredAt, tenantId: row.tenantId, connectionId: row.connectionId, data: row.data, full: row.full },
  endpoint: {
    id: row.endpointId,
    url: row.url,
    status: row.endpointStatus,
    payload: row.payload,
    secretSealed: row.secretSealed,
    previousSecrets: decodePreviousSecrets(row.previousSecretSealed, row.previousSecretUntil),
    failingSince: row.failingSince,
  },
});

/** A successful attempt, recorded with others that finished at about the same time. */
interface Success {
  tenantId: string;
  deliveryId: string;
  endpointId: string;
  eventId: string;
  attemptedAt: Date;
  statusCode: number | null;
  durationMs: number;
  responseExcerpt: string | null;
}

const CLAIM_DUE_STATEMENT = 'sb_webhook_claim_due_v4';
/** Exported for the test that reads its plan (queue-claim-plans.int-spec.ts). */
export const WEBHOOK_CLAIM_DUE_SQL = `
  WITH RECURSIVE lock AS MATERIALIZED (SELECT pg_try_advisory_xact_lock($1::bigint) AS held),
  pending_endpoints AS (
    (SELECT d."endpointId" AS id FROM "WebhookDelivery" d
     WHERE (SELECT held FROM lock) AND d."status" = 'pending' ORDER BY d."endpointId" LIMIT 1)
    UNION ALL
    SELECT (SELECT d."endpointId" FROM "WebhookDelivery" d
            WHERE d."status" = 'pending' AND d."endpointId" > p.id ORDER BY d."endpointId" LIMIT 1)
    FROM pending_endpoints p WHERE p.id IS NOT NULL
  ),
  capacity AS (
    SELECT w."id" AS "endpointId", $2::int - (
             SELECT count(*)::int FROM "WebhookDelivery" f
             -- Only a pending delivery holds a lease. No status here: then only the index of leased rows
             -- matches, and the endpoint's backlog is never stepped over, whatever the statistics say.
             WHERE f."endpointId" = w."id" AND f."leaseUntil" > now()
           ) AS free
    FROM pending_endpoints p JOIN "WebhookEndpoint" w ON w."id" = p.id AND w."status" = 'enabled'
  ),
  ranked AS (
    SELECT c."id", c."nextAttemptAt", c.rn
    FROM capacity cap
    CROSS JOIN LATERAL (
      SELECT d."id", d."nextAttemptAt", row_number() OVER (ORDER BY d."nextAttemptAt", d."seq") AS rn
      FROM "WebhookDelivery" d
      WHERE d."endpointId" = cap."endpointId" AND d."status" = 'pending' AND d."nextAttemptAt" <= now()
        AND (d."leaseUntil" IS NULL OR d."leaseUntil" <= now())
        AND (d."orderingKey" IS NULL OR NOT EXISTS (
              SELECT 1 FROM "WebhookDelivery" o
              WHERE o."endpointId" = d."endpointId" AND o."orderingKey" = d."orderingKey"
                AND o."status" = 'pending' AND o."seq" < d."seq"))
      ORDER BY d."nextAttemptAt", d."seq"
      LIMIT greatest(cap.free, 0)
    ) c
  ),
  chosen AS (SELECT "id" FROM ranked ORDER BY rn, "nextAttemptAt" LIMIT $3::int),
  claimed AS (
    -- Each chosen row through the primary key. The status is compared as text so that no index over
    -- pending rows alone matches: with statistics taken before a backlog grew (a hanging endpoint's),
    -- the planner took one of them as "a few rows" and walked every pending delivery per claim.
    UPDATE "WebhookDelivery" d SET "leaseUntil" = now() + $4::int * interval '1 millisecond'
    FROM chosen WHERE d."id" = chosen."id" AND d."status"::text = 'pending' AND (d."leaseUntil" IS NULL OR d."leaseUntil" <= now())
    RETURNING d.*
  )
  -- Each claimed delivery comes back with what its attempt needs: no second statement per delivery.
  SELECT ${WORK_COLUMNS}
  FROM claimed d
  JOIN "WebhookEndpoint" w ON w."id" = d."endpointId"
  JOIN "Event" e ON e."id" = d."eventId" AND e."tenantId" = d."tenantId"`;

/**
 * Once a delivery with an ordering key is done (succeeded, or failed for good), the next pending one of its key is due
 * at once: {@link PUSH_BEHIND_SQL} may have moved it to a retry that no longer comes. For the deliveries in `a`
 * (`deliveryId`, `tenantId`) that `filter` keeps: by primary key after one index descent each; it writes only a row
 * moved into the future. Never a row the statement updates otherwise — one of `a`'s own (its outcome decides) or one
 * that `skip` names (a subquery of ids: what the statement's push moves) — since PostgreSQL keeps only one of two
 * updates of a row in one statement.
 */
const promoteNextSql = (filter: string, skip?: string) => `
    UPDATE "WebhookDelivery" n SET "nextAttemptAt" = now()
    FROM (
      SELECT next."id" FROM a
      JOIN "WebhookDelivery" s ON s."id" = a."deliveryId" AND s."tenantId" = a."tenantId"
      CROSS JOIN LATERAL (
        SELECT o."id" FROM "WebhookDelivery" o
        WHERE o."endpointId" = s."endpointId" AND o."orderingKey" = s."orderingKey" AND o."status" = 'pending' AND o."seq" > s."seq"
        ORDER BY o."seq" LIMIT 1
      ) next
      WHERE s."orderingKey" IS NOT NULL AND ${filter}
    ) promote
    WHERE n."id" = promote."id" AND n."nextAttemptAt" > now()
      AND NOT EXISTS (SELECT 1 FROM a x WHERE x."deliveryId" = promote."id")${skip ? `
      AND promote."id" NOT IN (${skip})` : ''}`;

/**
 * Deliveries moved per retried delivery and statement, at most: a wave of timeouts on an endpoint ordered by patient
 * moves this many behind each, in the statement that records the wave (beyond it, a key's deliveries stay due and the
 * claim reads and skips them while the head waits, as before this was done).
 */
export const WEBHOOK_PUSH_BEHIND_LIMIT = 500;

/**
 * When a delivery with an ordering key is to be retried, the pending ones behind it in its key are not due before then
 * either (the claim would skip them while it waits): their next attempt moves there too, so a claim does not read a
 * backlog stuck behind retrying deliveries (a receiver down for days, ordered by patient, has its whole backlog there).
 * The relay gives a delivery made behind a waiting one the same time. For the retries in `a`; never one of `a`'s own
 * deliveries (see {@link promoteNextSql}).
 */
const PUSH_BEHIND_SQL = `
    UPDATE "WebhookDelivery" n SET "nextAttemptAt" = behind."at"
    FROM (
      SELECT o."id", a."nextAttemptAt" AS "at" FROM a
      JOIN "WebhookDelivery" s ON s."id" = a."deliveryId" AND s."tenantId" = a."tenantId"
      CROSS JOIN LATERAL (
        SELECT o."id" FROM "WebhookDelivery" o
        WHERE o."endpointId" = s."endpointId" AND o."orderingKey" = s."orderingKey" AND o."status" = 'pending' AND o."seq" > s."seq"
          AND o."nextAttemptAt" < a."nextAttemptAt"
          AND NOT EXISTS (SELECT 1 FROM a x WHERE x."deliveryId" = o."id")
        ORDER BY o."seq" LIMIT ${WEBHOOK_PUSH_BEHIND_LIMIT}
      ) o
      WHERE a."kind" = 'retry' AND s."orderingKey" IS NOT NULL
    ) behind
    WHERE n."id" = behind."id"
    RETURNING n."id"`;

const ABANDON_STATEMENT = 'sb_webhook_abandon_v1';
/** Once per delivery of a disabled endpoint's backlog: by primary key, the status as text, never through the backlog (see retryNow). */
const ABANDON_SQL = `
  WITH a AS (SELECT $1::uuid AS "deliveryId", $2::uuid AS "tenantId"),
  abandoned AS (
    UPDATE "WebhookDelivery" SET "status" = 'failed', "lastError" = $3::text, "leaseUntil" = NULL, "completedAt" = now()
    WHERE "id" = $1::uuid AND "tenantId" = $2::uuid AND "status"::text = 'pending'
    RETURNING "id"
  ), promoted AS (${promoteNextSql('EXISTS (SELECT 1 FROM abandoned)')}
  )
  SELECT count(*)::int AS "abandoned" FROM abandoned`;

const RECORD_SUCCESSES_STATEMENT = 'sb_webhook_record_successes_v3';
/** The attempt rows, the deliveries succeeded (lease released), and their endpoints healthy again: one statement. */
const RECORD_SUCCESSES_SQL = `
  WITH a AS (
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::timestamptz[], $6::int[], $7::int[], $8::text[])
      AS a("tenantId", "deliveryId", "endpointId", "eventId", "attemptedAt", "statusCode", "durationMs", "responseExcerpt")
  ), attempts AS (
    INSERT INTO "WebhookAttempt" ("id", "tenantId", "deliveryId", "endpointId", "eventId", "attemptedAt", "statusCode", "durationMs", "error", "responseExcerpt")
    SELECT gen_random_uuid(), a."tenantId", a."deliveryId", a."endpointId", a."eventId", a."attemptedAt", a."statusCode", a."durationMs", NULL, a."responseExcerpt" FROM a
  ), deliveries AS (
    UPDATE "WebhookDelivery" d
    SET "status" = 'succeeded', "attempts" = d."attempts" + 1, "leaseUntil" = NULL, "lastStatusCode" = a."statusCode", "lastError" = NULL, "completedAt" = a."attemptedAt"
    FROM a WHERE d."id" = a."deliveryId" AND d."tenantId" = a."tenantId"
  ), promoted AS (${promoteNextSql('true')}
  )
  UPDATE "WebhookEndpoint" w SET "failingSince" = NULL, "updatedAt" = now()
  FROM (SELECT DISTINCT "endpointId", "tenantId" FROM a) e
  WHERE w."id" = e."endpointId" AND w."tenantId" = e."tenantId" AND w."failingSince" IS NOT NULL`;

const RECORD_FAILURES_STATEMENT = 'sb_webhook_record_failures_v2';
/**
 * The attempt rows; the deliveries back to pending at their retry time or failed for good (lease released), with the
 * ones behind them in their ordering key moved or brought forward; each endpoint failing since now unless it already
 * was; and an endpoint disabled, with its `endpoint.disabled` notice, on 410 (`gone`) or when it has been failing since
 * before its attempt's `disableIfFailingSince`: one statement.
 */
const RECORD_FAILURES_SQL = `
  WITH a AS (
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::timestamptz[], $6::int[], $7::int[], $8::text[], $9::text[],
                         $10::text[], $11::timestamptz[], $12::timestamptz[])
      AS a("tenantId", "deliveryId", "endpointId", "eventId", "attemptedAt", "statusCode", "durationMs", "error", "responseExcerpt",
           "kind", "nextAttemptAt", "disableIfFailingSince")
  ), attempts AS (
    INSERT INTO "WebhookAttempt" ("id", "tenantId", "deliveryId", "endpointId", "eventId", "attemptedAt", "statusCode", "durationMs", "error", "responseExcerpt")
    SELECT gen_random_uuid(), a."tenantId", a."deliveryId", a."endpointId", a."eventId", a."attemptedAt", a."statusCode", a."durationMs", a."error", a."responseExcerpt" FROM a
  ), deliveries AS (
    UPDATE "WebhookDelivery" d
    SET "status" = CASE WHEN a."kind" = 'retry' THEN 'pending' ELSE 'failed' END::"WebhookDeliveryStatus",
        "attempts" = d."attempts" + 1, "leaseUntil" = NULL, "lastStatusCode" = a."statusCode", "lastError" = a."error",
        "nextAttemptAt" = CASE WHEN a."kind" = 'retry' THEN a."nextAttemptAt" ELSE d."nextAttemptAt" END,
        "completedAt" = CASE WHEN a."kind" = 'retry' THEN d."completedAt" ELSE a."attemptedAt" END
    FROM a WHERE d."id" = a."deliveryId" AND d."tenantId" = a."tenantId"
  ), pushed AS (${PUSH_BEHIND_SQL}
  ), promoted AS (${promoteNextSql(`a."kind" <> 'retry'`, 'SELECT "id" FROM pushed')}
  ), endpoints AS (
    SELECT "endpointId", "tenantId", bool_or("kind" = 'gone') AS "gone", max("disableIfFailingSince") AS "failingCutoff" FROM a GROUP BY 1, 2
  ), disabled AS (
    UPDATE "WebhookEndpoint" w
    SET "status" = 'disabled', "disabledReason" = CASE WHEN e."gone" THEN 'gone' ELSE 'failing' END,
        "failingSince" = coalesce(w."failingSince", now()), "updatedAt" = now()
    FROM endpoints e
    WHERE w."id" = e."endpointId" AND w."tenantId" = e."tenantId" AND w."status" = 'enabled' AND (e."gone" OR w."failingSince" < e."failingCutoff")
    RETURNING w."id", w."tenantId", w."disabledReason"
  ), failing AS (
    UPDATE "WebhookEndpoint" w SET "failingSince" = now(), "updatedAt" = now()
    FROM endpoints e
    WHERE w."id" = e."endpointId" AND w."tenantId" = e."tenantId" AND w."failingSince" IS NULL
      AND NOT EXISTS (SELECT 1 FROM disabled x WHERE x."id" = w."id")
  )
  INSERT INTO "Event" ("id", "tenantId", "type", "version", "data")
  SELECT gen_random_uuid(), "tenantId", '${ENDPOINT_DISABLED_EVENT_TYPE}', 1, jsonb_build_object('endpointId', "id", 'reason', "disabledReason")
  FROM disabled`;

/** A failed attempt, recorded with others that finished at about the same time. */
interface Failure extends Success {
  error: string | null;
  kind: Exclude<WebhookAttemptOutcome['kind'], 'succeeded'>;
  nextAttemptAt: Date | null;
  disableIfFailingSince: Date;
}

@Injectable()
export class WebhookDeliveryRepository {
  /** Successes are the common case at volume: group-committed, each caller returning once its batch committed. */
  private readonly successes = new GroupCommit<Success>(async (items) => {
    const column = <K extends keyof Success>(key: K) => items.map((i) => i[key]);
    await this.pool.query(RECORD_SUCCESSES_STATEMENT, RECORD_SUCCESSES_SQL, [
      column('tenantId'), column('deliveryId'), column('endpointId'), column('eventId'), column('attemptedAt'), column('statusCode'), column('durationMs'), column('responseExcerpt'),
    ]);
  });

  /**
   * Failures come in waves (a receiver that hangs times out every attempt it holds at once): group-committed the same
   * way, one statement for a wave instead of a transaction of several per attempt on the worker's event loop.
   */
  private readonly failures = new GroupCommit<Failure>(async (items) => {
    const column = <K extends keyof Failure>(key: K) => items.map((i) => i[key]);
    await this.pool.query(RECORD_FAILURES_STATEMENT, RECORD_FAILURES_SQL, [
      column('tenantId'), column('deliveryId'), column('endpointId'), column('eventId'), column('attemptedAt'), column('statusCode'), column('durationMs'), column('error'),
      column('responseExcerpt'), column('kind'), column('nextAttemptAt'), column('disableIfFailingSince'),
    ]);
  });

  constructor(
    private readonly prisma: PrismaService,
    private readonly pool: HotPathPool,
  ) {}

  /**
   * Relays up to `limit` committed events: gives each a feed `position`, marks it
   * relayed and creates its deliveries (one per enabled endpoint of the event's tenant
   * subscribed to its type or `*`). Returns the new delivery ids. One autocommit
   * statement, so an event is relayed and its deliveries exist together or not at all.
   *
   * Why `position` and not `seq`: `seq` is drawn at INSERT, but transactions commit in
   * another order, so a reader paging by `seq` could pass seq 7 while seq 6 is still
   * uncommitted and never see 6; and rolled-back inserts leave holes in `seq`. The
   * relay only sees committed rows, and only one relay runs at a time (the advisory
   * lock, held until this statement commits), so each run numbers the events it found
   * from the previous maximum on: positions increase in the order events became
   * visible, with no gaps, and an event committed late gets a position after every one
   * already handed out — a feed cursor never skips it. (Should a second relay still
   * race past the lock with a stale snapshot, the unique index on `position` fails its
   * statement, which changes nothing and is retried.)
   */
  async relay(limit: number): Promise<string[]> {
    const rows = await this.pool.sql<{ id: string }>('sb_webhook_relay_v2')`
      WITH lock AS MATERIALIZED (SELECT pg_try_advisory_xact_lock(${WEBHOOK_RELAY_LOCK_KEY}::bigint) AS held),
      picked AS MATERIALIZED (
        SELECT e."id", e."seq" FROM "Event" e
        WHERE (SELECT held FROM lock) AND e."relayedAt" IS NULL
        ORDER BY e."seq"
        LIMIT ${limit}::int
        FOR UPDATE OF e
      ),
      base AS (SELECT coalesce(max("position"), 0) AS p FROM "Event"),
      numbered AS (
        SELECT picked."id", (SELECT p FROM base) + row_number() OVER (ORDER BY picked."seq") AS position FROM picked
      ),
      relayed AS (
        UPDATE "Event" e SET "position" = n.position, "relayedAt" = now()
        FROM numbered n WHERE e."id" = n."id"
        RETURNING e."id", e."tenantId", e."type", e."patientRef", e."position"
      ),
      inserted AS (
        INSERT INTO "WebhookDelivery" ("id", "tenantId", "endpointId", "eventId", "orderingKey", "nextAttemptAt")
        SELECT gen_random_uuid(), r."tenantId", w."id", r."id", k."key",
               -- Not due before the oldest pending delivery of its ordering key (a retry it waits for): see recordAttempt.
               CASE WHEN k."key" IS NULL THEN now() ELSE greatest(now(), (
                 SELECT h."nextAttemptAt" FROM "WebhookDelivery" h
                 WHERE h."endpointId" = w."id" AND h."orderingKey" = k."key" AND h."status" = 'pending'
                 ORDER BY h."seq" LIMIT 1)) END
        FROM relayed r
        JOIN "WebhookEndpoint" w ON w."tenantId" = r."tenantId" AND w."status" = 'enabled'
             AND (r."type" = ANY (w."eventTypes") OR '*' = ANY (w."eventTypes"))
        CROSS JOIN LATERAL (SELECT CASE WHEN w."orderingKey" = 'patient' THEN r."patientRef" END AS "key") k
        WHERE r."type" <> ${ENDPOINT_TEST_EVENT_TYPE}
        -- Delivery seq follows feed order: the claim's "oldest per ordering key" is by seq.
        ORDER BY r."position", w."id"
        ON CONFLICT ("endpointId", "eventId") DO NOTHING
        RETURNING "id"
      )
      SELECT "id"::text AS "id" FROM inserted`;
    return rows.map((r) => r.id);
  }

  /**
   * Leases up to `limit` due deliveries for `leaseMs` and returns each with what its attempt
   * needs (as {@link findWork} reads it). Due: pending,
   * `nextAttemptAt` passed, no live lease, endpoint enabled; with an ordering key, only
   * the oldest pending delivery of its (endpoint, key), so a failing event holds back
   * its own key and nothing else. Each endpoint gets at most `maxInFlightPerEndpoint`
   * leased deliveries at once (counting those already in flight), and the first slot of
   * every endpoint is handed out before anyone's second: a slow endpoint cannot take
   * every worker slot. Within an endpoint, the longest due goes first (then by seq).
   * A crashed worker's leases expire and are claimed again.
   *
   * Cost: one index descent per endpoint with pending deliveries (a skip scan of the
   * pending indexes), then its leases in flight and the due rows read until it has its
   * free slots filled. An endpoint at its cap is not read further, so a hanging endpoint's
   * backlog costs every claim only its count of leases. Behind a head (a patient's oldest)
   * that waits for a retry, the rows are not due before it (see {@link PUSH_BEHIND_SQL}), so
   * they are not read either. Still read and skipped one by one: the due rows behind heads
   * that are in flight, while the endpoint has fewer in flight than its cap.
   */
  async claimDue(limit: number, leaseMs: number, maxInFlightPerEndpoint: number): Promise<WebhookDeliveryWork[]> {
    const rows = await this.pool.query<WorkRow>(CLAIM_DUE_STATEMENT, WEBHOOK_CLAIM_DUE_SQL, [WEBHOOK_CLAIM_LOCK_KEY, maxInFlightPerEndpoint, limit, leaseMs]);
    return rows.map(workOf);
  }

  /** The delivery with its event and endpoint, within the tenant; null when unknown. One prepared statement. */
  async findWork(tenantId: string, deliveryId: string): Promise<WebhookDeliveryWork | null> {
    const [row] = await this.pool.query<WorkRow>(FIND_WORK_STATEMENT, FIND_WORK_SQL, [deliveryId, tenantId]);
    return row ? workOf(row) : null;
  }

  /** Brings a pending delivery's next attempt forward to now ("retry now"); false when it is not pending. */
  async retryNow(tenantId: string, deliveryId: string): Promise<boolean> {
    // By primary key, the status as text: see the claim's update (an index over pending rows alone walked the backlog).
    const count = await this.prisma.$executeRaw`
      UPDATE "WebhookDelivery" SET "nextAttemptAt" = now()
      WHERE "id" = ${deliveryId}::uuid AND "tenantId" = ${tenantId}::uuid AND "status"::text = 'pending'`;
    return count > 0;
  }

  /** Marks a delivery whose endpoint was disabled meanwhile as a dead letter (no attempt made); the next of its ordering key is due. */
  async abandon(tenantId: string, deliveryId: string, reason: string): Promise<void> {
    await this.pool.query(ABANDON_STATEMENT, ABANDON_SQL, [deliveryId, tenantId, reason]);
  }

  /**
   * Records one attempt and its consequences in one statement (group-committed with the
   * attempts that finished at about the same time; returns once it committed): the attempt
   * row, the delivery's new state (lease released) and its ordering key's next, and the
   * endpoint's health — a success clears `failingSince`; a failure starts it; 410, or
   * failures running since before `disableIfFailingSince`, disable the endpoint and record
   * an `endpoint.disabled` event.
   */
  async recordAttempt(tenantId: string, deliveryId: string, endpointId: string, eventId: string, result: WebhookAttemptResult): Promise<void> {
    const { outcome } = result;
    const now = new Date();
    if (outcome.kind === 'succeeded') {
      return this.successes.submit({ tenantId, deliveryId, endpointId, eventId, attemptedAt: now, statusCode: result.statusCode, durationMs: result.durationMs, responseExcerpt: result.responseExcerpt });
    }
    return this.failures.submit({
      tenantId, deliveryId, endpointId, eventId, attemptedAt: now, statusCode: result.statusCode, durationMs: result.durationMs, responseExcerpt: result.responseExcerpt,
      error: result.error, kind: outcome.kind, nextAttemptAt: outcome.kind === 'retry' ? outcome.nextAttemptAt : null, disableIfFailingSince: result.disableIfFailingSince,
    });
  }
}
