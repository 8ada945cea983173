/**
 * Webhooks end to end on the built api, worker and mllp as processes: an ADT^A01
 * arriving over MLLP becomes a signed `patient.admitted` delivery that the
 * reference `standardwebhooks` library verifies; test events, the attempts log and
 * the catch-up feed agree on ids; another tenant sees none of it. Synthetic data.
 */
import { findLeaks, freePort, sendMllpMessages, startE2eStack, startWebhookReceiver, waitForPort, type E2eStack, type E2eTenant, type WebhookReceiver } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

const FAMILY = `Wickersham${randomUUID().slice(0, 6)}`;
const MRN = `WH${randomUUID().slice(0, 8)}`;
const FACILITY = `WH-${randomUUID().slice(0, 8)}`;
const ADMIT = [
  `MSH|^~\\&|EHR|${FACILITY}|SWITCHBOARD|GW|20260301101500-0600||ADT^A01^ADT_A01|wh-${randomUUID()}|P|2.5.1`,
  'EVN|A01|20260301101500-0600',
  `PID|1||${MRN}^^^HOSP^MR||${FAMILY}^Ada||19800203|F`,
  `PV1|1|I|WARD^1^1||||||||||||||||V-${MRN}|||||||||||||||||||||||||20260301100000-0600`,
].join('\r');

let stack: E2eStack;
let receiver: WebhookReceiver;
let mllpPort: number;


const header = (h: Record<string, string | string[] | undefined>, name: string): string => String(h[name] ?? '');

beforeAll(async () => {
  mllpPort = await freePort();
  receiver = await startWebhookReceiver();
  stack = await startE2eStack('webhooks-e2e', ['api', 'worker', 'mllp'], { SB_MLLP_PORT: String(mllpPort) });
  await waitForPort(mllpPort);
}, 120_000);

afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

describe('webhooks', () => {
  let a: E2eTenant;
  let b: E2eTenant;
  let endpointId: string;
  let secret: string;

  beforeAll(async () => {
    a = await stack.newTenant(`wh-a-${randomUUID().slice(0, 6)}`);
    b = await stack.newTenant(`wh-b-${randomUUID().slice(0, 6)}`);
  });

  it('registers an endpoint and answers every bad input with a 400 and a clear code', async () => {
    const created = await stack.call('POST', '/v1/webhook-endpoints', a.key, { url: receiver.url('/a'), eventTypes: ['patient.admitted', 'result.received'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.any(String), secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/=]+$/) });
    endpointId = created.body.id;
    secret = created.body.secret;
    stack.secrets.push(secret);
    expect((await stack.call('GET', `/v1/webhook-endpoints/${endpointId}`, a.key)).text).not.toContain(secret);
    for (const body of [{ url: 'not a url', eventTypes: ['patient.admitted'] }, { url: receiver.url('/a'), eventTypes: ['patient.teleported'] }, { url: receiver.url('/a'), eventTypes: [] }]) {
      const res = await stack.call('POST', '/v1/webhook-endpoints', a.key, body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    }
  });

  it('delivers patient.admitted for an ADT^A01, signed so the reference library verifies it, references only', async () => {
    const connection = await stack.call('POST', '/v1/connections', a.key, { name: 'Ward feed', vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: FACILITY });
    expect(connection.status).toBe(201);
    await sendMllpMessages(mllpPort, [ADMIT]);
    await receiver.waitFor((r) => r.some((w) => w.path === '/a' && w.body.includes('"patient.admitted"')));
    const delivery = receiver.received.find((w) => w.path === '/a' && w.body.includes('"patient.admitted"'));
    const headers = delivery?.headers ?? {};
    const payload = new Webhook(secret).verify(delivery?.body ?? '', {
      'webhook-id': header(headers, 'webhook-id'),
      'webhook-timestamp': header(headers, 'webhook-timestamp'),
      'webhook-signature': header(headers, 'webhook-signature'),
    }) as { id: string; type: string; version: number; tenantId: string; connectionId: string; data: { patient: string } };
    expect(payload).toMatchObject({ id: header(headers, 'webhook-id'), type: 'patient.admitted', version: 1, tenantId: a.id, connectionId: connection.body.id });
    expect(payload.data.patient).toMatch(/^Patient\//);
    expect(delivery?.body).not.toContain(FAMILY);
    expect(delivery?.body).not.toContain(MRN);
    expect(() => new Webhook(`whsec_${Buffer.from('another secret, 24 bytes!').toString('base64')}`).verify(delivery?.body ?? '', headers as Record<string, string>)).toThrow();
  });

  it('sends a test event on request and lists every attempt', async () => {
    const test = await stack.call('POST', `/v1/webhook-endpoints/${endpointId}/test`, a.key);
    expect(test.status).toBe(202);
    await receiver.waitFor((r) => r.some((w) => w.body.includes('"endpoint.test"')));
    const delivered = receiver.received.filter((w) => w.path === '/a').map((w) => header(w.headers, 'webhook-id'));
    // The attempt is recorded once the response is in: the receiver sees the request a moment earlier.
    let attempts = await stack.call('GET', `/v1/webhook-endpoints/${endpointId}/attempts`, a.key);
    for (let i = 0; i < 50 && attempts.body.data.length < delivered.length; i++) {
      await new Promise((r) => setTimeout(r, 100));
      attempts = await stack.call('GET', `/v1/webhook-endpoints/${endpointId}/attempts`, a.key);
    }
    expect(attempts.status).toBe(200);
    for (const id of delivered) expect(attempts.body.data).toContainEqual(expect.objectContaining({ eventId: id, status: 'succeeded', statusCode: 200 }));
  });

  it('carries exactly the delivered events in the catch-up feed, in commit order, with the same ids', async () => {
    const feed = await stack.call('GET', '/v1/events?after=&limit=100', a.key);
    expect(feed.status).toBe(200);
    const ids = feed.body.data.map((e: { id: string }) => e.id);
    const delivered = new Set(receiver.received.filter((w) => w.path === '/a').map((w) => header(w.headers, 'webhook-id')));
    const subscribed = feed.body.data.filter((e: { type: string }) => ['patient.admitted', 'result.received', 'endpoint.test'].includes(e.type)).map((e: { id: string }) => e.id);
    expect(new Set(subscribed)).toEqual(delivered);
    expect(feed.body.data[0]).toMatchObject({ id: expect.any(String), type: expect.any(String), timestamp: expect.any(String) });
    const next = await stack.call('GET', `/v1/events?after=${feed.body.next}&limit=100`, a.key);
    expect(next.body.data.filter((e: { id: string }) => ids.includes(e.id))).toEqual([]);
    expect((await stack.call('GET', '/v1/events?types=patient.teleported', a.key)).status).toBe(400);
    expect((await stack.call('GET', '/v1/event-types', a.key)).body.data.map((t: { type: string }) => t.type)).toEqual(expect.arrayContaining(['patient.admitted', 'result.received', 'appointment.booked', 'document.created']));
  });

  it('never shows one tenant’s endpoints, attempts or events to another (404, never the row)', async () => {
    for (const [method, path, body] of [
      ['GET', `/v1/webhook-endpoints/${endpointId}`],
      ['PATCH', `/v1/webhook-endpoints/${endpointId}`, { eventTypes: ['patient.admitted'] }],
      ['POST', `/v1/webhook-endpoints/${endpointId}/test`],
      ['POST', `/v1/webhook-endpoints/${endpointId}/rotate-secret`],
      ['POST', `/v1/webhook-endpoints/${endpointId}/replay`, { since: '2020-01-01T00:00:00Z' }],
      ['GET', `/v1/webhook-endpoints/${endpointId}/attempts`],
      ['DELETE', `/v1/webhook-endpoints/${endpointId}`],
    ] as const) {
      const res = await stack.call(method, path, b.key, body);
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
    }
    expect((await stack.call('GET', '/v1/webhook-endpoints', b.key)).body.data ?? (await stack.call('GET', '/v1/webhook-endpoints', b.key)).body.items).toEqual([]);
    expect((await stack.call('GET', '/v1/events?limit=100', b.key)).body.data).toEqual([]);
    const feedQuery = { query: '{ events(first: 100) { nodes { id type } next } }' };
    expect((await stack.call('POST', '/graphql', a.key, feedQuery)).body.data.events.nodes.length).toBeGreaterThan(0);
    const other = await stack.call('POST', '/graphql', b.key, feedQuery);
    expect(other.body.errors).toBeUndefined();
    expect(other.body.data.events.nodes).toEqual([]);
  });

  it('kept the signing secret and the patient out of every log line and span', async () => {
    const emitted = await stack.stopAndCollect();
    expect(findLeaks(emitted, [FAMILY, MRN, ...stack.secrets])).toEqual([]);
  });
});
