/**
 * Connection health end to end (issue 16, "Connections watched"): the built api, worker and
 * sandbox EHRs as processes, the worker's monitor checking every second. A sandbox Epic
 * connection is faulted (its FHIR server answers 500) and recovers; each transition arrives
 * once as a signed `connection.health_changed` webhook, `GET /v1/connections/{id}` shows the
 * status, and the history lists the same transitions with the events' ids. Another tenant
 * sees none of it.
 */
import { startE2eStack, startWebhookReceiver, type E2eStack, type E2eTenant, type WebhookReceiver } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

let stack: E2eStack;
let receiver: WebhookReceiver;
let a: E2eTenant;
let b: E2eTenant;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  stack = await startE2eStack('health-e2e', ['api', 'worker', 'sandbox'], { SB_HEALTH_CHECK_SECONDS: '1' });
  a = await stack.newTenant(`health-a-${randomUUID().slice(0, 6)}`);
  b = await stack.newTenant(`health-b-${randomUUID().slice(0, 6)}`);
}, 120_000);
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

const sandbox = async (method: string, path: string, body?: unknown): Promise<void> => {
  const res = await fetch(`${stack.sandboxUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  expect(res.status).toBeLessThan(300);
};

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface HealthEvent {
  id: string;
  type: string;
  data: { connectionId: string; status: string; previousStatus: string; healthy: boolean; reason: string; errorCode: string | null };
}

describe('a sandbox connection faulted and recovered', () => {
  let connectionId: string;
  let secret: string;
  const delivered = (): HealthEvent[] =>
    receiver.received
      .filter((w) => w.path === '/health')
      .map((w) =>
        new Webhook(secret).verify(w.body, {
          'webhook-id': String(w.headers['webhook-id']),
          'webhook-timestamp': String(w.headers['webhook-timestamp']),
          'webhook-signature': String(w.headers['webhook-signature']),
        }) as HealthEvent,
      );

  beforeAll(async () => {
    const endpoint = await stack.call('POST', '/v1/webhook-endpoints', a.key, { url: receiver.url('/health'), eventTypes: ['connection.health_changed'] });
    expect(endpoint.status).toBe(201);
    secret = endpoint.body.secret;
    stack.secrets.push(secret);
    const created = await stack.call('POST', '/v1/connections', a.key, { name: 'Epic watched', vendor: 'epic', environment: 'sandbox' });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('live');
    connectionId = created.body.id;
  });

  it('is checked once live: healthy, with when it was checked and no error rate, quietly (the baseline is not an event)', async () => {
    const res = await until(
      () => stack.call('GET', `/v1/connections/${connectionId}`, a.key),
      (r) => r.body.health?.status === 'healthy',
    );
    expect(res.body.health).toMatchObject({ status: 'healthy', lastCheckAt: expect.any(String), lastSuccessAt: expect.any(String), errorRate: 0, expiresSoon: [] });
    expect(delivered()).toEqual([]);
  });

  it('goes degraded, then down, while its EHR fails, and healthy again when it recovers: one webhook per transition', async () => {
    await sandbox('POST', '/_sandbox/faults', { vendor: 'epic', kind: 'server-error', status: 500, count: 2 });
    await receiver.waitFor((r) => r.filter((w) => w.path === '/health').length >= 3, 30_000);
    // Give a duplicate the chance to show up before counting.
    await new Promise((r) => setTimeout(r, 2_500));
    const events = delivered();
    expect(events.map((e) => [e.data.previousStatus, e.data.status, e.data.reason, e.data.errorCode])).toEqual([
      ['healthy', 'degraded', 'check_failed', 'http_500'],
      ['degraded', 'down', 'check_failed', 'http_500'],
      ['down', 'healthy', 'check_passed', null],
    ]);
    for (const e of events) expect(e).toMatchObject({ type: 'connection.health_changed', data: { connectionId, healthy: e.data.status === 'healthy' } });
    expect(new Set(events.map((e) => e.id)).size).toBe(3);

    const history = await stack.call('GET', `/v1/connections/${connectionId}/health/changes`, a.key);
    expect(history.status).toBe(200);
    const items = history.body.items as { from: string; to: string; eventId: string | null }[];
    expect(items.map((c) => [c.from, c.to])).toEqual([
      ['down', 'healthy'],
      ['degraded', 'down'],
      ['healthy', 'degraded'],
      ['unknown', 'healthy'],
    ]);
    expect(items.slice(0, 3).map((c) => c.eventId)).toEqual(events.map((e) => e.id).reverse());
  });

  it('shows the status over GraphQL too', async () => {
    const res = await stack.call('POST', '/graphql', a.key, { query: `query($id: ID!) { connection(id: $id) { health { status errorRate recentCalls expiresSoon { kind name at } } } }`, variables: { id: connectionId } });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.connection.health).toEqual({ status: 'healthy', errorRate: 0, recentCalls: 0, expiresSoon: [] });
  });

  it('is another tenant’s 404, for the connection and its history', async () => {
    expect((await stack.call('GET', `/v1/connections/${connectionId}`, b.key)).status).toBe(404);
    const history = await stack.call('GET', `/v1/connections/${connectionId}/health/changes`, b.key);
    expect(history.status).toBe(404);
    expect(history.text).not.toContain('degraded');
  });
});
