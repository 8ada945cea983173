/**
 * `npm run bench -- webhooks`: event commit → first delivery attempt latency at a
 * steady rate, signed deliveries per second on a burst, and a healthy endpoint's
 * p99 beside another tenant's endpoint, first healthy, then hanging, with the same
 * events committed for both tenants (so the ratio is the hang's doing, not a doubled
 * load's; the ratio to the endpoint alone is reported beside it). The api and
 * worker run as processes on a fresh database; events are committed through the
 * outbox writer from this process; receivers are real HTTP servers here, and commit and
 * receipt times are read from the same sub-millisecond clock. A last
 * pass restarts the worker (which delivers; the api takes no part) under `--cpu-prof`
 * and summarizes where its busy time goes over a burst.
 */
import type { TestingModule } from '@nestjs/testing';
import { Database } from '@sb/db';
import { EventsModule, EventWriter } from '@sb/events';
import { createTestingApp, epochMsNow, startE2eStack, startWebhookReceiver, type E2eTenant, type WebhookReceiver } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import { createBenchDatabase } from './bench-database';
import { profileApps } from './profile-apps';

const STEADY_RATE_PER_SEC = 100;
/**
 * Long enough that the hanging endpoint's attempts time out (`WEBHOOK_TIMEOUT_MS`, 15 s) inside its phase: a wave of
 * timeouts, each recorded as a failure, is part of what a hanging neighbour costs (until session 23 the phases were 10 s
 * and the wave came after the measurement).
 */
const STEADY_SECONDS = 20;
const BURST = 5_000;
/** Deliveries in the profiled pass's burst: a few seconds of load (≈ 200/s on a 2-core machine). */
const PROFILED_BURST = 1_000;

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Commits one event per tick for `tenant`; returns commit times by event id. */
async function steady(db: TestingModule, tenants: readonly E2eTenant[], perSecond: number, seconds: number): Promise<Map<string, number>> {
  const committed = new Map<string, number>();
  const writer = db.get(EventWriter);
  const interval = 1000 / perSecond;
  const started = Date.now();
  for (let i = 0; i < perSecond * seconds; i++) {
    const due = started + i * interval;
    if (due > Date.now()) await sleep(due - Date.now());
    await Promise.all(
      tenants.map(async (t, n) => {
        const patient = `Patient/bench-${i % 200}`;
        const [id] = await db.get(Database).transaction((tx) => writer.append(tx, [{ tenantId: t.id, connectionId: null, type: 'patient.updated', data: { patient }, patientRef: patient }]));
        if (n === 0 && id) committed.set(id, epochMsNow());
      }),
    );
  }
  return committed;
}

function latencies(committed: Map<string, number>, receiver: WebhookReceiver): { p50: number; p99: number; count: number } {
  const first = new Map<string, number>();
  for (const w of receiver.received) {
    const id = String(w.headers['webhook-id']);
    if (!first.has(id)) first.set(id, w.receivedAtMs);
  }
  const values = [...committed].flatMap(([id, at]) => (first.has(id) ? [(first.get(id) as number) - at] : [])).sort((a, b) => a - b);
  return { p50: round(percentile(values, 50), 2), p99: round(percentile(values, 99), 2), count: values.length };
}

export async function run(): Promise<Record<string, unknown>> {
  const database = createBenchDatabase('webhooks');
  try {
    return await measure(database.url);
  } finally {
    await database.drop();
  }
}

async function measure(databaseUrl: string): Promise<Record<string, unknown>> {
  const healthy = await startWebhookReceiver();
  const hanging = await startWebhookReceiver(() => 'hang');
  const stack = await startE2eStack('bench-webhooks', ['api', 'worker'], { DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' }, { exportSpans: false });
  const db = await createTestingApp([EventsModule], { DATABASE_URL: databaseUrl });
  try {
    const a = await stack.newTenant(`bench-healthy-${randomUUID().slice(0, 6)}`);
    const b = await stack.newTenant(`bench-noisy-${randomUUID().slice(0, 6)}`);
    const created = await stack.call('POST', '/v1/webhook-endpoints', a.key, { url: healthy.url('/a'), eventTypes: ['patient.updated'] });
    if (created.status !== 201) throw new Error(`endpoint not created: ${created.status}`);
    const steadyTotal = STEADY_RATE_PER_SEC * STEADY_SECONDS;

    // Warm up, then the steady rate with the healthy endpoint alone.
    const warm = await steady(db, [a], 50, 2);
    await healthy.waitFor((r) => r.length >= warm.size, 60_000);
    const alone = await steady(db, [a], STEADY_RATE_PER_SEC, STEADY_SECONDS);
    await healthy.waitFor((r) => r.length >= warm.size + steadyTotal, 120_000);
    const quiet = latencies(alone, healthy);

    // Another tenant's events at the same rate, its endpoint healthy: the neighbour's load without a hang.
    const neighbour = await startWebhookReceiver();
    let besideHealthy: ReturnType<typeof latencies>;
    try {
      const calm = await stack.call('POST', '/v1/webhook-endpoints', b.key, { url: neighbour.url('/b'), eventTypes: ['patient.updated'] });
      if (calm.status !== 201) throw new Error(`endpoint not created: ${calm.status}`);
      const withNeighbour = await steady(db, [a, b], STEADY_RATE_PER_SEC, STEADY_SECONDS);
      await healthy.waitFor((r) => r.length >= warm.size + 2 * steadyTotal, 120_000);
      await neighbour.waitFor((r) => r.length >= steadyTotal, 120_000);
      besideHealthy = latencies(withNeighbour, healthy);
      const calmed = await stack.call('POST', `/v1/webhook-endpoints/${calm.body.id}/disable`, b.key);
      if (calmed.status !== 200) throw new Error(`endpoint not disabled: ${calmed.status}`);
    } finally {
      await neighbour.close();
    }

    // The same, while the other tenant's endpoint hangs on every delivery.
    const noisy = await stack.call('POST', '/v1/webhook-endpoints', b.key, { url: hanging.url('/b'), eventTypes: ['patient.updated'] });
    if (noisy.status !== 201) throw new Error(`endpoint not created: ${noisy.status}`);
    const beside = await steady(db, [a, b], STEADY_RATE_PER_SEC, STEADY_SECONDS);
    await healthy.waitFor((r) => r.length >= warm.size + 3 * steadyTotal, 120_000);
    const loud = latencies(beside, healthy);
    await stack.call('POST', `/v1/webhook-endpoints/${noisy.body.id}/disable`, b.key);

    // A burst: signed deliveries per second to one endpoint.
    const writer = db.get(EventWriter);
    const burst = async (size: number) => {
      const before = healthy.received.length;
      for (let i = 0; i < size / 500; i++) {
        await db.get(Database).transaction((tx) =>
          writer.append(tx, Array.from({ length: 500 }, (_, n) => ({ tenantId: a.id, connectionId: null, type: 'patient.updated', data: { patient: `Patient/burst-${(i * 500 + n) % 300}` } }))),
        );
      }
      await healthy.waitFor((r) => r.length >= before + size, 300_000);
    };
    const burstStarted = Date.now();
    await burst(BURST);
    const deliveriesPerSec = round(BURST / ((Date.now() - burstStarted) / 1000));

    const profiles = await profileApps(stack, ['worker'], { warmUp: () => burst(500), measured: () => burst(PROFILED_BURST) });

    return {
      bench: 'webhooks',
      steadyRatePerSec: STEADY_RATE_PER_SEC,
      alone: quiet,
      besideHealthyNeighbour: besideHealthy,
      besideHangingEndpoint: { ...loud, hangingEndpointRequests: hanging.received.length },
      commitToAttemptP50Ms: quiet.p50,
      commitToAttemptP99Ms: quiet.p99,
      deliveriesPerSec,
      // The hanging neighbour against the same neighbour healthy; against the endpoint alone (half the events) beside it.
      noisyNeighbourP99Ratio: round(loud.p99 / Math.max(besideHealthy.p99, 1), 3),
      noisyNeighbourP99RatioVsAlone: round(loud.p99 / Math.max(quiet.p99, 1), 3),
      targets: { commitToAttemptP50Ms: '<= 20', commitToAttemptP99Ms: '<= 100', deliveriesPerSec: '>= 1000', noisyNeighbourP99Ratio: '<= 1.2' },
      // Self time by package of the worker over a burst of PROFILED_BURST deliveries.
      profiles,
    };
  } finally {
    await db.close();
    await stack.close();
    await healthy.close();
    await hanging.close();
  }
}
