import type { INestApplication } from '@nestjs/common';
import { ConnectionService } from '@sb/connections';
import type { Connection } from '@sb/db';
import { Hl7InboundProcessor } from '@sb/hl7-processing';
import { ApiKeyService } from '@sb/tenancy';
import { createTestingApp, deleteRedisKeys, Fixtures, startWebhookReceiver, testRedisPrefix, type WebhookReceiver } from '@sb/testing';
import { WebhookDeliveryModule, WebhookRelay } from '@sb/webhooks';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { InboundHandler } from '../../../mllp/src/inbound-handler';
import { MllpModule } from '../../../mllp/src/mllp.module';
import { AppModule } from '../app.module';

// Synthetic messages (no real people), HL7 v2.5.1, received through the real MLLP inbound handler,
// processed by the real processor; deliveries made by the real relay and deliverer to a real receiver.
const run = randomUUID().slice(0, 8);
const MRN = `MRN-${run}`;
const msh = (facility: string, type: string, controlId: string) => `MSH|^~\\&|LAB|${facility}|SWITCHBOARD|GW|20261120101500||${type}|${controlId}|P|2.5.1`;
const pid = `PID|1||${MRN}^^^HOSP^MR||Synthetic^Person||19800203|F`;
const oru = (facility: string, controlId: string) =>
  [
    msh(facility, 'ORU^R01^ORU_R01', controlId),
    pid,
    `OBR|1|PL${controlId}|FL${controlId}|24323-8^Comprehensive metabolic panel^LN|||20261120090000|||||||||||||||20261120100000|||F`,
    'OBX|1|NM|2345-7^Glucose^LN||5.4|mmol/L^mmol/L^UCUM|3.9-6.1|N|||F|||20261120090000',
  ].join('\r');
const adt = (facility: string, controlId: string) => [msh(facility, 'ADT^A01^ADT_A01', controlId), 'EVN|A01', pid, 'PV1|1|I|WARD^101^1'].join('\r');

const redisPrefix = testRedisPrefix('hl7-message-events');
const bodies: string[] = [];

let app: INestApplication;
let receiver: WebhookReceiver;
let relay: WebhookRelay;
let connA: Connection;
let connB: Connection;
let keyA: string;
let keyB: string;
/** connections:read only: sees the events, not the webhook deliveries. */
let connectionsOnlyKey: string;
let usageOnlyKey: string;
const endpoint: Record<'ok' | 'failing' | 'disabled' | 'admissions', string> = { ok: '', failing: '', disabled: '', admissions: '' };
const messageId: Record<'result' | 'admit' | 'otherTenant', string> = { result: '', admit: '', otherTenant: '' };

async function call(method: 'get' | 'post', path: string, token: string, body?: unknown) {
  const req = request(app.getHttpServer())[method](path).set('authorization', `Bearer ${token}`);
  const res = body === undefined ? await req : await req.send(body as object);
  bodies.push(res.text);
  return res;
}
const eventsOf = (mid: string, token = keyA, connection = connA) => call('get', `/v1/connections/${connection.id}/hl7/messages/${mid}/events`, token);

async function processAll(): Promise<void> {
  const processor = app.get(Hl7InboundProcessor);
  while ((await processor.processBatch()) > 0);
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

interface TrailEntry {
  endpoint: { id: string; url: string; status: string };
  delivery: { status: string; attempts: number } | null;
  latestAttempts: { status: string; statusCode: number | null; error: string | null; durationMs: number; responseExcerpt: string | null }[];
}
interface EventItem {
  id: string;
  type: string;
  timestamp: string;
  relayedAt: string | null;
  deliveries: TrailEntry[] | null;
}
const trailOf = (item: EventItem, endpointId: string) => item.deliveries?.find((d) => d.endpoint.id === endpointId);

beforeAll(async () => {
  const moduleRef = await createTestingApp([AppModule, MllpModule, WebhookDeliveryModule], { SB_REDIS_PREFIX: redisPrefix, SB_ALLOW_PRIVATE_TARGETS: 'true' });
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  relay = app.get(WebhookRelay);
  receiver = await startWebhookReceiver((path) => (path === '/failing' ? { status: 500, body: 'database unavailable' } : { status: 200, body: '{"stored":true}' }));

  const fixtures = new Fixtures(moduleRef);
  const [a, b] = [await fixtures.newTenant(), await fixtures.newTenant()];
  const connections = app.get(ConnectionService);
  connA = await connections.create(a.tenant.id, { name: 'Site A', vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: `EA-${run}`, mllpTls: false, hl7AckMode: 'original' });
  connB = await connections.create(b.tenant.id, { name: 'Site B', vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: `EB-${run}`, mllpTls: false, hl7AckMode: 'original' });
  const apiKeys = app.get(ApiKeyService);
  keyA = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'all' })).key;
  keyB = (await apiKeys.create(b.actor(), b.tenant.id, { name: 'all' })).key;
  connectionsOnlyKey = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'connections read', scopes: ['connections:read'] })).key;
  usageOnlyKey = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'usage', scopes: ['usage:read'] })).key;

  const newEndpoint = async (path: string, eventTypes: string[]) => {
    const res = await call('post', '/v1/webhook-endpoints', keyA, { url: receiver.url(path), eventTypes });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  endpoint.ok = await newEndpoint('/ok', ['result.received']);
  endpoint.failing = await newEndpoint('/failing', ['*']);
  endpoint.disabled = await newEndpoint('/disabled', ['result.received']);
  endpoint.admissions = await newEndpoint('/admissions', ['patient.admitted']);
  expect((await call('post', `/v1/webhook-endpoints/${endpoint.disabled}/disable`, keyA)).status).toBe(200);

  const handler = app.get(InboundHandler);
  const send = async (text: string, connection: Connection, token: string) => {
    expect(await handler.handle(Buffer.from(text, 'utf8'))).toContain('MSA|AA');
    const controlId = text.split('\r')[0]!.split('|')[9]!;
    const page = await call('get', `/v1/connections/${connection.id}/hl7/messages?controlId=${controlId}`, token);
    return page.body.items[0].id as string;
  };
  messageId.result = await send(oru(connA.hl7SendingFacility!, `oru-${run}`), connA, keyA);
  messageId.admit = await send(adt(connA.hl7SendingFacility!, `adm-${run}`), connA, keyA);
  messageId.otherTenant = await send(oru(connB.hl7SendingFacility!, `oru-${run}`), connB, keyB);
  await processAll();
  // The result reaches /ok and /failing; the admission reaches /failing and /admissions.
  await pump(() => receiver.received.filter((r) => r.path === '/ok').length === 1 && receiver.received.filter((r) => r.path === '/failing').length === 2);
  // The receiver sees a request before the worker records its outcome: wait until every delivery counts its attempt.
  await pump(async () => {
    const items = ((await eventsOf(messageId.result)).body.items ?? []) as EventItem[];
    return items.length === 1 && [endpoint.ok, endpoint.failing].every((id) => (trailOf(items[0]!, id)?.delivery?.attempts ?? 0) >= 1);
  });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await receiver?.close();
  await deleteRedisKeys(redisPrefix);
});

describe('GET /v1/connections/{id}/hl7/messages/{mid}/events', () => {
  it('lists the event a message raised with, per subscribed endpoint, its delivery and latest attempt', async () => {
    const res = await eventsOf(messageId.result);
    expect(res.status).toBe(200);
    expect(res.body.deliveriesHidden).toBe(false);
    const items = res.body.items as EventItem[];
    expect(items).toHaveLength(1);
    const [event] = items as [EventItem];
    expect(event).toMatchObject({ type: 'result.received', version: 1, timestamp: expect.any(String), relayedAt: expect.any(String) });
    // Its id is the webhook-id the receiver got.
    expect(receiver.received.find((r) => r.path === '/ok')?.headers['webhook-id']).toBe(event.id);

    // Subscribed endpoints only, in creation order: /admissions subscribes to patient.admitted alone.
    expect(event.deliveries?.map((d) => d.endpoint.id)).toEqual([endpoint.ok, endpoint.failing, endpoint.disabled]);
    expect(trailOf(event, endpoint.ok)).toMatchObject({
      endpoint: { url: receiver.url('/ok'), status: 'enabled' },
      delivery: { status: 'succeeded', attempts: 1 },
      latestAttempts: [{ status: 'succeeded', statusCode: 200, error: null, durationMs: expect.any(Number), responseExcerpt: '{"stored":true}' }],
    });
    expect(trailOf(event, endpoint.failing)).toMatchObject({
      delivery: { status: 'pending', attempts: 1 },
      latestAttempts: [{ status: 'failed', statusCode: 500, error: 'http_500', responseExcerpt: 'database unavailable' }],
    });
    // Disabled before the message arrived: subscribed, but no delivery was made. That is the answer to "why not".
    expect(trailOf(event, endpoint.disabled)).toEqual({ endpoint: expect.objectContaining({ status: 'disabled' }), delivery: null, latestAttempts: [] });
  });

  it('keeps each message’s events apart', async () => {
    const admit = (await eventsOf(messageId.admit)).body.items as EventItem[];
    expect(admit.map((e) => e.type)).toEqual(['patient.admitted']);
    expect(admit[0]?.deliveries?.map((d) => d.endpoint.id)).toEqual([endpoint.failing, endpoint.admissions]);
    const result = (await eventsOf(messageId.result)).body.items as EventItem[];
    expect(result.map((e) => e.id)).not.toContain(admit[0]?.id);
  });

  it('lists the events of every processing, newest first, after a reprocess', async () => {
    const [before] = (await eventsOf(messageId.result)).body.items as [EventItem];
    expect((await call('post', `/v1/connections/${connA.id}/hl7/messages/${messageId.result}/reprocess`, keyA)).status).toBe(202);
    await processAll();

    const items = (await eventsOf(messageId.result)).body.items as EventItem[];
    expect(items).toHaveLength(2);
    const [newest, oldest] = items as [EventItem, EventItem];
    expect(oldest.id).toBe(before.id);
    expect(newest.id).not.toBe(before.id);
    expect(Date.parse(newest.timestamp)).toBeGreaterThanOrEqual(Date.parse(oldest.timestamp));

    // Once relayed and delivered, the new event has its own delivery.
    await pump(() => receiver.received.filter((r) => r.path === '/ok').length === 2);
    await pump(async () => {
      const [latest] = (await eventsOf(messageId.result)).body.items as [EventItem];
      return trailOf(latest, endpoint.ok)?.delivery?.status === 'succeeded';
    });
    const [latest] = (await eventsOf(messageId.result)).body.items as [EventItem];
    expect(latest.relayedAt).not.toBeNull();
    expect(receiver.received.filter((r) => r.path === '/ok').map((r) => r.headers['webhook-id'])).toEqual([before.id, latest.id]);
  });

  it('hides the deliveries from a caller without webhooks:read', async () => {
    const res = await eventsOf(messageId.result, connectionsOnlyKey);
    expect(res.status).toBe(200);
    expect(res.body.deliveriesHidden).toBe(true);
    expect((res.body.items as EventItem[]).every((e) => e.deliveries === null)).toBe(true);
    expect(res.text).not.toContain(receiver.url('/ok'));
  });

  it('needs connections:read', async () => {
    const res = await eventsOf(messageId.result, usageOnlyKey);
    expect([res.status, res.body.code]).toEqual([403, 'forbidden']);
  });

  it('answers 404 for another tenant’s connection or message, and for a message of another connection', async () => {
    for (const res of [
      await eventsOf(messageId.result, keyB),
      await eventsOf(messageId.result, keyB, connB),
      await eventsOf(messageId.otherTenant, keyA),
      await eventsOf(randomUUID()),
    ]) {
      expect([res.status, res.body.code]).toEqual([404, 'not_found']);
      expect(res.text).not.toContain('result.received');
    }
    // Tenant B's own message has its own event, with no endpoint of A's in sight.
    const own = (await eventsOf(messageId.otherTenant, keyB, connB)).body.items as EventItem[];
    expect(own.map((e) => e.type)).toEqual(['result.received']);
    expect(own[0]?.deliveries).toEqual([]);
  });

  it('never carries message content or patient data', () => {
    for (const text of bodies.filter((b) => b.includes('"deliveriesHidden"'))) {
      expect(text).not.toContain(MRN);
      expect(text).not.toContain('Synthetic');
      expect(text).not.toContain('Patient/');
      expect(text).not.toContain('"data"');
    }
  });
});
