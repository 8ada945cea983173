import type { TestingModule } from '@nestjs/testing';
import { seal } from '@sb/auth';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { Database, EventRepository, PrismaService, WebhookDeliveryRepository, WebhookEndpointRepository, type NewEvent } from '@sb/db';
import { LOCAL_DEVELOPMENT_TARGETS, PUBLIC_ONLY_TARGETS } from '@sb/net';
import { QueueModule } from '@sb/queue';
import { ConnectionsModule } from '@sb/connections';
import { createTestingApp, deleteRedisKeys, Fixtures, testRedisPrefix } from '@sb/testing';
import { TenancyModule } from '@sb/tenancy';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { PREVIOUS_SECRET_GRACE_MS, WebhookEndpointService, WebhookEndpointsModule } from '../endpoints';
import { WebhookDeliverer } from './webhook-deliverer';
import { WebhookDeliveryModule } from './webhook-delivery.module';
import { WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT, WebhookPoster } from './webhook-http';
import { WebhookRelay } from './webhook-relay';
import { WEBHOOK_MAX_ATTEMPTS } from './webhook-retry';

interface Received {
  /** The request's path and query. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: { id: string; type: string; data: Record<string, unknown> } & Record<string, unknown>;
  verified: boolean;
}

/** A real receiver: verifies every request with the reference `standardwebhooks` library, answers with `respond`. */
class Receiver {
  readonly received: Received[] = [];
  private server!: Server;
  url = '';
  verifier: Webhook;
  respond: (r: Received, res: ServerResponse) => void = (_r, res) => res.writeHead(204).end();

  constructor(readonly secret: string) {
    this.verifier = new Webhook(secret);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let verified = true;
        try {
          this.verifier.verify(body, req.headers as Record<string, string>);
        } catch {
          verified = false;
        }
        const r: Received = { path: req.url ?? '', headers: req.headers, body, json: JSON.parse(body) as Received['json'], verified };
        this.received.push(r);
        this.respond(r, res);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${String((this.server.address() as AddressInfo).port)}/hook`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;
/** Whether one of the request's signatures is by `secret` (computed here by hand, independently of the signer). */
const signedWith = (r: Received, secret: string): boolean => {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${String(r.headers['webhook-id'])}.${String(r.headers['webhook-timestamp'])}.${r.body}`).digest('base64');
  return String(r.headers['webhook-signature']).split(' ').includes(`v1,${expected}`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('webhook delivery: relay, signed delivery, retries, ordering, isolation (real Postgres and Redis)', () => {
  let app: TestingModule;
  let config: AppConfig;
  let relay: WebhookRelay;
  let deliverer: WebhookDeliverer;
  let deliveries: WebhookDeliveryRepository;
  let endpoints: WebhookEndpointRepository;
  let events: EventRepository;
  let service: WebhookEndpointService;
  let db: Database;
  let fixtures: Fixtures;
  const receivers: Receiver[] = [];
  const prefix = testRedisPrefix('webhook-delivery-int');

  const receiver = async (secret = newSecret()) => {
    const r = await new Receiver(secret).start();
    receivers.push(r);
    return r;
  };
  const newEndpoint = async (tenantId: string, r: Receiver, input: { url?: string; eventTypes?: string[]; payload?: 'thin' | 'full'; orderingKey?: 'none' | 'patient' } = {}) => {
    const id = randomUUID();
    return endpoints.create(tenantId, {
      id,
      url: input.url ?? r.url,
      eventTypes: input.eventTypes ?? ['*'],
      payload: input.payload,
      orderingKey: input.orderingKey,
      secretSealed: seal(config.vaultMasterKey, r.secret, `webhook-secret:${id}`),
    });
  };
  const emit = (tenantId: string, list: Partial<NewEvent>[]) =>
    db.transaction((tx) =>
      events.append(
        tx,
        list.map((e) => ({ tenantId, connectionId: null, type: 'patient.admitted', version: 1, data: {}, ...e })),
      ),
    );
  /** Runs relay rounds (the worker's loop, driven by the test) until `done` holds. */
  const pump = async (done: () => boolean | Promise<boolean>, timeoutMs = 10_000) => {
    const until = Date.now() + timeoutMs;
    while (!(await Promise.resolve().then(done).catch(() => false))) {
      if (Date.now() > until) throw new Error('condition not reached in time');
      await relay.step();
      await sleep(20);
    }
  };
  const deliveryOf = async (tenantId: string, endpointId: string, eventId: string) => {
    const d = (await endpoints.listDeliveries(tenantId, endpointId, { limit: 1000 })).find((x) => x.eventId === eventId);
    if (!d) throw new Error('no delivery');
    return d;
  };

  beforeAll(async () => {
    app = await createTestingApp([QueueModule, TenancyModule, ConnectionsModule, WebhookDeliveryModule, WebhookEndpointsModule], {
      SB_REDIS_PREFIX: prefix,
      SB_ALLOW_PRIVATE_TARGETS: 'true',
    });
    config = app.get(APP_CONFIG);
    relay = app.get(WebhookRelay);
    deliverer = app.get(WebhookDeliverer);
    deliveries = app.get(WebhookDeliveryRepository);
    endpoints = app.get(WebhookEndpointRepository);
    events = app.get(EventRepository);
    service = app.get(WebhookEndpointService);
    db = app.get(Database);
    fixtures = new Fixtures(app);
  });

  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.stop()));
    await app.close();
    await deleteRedisKeys(prefix);
  });

  it('delivers the signed envelope to subscribed endpoints (thin and full), verifiable by standardwebhooks; test events are not relayed', async () => {
    const { tenant, echo } = await fixtures.newTenant();
    const [thinR, fullR, otherR] = await Promise.all([receiver(), receiver(), receiver()]);
    await newEndpoint(tenant.id, thinR, { eventTypes: ['patient.admitted'] });
    await newEndpoint(tenant.id, fullR, { eventTypes: ['*'], payload: 'full' });
    await newEndpoint(tenant.id, otherR, { eventTypes: ['result.received'] });
    const [id] = await emit(tenant.id, [
      { connectionId: echo.id, data: { patient: 'Patient/p1', encounter: 'Encounter/e1' }, full: { patientResource: { resourceType: 'Patient', id: 'p1' } }, patientRef: 'Patient/p1' },
      { type: 'endpoint.test', data: {} },
    ]);
    await pump(() => thinR.received.length === 1 && fullR.received.length === 1);
    await sleep(200);
    await relay.step();
    expect(otherR.received).toHaveLength(0);
    expect(thinR.received).toHaveLength(1);

    const thin = thinR.received[0];
    expect(thin?.verified).toBe(true);
    expect(thin?.headers['webhook-id']).toBe(id);
    expect(Math.abs(Number(thin?.headers['webhook-timestamp']) - Date.now() / 1_000)).toBeLessThan(30);
    expect(thin?.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const event = await events.find(tenant.id, id ?? '');
    expect(thin?.json).toEqual({
      id,
      type: 'patient.admitted',
      version: 1,
      timestamp: event?.timestamp.toISOString(),
      tenantId: tenant.id,
      connectionId: echo.id,
      data: { patient: 'Patient/p1', encounter: 'Encounter/e1' },
    });
    expect(fullR.received[0]?.verified).toBe(true);
    expect(fullR.received[0]?.json.data).toEqual({ patient: 'Patient/p1', encounter: 'Encounter/e1', patientResource: { resourceType: 'Patient', id: 'p1' } });
  });

  it('retries a failing receiver: three attempts with the same webhook-id, the third succeeds, and the endpoint is healthy again', async () => {
    const { tenant } = await fixtures.newTenant();
    const r = await receiver();
    let calls = 0;
    r.respond = (_req, res) => res.writeHead(++calls <= 2 ? 500 : 200).end('ok');
    const endpoint = await newEndpoint(tenant.id, r);
    const [eventId = ''] = await emit(tenant.id, [{ data: { n: 1 } }]);

    for (const attempt of [1, 2, 3]) {
      await pump(() => r.received.length === attempt);
      await pump(async () => (await deliveryOf(tenant.id, endpoint.id, eventId)).attempts === attempt);
      const d = await deliveryOf(tenant.id, endpoint.id, eventId);
      if (attempt < 3) {
        expect(d).toMatchObject({ status: 'pending', lastStatusCode: 500, lastError: 'http_500' });
        // The schedule's first steps are 5 s and 30 s (±20 %); the test brings them forward.
        expect(d.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 2_000);
        expect((await endpoints.find(tenant.id, endpoint.id))?.failingSince).not.toBeNull();
        expect(await deliveries.retryNow(tenant.id, d.id)).toBe(true);
      } else {
        expect(d).toMatchObject({ status: 'succeeded', attempts: 3, lastStatusCode: 200 });
      }
    }
    expect(new Set(r.received.map((x) => x.headers['webhook-id']))).toEqual(new Set([eventId]));
    expect(r.received.every((x) => x.verified)).toBe(true);
    const attempts = await endpoints.listAttempts(tenant.id, endpoint.id, { limit: 10 });
    expect(attempts.map((a) => a.statusCode)).toEqual([200, 500, 500]);
    expect(attempts.every((a) => a.eventId === eventId && a.durationMs >= 0)).toBe(true);
    expect((await endpoints.find(tenant.id, endpoint.id))?.failingSince).toBeNull();
  });

  it('disables the endpoint on 410 (reason gone), fails the delivery and records an endpoint.disabled event', async () => {
    const { tenant } = await fixtures.newTenant();
    const r = await receiver();
    r.respond = (_req, res) => res.writeHead(410).end();
    const endpoint = await newEndpoint(tenant.id, r, { eventTypes: ['patient.admitted'] });
    const [eventId = ''] = await emit(tenant.id, [{}]);
    await pump(async () => (await deliveryOf(tenant.id, endpoint.id, eventId)).status === 'failed');
    expect(await endpoints.find(tenant.id, endpoint.id)).toMatchObject({ status: 'disabled', disabledReason: 'gone' });
    const notice = (await events.recent(tenant.id, 10)).find((e) => e.type === 'endpoint.disabled');
    expect(notice?.data).toEqual({ endpointId: endpoint.id, reason: 'gone' });
  });

  it('records attempts that finish together in one statement: each its own outcome (two of one ordering key too, the one behind them moved or brought forward), endpoints failing, disabled once with a notice', async () => {
    const { tenant } = await fixtures.newTenant();
    const r = await receiver();
    const ordered = await newEndpoint(tenant.id, r, { eventTypes: ['patient.admitted'], orderingKey: 'patient' });
    const plain = await newEndpoint(tenant.id, r, { eventTypes: ['patient.admitted'] });
    // Events neither endpoint subscribes to, and deliveries made here, due in an hour: no worker claims them meanwhile.
    const eventIds = await emit(tenant.id, Array.from({ length: 7 }, () => ({ type: 'patient.updated' })));
    const prisma = app.get(PrismaService);
    const deliveryFor = async (endpointId: string, eventId: string, key: string | null) => {
      const [row] = await prisma.$queryRaw<{ id: string }[]>`
        INSERT INTO "WebhookDelivery" ("id", "tenantId", "endpointId", "eventId", "orderingKey", "nextAttemptAt")
        VALUES (gen_random_uuid(), ${tenant.id}::uuid, ${endpointId}::uuid, ${eventId}::uuid, ${key}, now() + interval '1 hour') RETURNING "id"::text`;
      return { id: row?.id ?? '', endpointId, eventId };
    };
    // k0 is the patient's oldest and stays pending, due in an hour: no worker can claim k1–k4 while it does.
    const [, k1, k2, k3, k4] = [
      await deliveryFor(ordered.id, eventIds[0] ?? '', 'Patient/1'),
      await deliveryFor(ordered.id, eventIds[1] ?? '', 'Patient/1'),
      await deliveryFor(ordered.id, eventIds[2] ?? '', 'Patient/1'),
      await deliveryFor(ordered.id, eventIds[3] ?? '', 'Patient/1'),
      await deliveryFor(ordered.id, eventIds[4] ?? '', 'Patient/1'),
    ];
    const [u1, u2] = [await deliveryFor(plain.id, eventIds[5] ?? '', null), await deliveryFor(plain.id, eventIds[6] ?? '', null)];
    type Outcome = Parameters<WebhookDeliveryRepository['recordAttempt']>[4]['outcome'];
    const DAY_MS = 86_400_000;
    const HOUR_MS = 3_600_000;
    const record = (d: typeof k1, outcome: Outcome, statusCode = 503) =>
      deliveries.recordAttempt(tenant.id, d.id, d.endpointId, d.eventId, {
        statusCode, durationMs: 5, error: statusCode === 200 ? null : `http_${statusCode}`, responseExcerpt: null, outcome, disableIfFailingSince: new Date(Date.now() - 5 * DAY_MS),
      });
    const state = async (d: typeof k1) => deliveryOf(tenant.id, d.endpointId, d.eventId);
    const [retryAt, laterStill, later3] = [2, 3, 4].map((h) => new Date(Date.now() + h * HOUR_MS)) as [Date, Date, Date];
    await prisma.$executeRaw`UPDATE "WebhookEndpoint" SET "failingSince" = now() - interval '6 days' WHERE "id" = ${plain.id}::uuid`;
    const sixDaysAgo = (await endpoints.find(tenant.id, plain.id))?.failingSince;
    // Calls made together are recorded in one statement (GroupCommit). Two of one patient in flight at once happens
    // when a replay puts an older delivery back while the next is attempted.

    // Failures together: two of one patient, and one for an endpoint failing for six days.
    await Promise.all([record(k1, { kind: 'retry', nextAttemptAt: retryAt }), record(k2, { kind: 'retry', nextAttemptAt: retryAt }), record(u1, { kind: 'retry', nextAttemptAt: retryAt })]);
    for (const d of [k1, k2, u1]) expect(await state(d)).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 503, lastError: 'http_503', nextAttemptAt: retryAt });
    for (const d of [k3, k4]) expect(await state(d)).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: retryAt }); // wait with them
    const orderedNow = await endpoints.find(tenant.id, ordered.id);
    expect(orderedNow?.status).toBe('enabled');
    expect(orderedNow?.failingSince).not.toBeNull();
    expect(await endpoints.find(tenant.id, plain.id)).toMatchObject({ status: 'disabled', disabledReason: 'failing', failingSince: sixDaysAgo });

    // Retried, and the next failed for good, together: the ones behind them wait for that retry (not brought forward).
    await Promise.all([record(k1, { kind: 'retry', nextAttemptAt: laterStill }), record(k2, { kind: 'exhausted' })]);
    expect(await state(k1)).toMatchObject({ status: 'pending', attempts: 2, nextAttemptAt: laterStill });
    expect(await state(k2)).toMatchObject({ status: 'failed', attempts: 2 });
    for (const d of [k3, k4]) expect(await state(d)).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: laterStill });

    // Failed for good, and the next retried, together: that one keeps its own retry, the one behind it waits for it.
    await Promise.all([record(k1, { kind: 'exhausted' }), record(k3, { kind: 'retry', nextAttemptAt: later3 })]);
    expect(await state(k1)).toMatchObject({ status: 'failed', attempts: 3 });
    expect(await state(k3)).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: later3 });
    expect(await state(k4)).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: later3 });

    // Delivered: the one behind it is due now, not at that retry.
    await record(k3, { kind: 'succeeded' }, 200);
    expect(await state(k3)).toMatchObject({ status: 'succeeded', attempts: 2, lastStatusCode: 200 });
    expect((await state(k4)).nextAttemptAt.getTime()).toBeLessThan(Date.now() + HOUR_MS);
    expect((await endpoints.find(tenant.id, ordered.id))?.failingSince).toBeNull();

    // A 410 and an exhausted retry together: both failed for good, the endpoint disabled once.
    await Promise.all([record(k4, { kind: 'gone' }, 410), record(u2, { kind: 'exhausted' })]);
    expect(await state(k4)).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: 410 });
    expect(await state(u2)).toMatchObject({ status: 'failed', attempts: 1 });
    expect(await endpoints.find(tenant.id, ordered.id)).toMatchObject({ status: 'disabled', disabledReason: 'gone' });
    const notices = (await events.recent(tenant.id, 20)).filter((e) => e.type === 'endpoint.disabled').map((e) => e.data);
    expect(notices).toHaveLength(2);
    expect(notices).toEqual(expect.arrayContaining([{ endpointId: plain.id, reason: 'failing' }, { endpointId: ordered.id, reason: 'gone' }]));
  });

  it('honours Retry-After when it asks for longer than the schedule', async () => {
    const { tenant } = await fixtures.newTenant();
    const r = await receiver();
    r.respond = (_req, res) => res.writeHead(503, { 'retry-after': '3600' }).end();
    const endpoint = await newEndpoint(tenant.id, r);
    const [eventId = ''] = await emit(tenant.id, [{}]);
    const before = Date.now();
    await pump(async () => (await deliveryOf(tenant.id, endpoint.id, eventId)).attempts === 1);
    const d = await deliveryOf(tenant.id, endpoint.id, eventId);
    expect(d.status).toBe('pending');
    expect(d.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(before + 3_600_000 - 1_000);
    expect(d.nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now() + 3_600_000 + 1_000);
  });

  it('disables an endpoint failing for more than 5 days (reason failing) with a notice', async () => {
    const { tenant } = await fixtures.newTenant();
    const r = await receiver();
    r.respond = (_req, res) => res.writeHead(500).end();
    const endpoint = await newEndpoint(tenant.id, r);
    const [eventId = ''] = await emit(tenant.id, [{}]);
    await pump(async () => (await deliveryOf(tenant.id, endpoint.id, eventId)).attempts === 1);
    expect((await endpoints.find(tenant.id, endpoint.id))?.status).toBe('enabled');
    const d = await deliveryOf(tenant.id, endpoint.id, eventId);
    const sixDaysOn = () => new Date(Date.now() + 6 * 86_400_000);
    expect(await deliverer.deliver(tenant.id, d.id, sixDaysOn)).toMatchObject({ delivered: false, statusCode: 500, outcome: 'retry' });
    expect(await endpoints.find(tenant.id, endpoint.id)).toMatchObject({ status: 'disabled', disabledReason: 'failing' });
    const notice = (await events.recent(tenant.id, 10)).find((e) => e.type === 'endpoint.disabled');
    expect(notice?.data).toEqual({ endpointId: endpoint.id, reason: 'failing' });
    // The endpoint's pending delivery is no longer claimed.
    await deliveries.retryNow(tenant.id, d.id);
    await relay.step();
    await sleep(300);
    expect(r.received).toHaveLength(2);
  });

  it('orders per patient: a poisoned event holds only its own patient; the others are delivered in order', async () => {
    const { tenant } = await fixtures.newTenant();
    const r = await receiver();
    let poisoned = true;
    r.respond = (req, res) => res.writeHead(poisoned && req.json.data.n === 'A1' ? 500 : 200).end();
    const endpoint = await newEndpoint(tenant.id, r, { orderingKey: 'patient' });
    const ev = (patient: string, n: string) => ({ patientRef: `Patient/${patient}`, data: { n } });
    const ids = await emit(tenant.id, [ev('A', 'A1'), ev('B', 'B1'), ev('A', 'A2'), ev('B', 'B2'), ev('C', 'C1'), ev('B', 'B3'), ev('A', 'A3')]);
    const seen = () => r.received.map((x) => x.json.data.n as string);
    await pump(() => ['B1', 'B2', 'B3', 'C1'].every((n) => seen().includes(n)));
    await sleep(300);
    await relay.step();
    await sleep(200);
    expect(seen().filter((n) => n.startsWith('B'))).toEqual(['B1', 'B2', 'B3']);
    expect(seen().filter((n) => n.startsWith('A'))).toEqual(['A1']);

    poisoned = false;
    await deliveries.retryNow(tenant.id, (await deliveryOf(tenant.id, endpoint.id, ids[0] ?? '')).id);
    await pump(() => seen().filter((n) => n.startsWith('A')).length === 4);
    expect(seen().filter((n) => n.startsWith('A'))).toEqual(['A1', 'A1', 'A2', 'A3']);
    expect(r.received.every((x) => x.verified)).toBe(true);
  });

  it("deliveries ordered by patient wait with their patient's retrying one (not due before it, so no claim reads them meanwhile); each one that finishes, delivered or failed for good, brings the next forward", async () => {
    const { tenant } = await fixtures.newTenant();
    const r = await receiver();
    const HOUR_MS = 3_600_000;
    // Down: every attempt answers 503 and asks for an hour.
    let answer: (n: string) => number = () => 503;
    r.respond = (req, res) => {
      const status = answer(String(req.json.data.n));
      res.writeHead(status, status === 503 ? { 'retry-after': String(HOUR_MS / 1_000) } : {}).end();
    };
    const endpoint = await newEndpoint(tenant.id, r, { orderingKey: 'patient' });
    const ev = (patient: string, n: string) => ({ patientRef: `Patient/${patient}`, data: { n } });
    const pending = async () => (await endpoints.listDeliveries(tenant.id, endpoint.id, { limit: 100 })).filter((d) => d.status === 'pending');
    const byN = new Map<string, string>();
    const note = (ns: string[], ids: string[]) => ids.forEach((id, i) => byN.set(ns[i] ?? '', id));

    // A2 is relayed with A1 and waits behind it when A1's attempt fails (the retry moves it).
    note(['A1', 'A2', 'B1'], await emit(tenant.id, [ev('A', 'A1'), ev('A', 'A2'), ev('B', 'B1')]));
    await pump(async () => (await Promise.all(['A1', 'B1'].map((n) => deliveryOf(tenant.id, endpoint.id, byN.get(n) ?? '')))).every((d) => d.attempts === 1));
    // A3 and B2 are relayed while A1 and B1 wait for their retries (the relay gives them the same time).
    note(['A3', 'B2'], await emit(tenant.id, [ev('A', 'A3'), ev('B', 'B2')]));
    await pump(async () => (await pending()).length === 5);

    const waiting = await pending();
    const retryAt = (n: string) => waiting.find((d) => d.eventId === byN.get(n))?.nextAttemptAt.getTime() ?? 0;
    expect(retryAt('A1')).toBeGreaterThan(Date.now() + HOUR_MS - 60_000);
    expect(retryAt('B1')).toBeGreaterThan(Date.now() + HOUR_MS - 60_000);
    expect([retryAt('A2'), retryAt('A3')]).toEqual([retryAt('A1'), retryAt('A1')]);
    expect(retryAt('B2')).toBe(retryAt('B1'));
    expect(r.received.map((x) => x.json.data.n)).toEqual(expect.arrayContaining(['A1', 'B1']));
    expect(r.received).toHaveLength(2);

    // Up again; "retry now" on A1: once it is delivered, A2 is due at once, then A3 — not an hour later.
    answer = () => 204;
    await deliveries.retryNow(tenant.id, waiting.find((d) => d.eventId === byN.get('A1'))?.id ?? '');
    await pump(() => r.received.filter((x) => String(x.json.data.n).startsWith('A')).length === 4);
    expect(r.received.map((x) => String(x.json.data.n)).filter((n) => n.startsWith('A'))).toEqual(['A1', 'A1', 'A2', 'A3']);

    // B1 fails for good on its last attempt: B2 is due at once.
    await app.get(PrismaService).$executeRaw`UPDATE "WebhookDelivery" SET "attempts" = ${WEBHOOK_MAX_ATTEMPTS - 1} WHERE "eventId" = ${byN.get('B1')}::uuid AND "endpointId" = ${endpoint.id}::uuid`;
    answer = (n) => (n === 'B1' ? 500 : 204);
    await deliveries.retryNow(tenant.id, waiting.find((d) => d.eventId === byN.get('B1'))?.id ?? '');
    await pump(() => r.received.some((x) => x.json.data.n === 'B2'));
    expect(await deliveryOf(tenant.id, endpoint.id, byN.get('B1') ?? '')).toMatchObject({ status: 'failed', attempts: WEBHOOK_MAX_ATTEMPTS });
    expect(r.received.map((x) => String(x.json.data.n)).filter((n) => n.startsWith('B'))).toEqual(['B1', 'B1', 'B2']);
  });

  it('a hanging endpoint does not hold up another endpoint, and holds at most its in-flight cap', async () => {
    const { tenant } = await fixtures.newTenant();
    const hanging = await receiver();
    hanging.respond = () => undefined; // never answers
    const healthy = await receiver();
    await newEndpoint(tenant.id, hanging);
    await newEndpoint(tenant.id, healthy);
    await emit(tenant.id, Array.from({ length: 30 }, (_, i) => ({ data: { i } })));
    // Every healthy delivery arrives while the hanging endpoint holds its slots (pump fails if they do not).
    await pump(() => healthy.received.length === 30, 8_000);
    expect(hanging.received.length).toBeGreaterThan(0);
    expect(hanging.received.length).toBeLessThanOrEqual(WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT);
    await relay.step();
    await sleep(200);
    expect(hanging.received.length).toBeLessThanOrEqual(WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT);
  });

  it('hands each claimed delivery over with its event and endpoint, as a lookup of the delivery reads them', async () => {
    const { tenant } = await fixtures.newTenant();
    const endpoint = await newEndpoint(tenant.id, await receiver());
    await emit(tenant.id, [{ data: { n: 1 } }]);
    await deliveries.relay(500);
    const [mine] = await endpoints.listDeliveries(tenant.id, endpoint.id, { limit: 10 });
    const claimed = await deliveries.claimDue(1_000, 10_000, 10);
    // The claim is global: hand back at once what it leased.
    await app.get(PrismaService).$executeRaw`UPDATE "WebhookDelivery" SET "leaseUntil" = NULL WHERE "id" = ANY(${claimed.map((c) => c.id)}::uuid[])`;
    const work = claimed.find((c) => c.id === mine?.id);
    expect(work).toMatchObject({ tenantId: tenant.id, status: 'pending', attempts: 0, event: { data: { n: 1 } }, endpoint: { id: endpoint.id } });
    expect(work).toEqual(await deliveries.findWork(tenant.id, mine?.id ?? ''));
  });

  it('claims the longest-due delivery of an endpoint first, and nothing beyond its in-flight cap', async () => {
    const { tenant } = await fixtures.newTenant();
    const endpoint = await newEndpoint(tenant.id, await receiver());
    const ids = await emit(tenant.id, [{ data: { n: 1 } }, { data: { n: 2 } }, { data: { n: 3 } }]);
    await deliveries.relay(500);
    const mine = async () => {
      const rows = await endpoints.listDeliveries(tenant.id, endpoint.id, { limit: 10 });
      return new Map(rows.map((d) => [d.id, ids.indexOf(d.eventId) + 1]));
    };
    const byDelivery = await mine();
    const third = [...byDelivery].find(([, n]) => n === 3)?.[0] ?? '';
    // The third event's delivery is a retry that fell due an hour ago: it goes before the fresher first attempts.
    await app.get(PrismaService).$executeRaw`UPDATE "WebhookDelivery" SET "nextAttemptAt" = now() - interval '1 hour' WHERE "id" = ${third}::uuid`;
    // The claim is global: other suites' due deliveries are leased too, and handed back at once.
    const release = (ids: string[]) => app.get(PrismaService).$executeRaw`UPDATE "WebhookDelivery" SET "leaseUntil" = NULL WHERE "id" = ANY(${ids}::uuid[])`;
    const claimedHere = async (cap: number) => {
      const claimed = await deliveries.claimDue(1_000, 10_000, cap);
      await release(claimed.filter((c) => !byDelivery.has(c.id)).map((c) => c.id));
      return claimed.filter((c) => byDelivery.has(c.id)).map((c) => byDelivery.get(c.id));
    };
    expect(await claimedHere(1)).toEqual([3]);
    expect(await claimedHere(1)).toEqual([]);
    expect(await claimedHere(2)).toEqual([1]);
    expect(await claimedHere(3)).toEqual([2]);
    expect(await claimedHere(10)).toEqual([]);
    await release([...byDelivery.keys()]);
  });

  it('a hanging endpoint does not hold up another endpoint on the same origin (each endpoint has its own sockets)', async () => {
    const { tenant } = await fixtures.newTenant();
    const origin = await receiver();
    origin.respond = (r, res) => (r.path.includes('hang') ? undefined : res.writeHead(204).end());
    await newEndpoint(tenant.id, origin, { url: `${origin.url}?hang=1` });
    await newEndpoint(tenant.id, origin);
    // More events than the hanging endpoint's cap: with one pool per origin its hung requests took every socket.
    const events = WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT + 8;
    await emit(tenant.id, Array.from({ length: events }, (_, i) => ({ data: { i } })));
    await pump(() => origin.received.filter((r) => !r.path.includes('hang')).length === events, 8_000);
    expect(origin.received.filter((r) => r.path.includes('hang')).length).toBeLessThanOrEqual(WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT);
  });

  it('assigns gap-free feed positions in commit order, including an event whose transaction commits late', async () => {
    const { tenant } = await fixtures.newTenant();
    let inserted!: () => void;
    const wasInserted = new Promise<void>((resolve) => (inserted = resolve));
    let commit!: () => void;
    const mayCommit = new Promise<void>((resolve) => (commit = resolve));
    const late = db.transaction(async (tx) => {
      const ids = await events.append(tx, [{ tenantId: tenant.id, connectionId: null, type: 'patient.updated', version: 1, data: { late: true } }]);
      inserted();
      await mayCommit;
      return ids;
    });
    await wasInserted;
    const early = await emit(tenant.id, Array.from({ length: 5 }, (_, i) => ({ data: { i } })));
    await relay.step();
    const first = await events.feed(tenant.id, { afterPosition: 0n, limit: 100 });
    expect(first.map((e) => e.id)).toEqual(early);
    const positions = first.map((e) => e.position);
    expect(positions.map((p) => p - (positions[0] ?? 0n))).toEqual([0n, 1n, 2n, 3n, 4n]);

    commit();
    const [lateId] = await late;
    await relay.step();
    const after = await events.feed(tenant.id, { afterPosition: positions[4] ?? 0n, limit: 100 });
    expect(after.map((e) => e.id)).toEqual([lateId]);
    expect((after[0]?.position ?? 0n) > (positions[4] ?? 0n)).toBe(true);
  });

  it('signs with the current secret and every previous secret within its own grace period; each drops out when its grace ends', async () => {
    const { tenant, actor } = await fixtures.newTenant();
    const r = await receiver();
    const { endpoint, secret: first } = await service.create(actor(), tenant.id, { url: r.url, eventTypes: ['*'] });
    // The clock the service and the deliverer take: two rotations 22 hours apart, the second an hour before t0.
    const t0 = new Date();
    const at = (msFromT0: number) => new Date(t0.getTime() + msFromT0);
    const firstRotation = at(-PREVIOUS_SECRET_GRACE_MS + 3_600_000);
    const secondRotation = at(-3_600_000);
    const { secret: second } = await service.rotateSecret(actor(), tenant.id, endpoint.id, firstRotation);
    const rotated = await service.rotateSecret(actor(), tenant.id, endpoint.id, secondRotation);
    const current = rotated.secret;
    const firstGraceEnds = new Date(firstRotation.getTime() + PREVIOUS_SECRET_GRACE_MS);
    const secondGraceEnds = new Date(secondRotation.getTime() + PREVIOUS_SECRET_GRACE_MS);
    expect(rotated.endpoint.previousSecretUntil).toEqual(secondGraceEnds);

    /** A test event delivered (not relayed: the test drives the deliverer) at `sentAt`. */
    const deliverAt = async (sentAt: Date): Promise<Received> => {
      const { eventId } = await service.sendTest(tenant.id, endpoint.id);
      const d = await deliveryOf(tenant.id, endpoint.id, eventId);
      expect(await deliverer.deliver(tenant.id, d.id, () => sentAt)).toMatchObject({ delivered: true });
      const got = r.received.at(-1);
      if (!got || got.json.id !== eventId) throw new Error('not received');
      return got;
    };
    const signatures = (got: Received) => String(got.headers['webhook-signature']).split(' ');

    // At t0 all three sign, and the reference library verifies the delivery with each.
    const now = await deliverAt(t0);
    expect(signatures(now)).toHaveLength(3);
    for (const secret of [first, second, current]) {
      expect(() => new Webhook(secret).verify(now.body, now.headers as Record<string, string>)).not.toThrow();
    }
    const justBefore = await deliverAt(new Date(firstGraceEnds.getTime() - 1));
    expect([signatures(justBefore).length, signedWith(justBefore, first), signedWith(justBefore, second), signedWith(justBefore, current)]).toEqual([3, true, true, true]);

    // The first grace period ends: the oldest secret no longer signs, the second still does.
    const afterFirst = await deliverAt(firstGraceEnds);
    expect([signatures(afterFirst).length, signedWith(afterFirst, first), signedWith(afterFirst, second), signedWith(afterFirst, current)]).toEqual([2, false, true, true]);

    const afterSecond = await deliverAt(secondGraceEnds);
    expect([signatures(afterSecond).length, signedWith(afterSecond, first), signedWith(afterSecond, second), signedWith(afterSecond, current)]).toEqual([1, false, false, true]);
  });

  it('finds no delivery across tenants', async () => {
    const a = await fixtures.newTenant();
    const b = await fixtures.newTenant();
    const r = await receiver();
    r.respond = (_req, res) => res.writeHead(500).end();
    const endpoint = await newEndpoint(a.tenant.id, r);
    const [eventId = ''] = await emit(a.tenant.id, [{}]);
    await pump(async () => (await deliveryOf(a.tenant.id, endpoint.id, eventId)).attempts === 1);
    const d = await deliveryOf(a.tenant.id, endpoint.id, eventId);
    expect(await deliverer.deliver(b.tenant.id, d.id)).toEqual({ delivered: false, skipped: 'not_found' });
    expect(await deliveries.retryNow(b.tenant.id, d.id)).toBe(false);
  });

  it('refuses private and loopback receivers unless allowed, also when a name resolves there at connect time', async () => {
    const r = await receiver();
    const poster = new WebhookPoster();
    const port = new URL(r.url).port;
    try {
      expect(await poster.post(r.url, {}, '{}', { policy: PUBLIC_ONLY_TARGETS, allowHttp: true })).toMatchObject({ statusCode: null, error: 'target_not_allowed' });
      expect(await poster.post(`http://localhost:${port}/hook`, {}, '{}', { policy: PUBLIC_ONLY_TARGETS, allowHttp: true })).toMatchObject({ statusCode: null, error: 'target_not_allowed' });
      expect(await poster.post(r.url, {}, '{}', { policy: PUBLIC_ONLY_TARGETS, allowHttp: false })).toMatchObject({ error: 'scheme_not_allowed' });
      expect(await poster.post(r.url, {}, '{}', { policy: LOCAL_DEVELOPMENT_TARGETS, allowHttp: true })).toMatchObject({ statusCode: 204, error: null });
      expect(r.received).toHaveLength(1);
    } finally {
      poster.close();
    }
  });

  it('does not follow redirects, and reads a large response body only up to the cap', async () => {
    const r = await receiver();
    const poster = new WebhookPoster();
    try {
      r.respond = (_req, res) => res.writeHead(302, { location: 'http://169.254.169.254/' }).end();
      expect(await poster.post(r.url, {}, '{}', { policy: LOCAL_DEVELOPMENT_TARGETS, allowHttp: true })).toMatchObject({ statusCode: 302, error: null });
      r.respond = (_req, res) => res.writeHead(200).end('x'.repeat(1024 * 1024));
      expect(await poster.post(r.url, {}, '{}', { policy: LOCAL_DEVELOPMENT_TARGETS, allowHttp: true })).toMatchObject({ statusCode: 200, error: null, responseExcerpt: 'x'.repeat(512) });
      r.respond = () => undefined;
      expect(await poster.post(r.url, {}, '{}', { policy: LOCAL_DEVELOPMENT_TARGETS, allowHttp: true, timeoutMs: 300 })).toMatchObject({ statusCode: null, error: 'timeout' });
    } finally {
      poster.close();
    }
  });
});
