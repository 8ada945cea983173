/**
 * Delivery survives its worst day: 10,000 events are being delivered when the
 * worker is killed with SIGKILL and Redis (a private instance, keeping nothing on
 * disk) is killed and restarted empty. Postgres holds the truth — every event must
 * still arrive at least once, duplicates must share their `webhook-id`, and the
 * catch-up feed must list exactly the delivered events.
 */
import { Database } from '@sb/db';
import { EventsModule, EventWriter } from '@sb/events';
import { createTestingApp, freePort, startBuiltApp, startE2eStack, startWebhookReceiver, waitForPort, type E2eStack, type RunningApp, type WebhookReceiver } from '@sb/testing';
import type { TestingModule } from '@nestjs/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';

const TOTAL = 10_000;
const KILL_AFTER = 2_000;

let redisPort: number;
let redis: ChildProcess;
let stack: E2eStack;
let worker: RunningApp;
let receiver: WebhookReceiver;
let db: TestingModule;

const startRedis = async (): Promise<ChildProcess> => {
  const child = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitForPort(redisPort, 10_000);
  return child;
};
const killed = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

beforeAll(async () => {
  redisPort = await freePort();
  redis = await startRedis();
  receiver = await startWebhookReceiver();
  stack = await startE2eStack('webhooks-durability', ['api'], { REDIS_URL: `redis://127.0.0.1:${redisPort}`, SB_WEBHOOK_LEASE_SECONDS: '5', LOG_LEVEL: 'info' });
  worker = startBuiltApp('worker', stack.env);
  db = await createTestingApp([EventsModule]);
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await stack?.close();
  await db?.close();
  await receiver?.close();
  if (redis) await killed(redis);
});

it('delivers every one of 10,000 events at least once across a kill -9 of the worker and a Redis restart', async () => {
  const tenant = await stack.newTenant(`dur-${randomUUID().slice(0, 6)}`);
  const { key } = tenant;
  const endpoint = await stack.call('POST', '/v1/webhook-endpoints', key, { url: receiver.url('/hook'), eventTypes: ['patient.updated'] });
  expect(endpoint.status).toBe(201);

  const writer = db.get(EventWriter);
  for (let batch = 0; batch < TOTAL / 1_000; batch++) {
    await db.get(Database).transaction((tx) =>
      writer.append(
        tx,
        Array.from({ length: 1_000 }, (_, i) => {
          const patient = `Patient/dur-${(batch * 1_000 + i) % 500}`;
          return { tenantId: tenant.id, connectionId: null, type: 'patient.updated', data: { patient }, patientRef: patient };
        }),
      ),
    );
  }

  await receiver.waitFor((r) => r.length >= KILL_AFTER, 120_000);
  await killed(worker.process);
  await killed(redis);
  redis = await startRedis();
  worker = startBuiltApp('worker', stack.env);

  const ids = () => new Set(receiver.received.map((w) => String(w.headers['webhook-id'])));
  await receiver.waitFor(() => ids().size >= TOTAL, 240_000);

  // Duplicates (deliveries in flight at the kill) carry the same webhook-id and the same body.
  const bodies = new Map<string, string>();
  for (const w of receiver.received) {
    const id = String(w.headers['webhook-id']);
    const body = bodies.get(id);
    if (body === undefined) bodies.set(id, w.body);
    else expect(w.body).toBe(body);
  }

  const feed = new Set<string>();
  let after = '';
  for (;;) {
    const page = await stack.call('GET', `/v1/events?after=${after}&limit=500`, key);
    expect(page.status).toBe(200);
    for (const e of page.body.data as { id: string }[]) feed.add(e.id);
    if (page.body.data.length === 0) break;
    after = page.body.next;
  }
  expect(feed.size).toBe(TOTAL);
  expect(ids()).toEqual(feed);
}, 420_000);
