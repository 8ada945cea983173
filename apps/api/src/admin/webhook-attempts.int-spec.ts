import type { INestApplication } from '@nestjs/common';
import { ApiKeyService } from '@sb/tenancy';
import { createTestingApp, deleteRedisKeys, Fixtures, startWebhookReceiver, testRedisPrefix, type WebhookReceiver } from '@sb/testing';
import { WEBHOOK_RESPONSE_EXCERPT_CHARS, WebhookDeliveryModule, WebhookRelay } from '@sb/webhooks';
import request from 'supertest';
import { AppModule } from '../app.module';

// Attempts as the API shows them, made by the real relay and deliverer to a real receiver.
const redisPrefix = testRedisPrefix('webhook-attempts');

/** What the receiver answers: a long body with line breaks, control characters and multi-byte text. */
const LONG_BODY = `{"status":"accepted",\r\n\t"note":"Überweisung ✓\u0007"}\n${'0123456789'.repeat(100)}`;
const LONG_EXCERPT = Array.from(`{"status":"accepted", "note":"Überweisung ✓"} ${'0123456789'.repeat(100)}`)
  .slice(0, WEBHOOK_RESPONSE_EXCERPT_CHARS)
  .join('');

let app: INestApplication;
let receiver: WebhookReceiver;
let relay: WebhookRelay;
let keyA: string;
let keyB: string;

async function call(method: 'get' | 'post', path: string, token: string, body?: unknown) {
  const req = request(app.getHttpServer())[method](path).set('authorization', `Bearer ${token}`);
  return body === undefined ? await req : await req.send(body as object);
}

async function gql(token: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await request(app.getHttpServer()).post('/graphql').set('authorization', `Bearer ${token}`).send({ query, variables });
  expect(res.status).toBe(200);
  return res.body as { data?: Record<string, any> | null; errors?: { extensions: { code: string } }[] };
}

/** Relay rounds (the worker's loop, driven by the test) until `done` holds. */
async function pump(done: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await relay.step();
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function newEndpoint(token: string, path: string): Promise<string> {
  const res = await call('post', '/v1/webhook-endpoints', token, { url: receiver.url(path), eventTypes: ['endpoint.test'] });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** Sends a test event and waits until its first attempt is recorded; returns the event id. */
async function testEvent(endpointId: string): Promise<string> {
  const sent = await call('post', `/v1/webhook-endpoints/${endpointId}/test`, keyA);
  expect(sent.status).toBe(202);
  const eventId = sent.body.eventId as string;
  await pump(async () => (await call('get', `/v1/webhook-endpoints/${endpointId}/attempts?eventId=${eventId}`, keyA)).body.data?.length > 0);
  return eventId;
}

beforeAll(async () => {
  const moduleRef = await createTestingApp([AppModule, WebhookDeliveryModule], { SB_REDIS_PREFIX: redisPrefix, SB_ALLOW_PRIVATE_TARGETS: 'true' });
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  relay = app.get(WebhookRelay);
  receiver = await startWebhookReceiver((path) => {
    if (path === '/long') return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: LONG_BODY };
    if (path === '/refused') return { status: 422, body: '{"error":"unknown patient"}\n' };
    return { status: 204 };
  });
  const fixtures = new Fixtures(moduleRef);
  const apiKeys = app.get(ApiKeyService);
  const [a, b] = [await fixtures.newTenant(), await fixtures.newTenant()];
  keyA = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'webhooks a' })).key;
  keyB = (await apiKeys.create(b.actor(), b.tenant.id, { name: 'webhooks b' })).key;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await receiver?.close();
  await deleteRedisKeys(redisPrefix);
});

describe('attempt response excerpt', () => {
  it('keeps the first 512 characters of what the receiver answered, control characters stripped (REST and GraphQL)', async () => {
    const id = await newEndpoint(keyA, '/long');
    const eventId = await testEvent(id);
    expect(receiver.received.filter((r) => r.path === '/long')).toHaveLength(1);

    const res = await call('get', `/v1/webhook-endpoints/${id}/attempts`, keyA);
    expect(res.status).toBe(200);
    const [attempt] = res.body.data;
    expect(attempt).toMatchObject({ eventId, status: 'succeeded', statusCode: 200, error: null });
    expect(attempt.responseExcerpt).toBe(LONG_EXCERPT);
    expect(Array.from(attempt.responseExcerpt as string)).toHaveLength(WEBHOOK_RESPONSE_EXCERPT_CHARS);
    expect(LONG_BODY.length).toBeGreaterThan(WEBHOOK_RESPONSE_EXCERPT_CHARS);

    const data = (await gql(keyA, 'query($id: ID!) { webhookEndpoint(id: $id) { attempts(first: 5) { data { eventId responseExcerpt } } } }', { id })).data;
    expect(data?.webhookEndpoint.attempts.data).toEqual([{ eventId, responseExcerpt: LONG_EXCERPT }]);
  });

  it('keeps a refusal’s explanation, and null when the receiver sent no body', async () => {
    const refused = await newEndpoint(keyA, '/refused');
    await testEvent(refused);
    const [failed] = (await call('get', `/v1/webhook-endpoints/${refused}/attempts`, keyA)).body.data;
    expect(failed).toMatchObject({ status: 'failed', statusCode: 422, error: 'http_422', responseExcerpt: '{"error":"unknown patient"}' });

    const empty = await newEndpoint(keyA, '/empty');
    await testEvent(empty);
    const [ok] = (await call('get', `/v1/webhook-endpoints/${empty}/attempts`, keyA)).body.data;
    expect(ok).toMatchObject({ status: 'succeeded', statusCode: 204, responseExcerpt: null });
  });

  it('shows another tenant nothing of it (404)', async () => {
    const id = await newEndpoint(keyA, '/long');
    const res = await call('get', `/v1/webhook-endpoints/${id}/attempts`, keyB);
    expect([res.status, res.body.code]).toEqual([404, 'not_found']);
    expect(res.text).not.toContain('accepted');
  });
});

describe('deliveries paging and the eventId filter', () => {
  let id: string;
  /** The test events sent, oldest first. */
  const sent: string[] = [];

  beforeAll(async () => {
    id = await newEndpoint(keyA, '/paged');
    for (let i = 0; i < 5; i++) sent.push(await testEvent(id));
  }, 60_000);

  it('pages deliveries newest first with `next` as the following page’s `before`', async () => {
    const seen: string[] = [];
    let before: string | null = null;
    const pages: number[] = [];
    do {
      const query: string = new URLSearchParams({ limit: '2', ...(before ? { before } : {}) }).toString();
      const res = await call('get', `/v1/webhook-endpoints/${id}/deliveries?${query}`, keyA);
      expect(res.status).toBe(200);
      pages.push(res.body.data.length);
      seen.push(...(res.body.data as { eventId: string }[]).map((d) => d.eventId));
      before = res.body.next as string | null;
    } while (before !== null && pages.length < 10);
    expect(pages).toEqual([2, 2, 1]);
    expect(seen).toEqual([...sent].reverse());

    // With a status filter the cursor pages the filtered list.
    const first = await call('get', `/v1/webhook-endpoints/${id}/deliveries?status=succeeded&limit=4`, keyA);
    expect(first.body.data).toHaveLength(4);
    const rest = await call('get', `/v1/webhook-endpoints/${id}/deliveries?status=succeeded&limit=4&before=${first.body.next}`, keyA);
    expect([rest.body.data.map((d: { eventId: string }) => d.eventId), rest.body.next]).toEqual([[sent[0]], null]);
    expect((await call('get', `/v1/webhook-endpoints/${id}/deliveries?status=failed`, keyA)).body).toEqual({ data: [], next: null });
  });

  it('filters deliveries and attempts by event', async () => {
    const eventId = sent[2]!;
    const deliveries = await call('get', `/v1/webhook-endpoints/${id}/deliveries?eventId=${eventId.toUpperCase()}`, keyA);
    expect(deliveries.body).toEqual({ data: [expect.objectContaining({ eventId, eventType: 'endpoint.test', status: 'succeeded', attempts: 1 })], next: null });

    // A second attempt at the same event (delivered again): both are its attempts, newest first; no other event's.
    expect((await call('post', `/v1/webhook-endpoints/${id}/replay/${eventId}`, keyA)).status).toBe(202);
    await pump(async () => (await call('get', `/v1/webhook-endpoints/${id}/attempts?eventId=${eventId}`, keyA)).body.data.length === 2);
    const attempts = await call('get', `/v1/webhook-endpoints/${id}/attempts?eventId=${eventId}&limit=1`, keyA);
    expect(attempts.body.data.map((a: { eventId: string }) => a.eventId)).toEqual([eventId]);
    const older = await call('get', `/v1/webhook-endpoints/${id}/attempts?eventId=${eventId}&limit=1&before=${attempts.body.next}`, keyA);
    expect([older.body.data.map((a: { eventId: string }) => a.eventId), older.body.next]).toEqual([[eventId], null]);
    expect(Date.parse(older.body.data[0].attemptedAt)).toBeLessThanOrEqual(Date.parse(attempts.body.data[0].attemptedAt));

    // An event this endpoint never had: nothing, not an error.
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await call('get', `/v1/webhook-endpoints/${id}/deliveries?eventId=${unknown}`, keyA)).body).toEqual({ data: [], next: null });
    expect((await call('get', `/v1/webhook-endpoints/${id}/attempts?eventId=${unknown}`, keyA)).body).toEqual({ data: [], next: null });
  });

  it('rejects bad cursors, event ids and limits with 400 validation_failed', async () => {
    const bad: [string, string, string][] = [
      ['deliveries', 'before=nope', 'before'],
      ['deliveries', `before=${Buffer.from(JSON.stringify(['2026-01-01T00:00:00Z', 'x'])).toString('base64url')}`, 'before'],
      ['deliveries', 'eventId=not-a-uuid', 'eventId'],
      ['deliveries', 'limit=0', 'limit'],
      ['deliveries', 'limit=101', 'limit'],
      ['deliveries', 'status=dead', 'status'],
      ['deliveries', 'after=1', ''],
      ['attempts', 'eventId=123', 'eventId'],
      ['attempts', 'before=nope', 'before'],
    ];
    for (const [route, query, path] of bad) {
      const res = await call('get', `/v1/webhook-endpoints/${id}/${route}?${query}`, keyA);
      expect({ route, query, status: res.status, code: res.body.code }).toEqual({ route, query, status: 400, code: 'validation_failed' });
      if (path) expect(res.body.issues.map((i: { path: string }) => i.path)).toContain(path);
    }
  });

  it('answers another tenant 404 for the endpoint, and nothing of A’s events on its own endpoint', async () => {
    const eventId = sent[0]!;
    for (const route of [`deliveries?eventId=${eventId}`, `attempts?eventId=${eventId}`, 'deliveries?limit=1']) {
      const res = await call('get', `/v1/webhook-endpoints/${id}/${route}`, keyB);
      expect([res.status, res.body.code]).toEqual([404, 'not_found']);
      expect(res.text).not.toContain(eventId);
    }
    const own = await call('post', '/v1/webhook-endpoints', keyB, { url: receiver.url('/b'), eventTypes: ['*'] });
    expect((await call('get', `/v1/webhook-endpoints/${own.body.id}/deliveries?eventId=${eventId}`, keyB)).body).toEqual({ data: [], next: null });
    expect((await call('get', `/v1/webhook-endpoints/${own.body.id}/attempts?eventId=${eventId}`, keyB)).body).toEqual({ data: [], next: null });
  });
});
