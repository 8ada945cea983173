/**
 * `npm run bench -- hl7`: MLLP ingest, ACK after the raw message is committed.
 * - Ours: the built mllp app (routing, dedupe, validation, patient key, commit,
 *   ACK) as a process: first alone, then with the worker processing everything
 *   received meanwhile (the headline figures: all our work on one machine).
 *   Between the two, the worker's drain rate on the backlog alone.
 * - Baseline, same run and machine: `@medplum/hl7`'s server as a process that only
 *   inserts the raw message into Postgres before ACKing (hl7-baseline-server.ts).
 * Senders wait for each ACK before the next message (classic MLLP), on one
 * connection and on eight at once. Also: v2 → FHIR conversion time of an ORU^R01
 * with 20 OBX, and how fast the worker drains what was received. A last pass restarts
 * the listener and the worker under `--cpu-prof` and summarizes where their busy time
 * goes while messages flow on one connection and the worker processes them.
 */
import { processEnv } from '@sb/config';
import { PrismaService } from '@sb/db';
import { convertMessage } from '@sb/hl7';
import type { TestingModule } from '@nestjs/testing';
import { createTestingApp, freePort, sendMllpMessages, startBuiltApp, startE2eStack, waitForPort, type RunningApp } from '@sb/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { buildOru } from '../../libs/hl7/src/fhir/testing/oru-with-obx';
import { createBenchDatabase } from './bench-database';
import { waitForHl7Drain } from './hl7-drain';
import type { ProfileSummary } from './cpu-profile-summary';
import { profileApps, type RestartableApps } from './profile-apps';

const PER_CONNECTION = 2_000;
const WARMUP = 300;
const CONNECTIONS = 8;
const CONVERSIONS = 2_000;
/** Messages on one connection in the profiled pass: a few seconds of load with the worker processing (≈ 150/s). */
const PROFILED = 500;

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const round = (n: number, digits = 3): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** A synthetic feed: admissions and results for 500 made-up patients, unique control ids. */
function feed(facility: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const controlId = `b-${randomUUID()}`;
    const pid = `PID|1||BENCH-${i % 500}^^^HOSP^MR||Bench${i % 500}^Synthetic||19700101|U|||1 Test Way^^Nowhere^ZZ^00000`;
    return i % 2 === 0
      ? [`MSH|^~\\&|REG|${facility}|SWITCHBOARD|GW|20260301101500-0500||ADT^A08^ADT_A01|${controlId}|P|2.5.1`, 'EVN|A08|20260301101500-0500', pid, 'PV1|1|O|CLINIC^1^1'].join('\r')
      : buildOru(5, { controlId, mrn: `BENCH-${i % 500}`, fillerOrderNumber: controlId }).replace('|SYNLIS|SYNLAB|', `|SYNLIS|${facility}|`);
  });
}

/** Messages/s over `connections` sockets at once, each sending `perConnection` messages ACK by ACK. */
interface Ingest {
  msgsPerSec: number;
  nonAA: number;
}

async function ingest(port: number, facilities: readonly string[], perConnection: number): Promise<Ingest> {
  const batches = facilities.map((f) => feed(f, perConnection));
  const started = process.hrtime.bigint();
  const acks = (await Promise.all(batches.map((messages) => sendMllpMessages(port, messages)))).flat();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { msgsPerSec: round(acks.length / seconds, 1), nonAA: acks.filter((a) => !/(^|\r)MSA\|AA\|/.test(a)).length };
}

function startBaseline(port: number, databaseUrl: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(__dirname, 'hl7-baseline-server.js'), String(port)], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...processEnv(), DATABASE_URL: databaseUrl } });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('listening')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`baseline exited with ${code}`)));
  });
}

function conversionTimes(): { p50: number; p99: number } {
  const oru = buildOru(20);
  const times: number[] = [];
  for (let i = 0; i < CONVERSIONS; i++) {
    const started = process.hrtime.bigint();
    const out = convertMessage(oru, {}, { idNamespace: 'bench' });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (!out.ok) throw new Error('the benchmark ORU did not convert');
  }
  times.sort((a, b) => a - b);
  return { p50: round(percentile(times, 50)), p99: round(percentile(times, 99)) };
}

export async function run(): Promise<Record<string, unknown>> {
  const convert = conversionTimes();

  const database = createBenchDatabase('hl7');
  try {
    return await measure(database.url, convert);
  } finally {
    await database.drop();
  }
}

async function measure(databaseUrl: string, convert: { p50: number; p99: number }): Promise<Record<string, unknown>> {
  const mllpPort = await freePort();
  // The worker starts later: first the listener alone, then the worker alone, then both at once.
  const stack = await startE2eStack('bench-hl7', ['api', 'mllp'], { DATABASE_URL: databaseUrl, SB_MLLP_PORT: String(mllpPort), LOG_LEVEL: 'warn' }, { exportSpans: false });
  let worker: RunningApp | null = null;
  let probe: TestingModule | null = null;
  let ours: Record<'ingestOnly' | 'withWorker', { one: Ingest; eight: Ingest }> & { workerDrainMsgsPerSec: number; workerBootMs: number };
  let profiles: Record<'mllp' | 'worker', ProfileSummary | undefined>;
  try {
    await waitForPort(mllpPort);
    const { key } = await stack.newTenant(`hl7-bench-${randomUUID().slice(0, 6)}`);
    const facilities: string[] = [];
    const connectionIds: string[] = [];
    for (let i = 0; i < CONNECTIONS; i++) {
      const facility = `BENCH-${i}-${randomUUID().slice(0, 6)}`;
      const created = await stack.call('POST', '/v1/connections', key, { name: `Bench site ${i}`, vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: facility });
      if (created.status !== 201) throw new Error(`connection not created: ${created.status}`);
      facilities.push(facility);
      connectionIds.push(created.body.id as string);
    }
    probe = await createTestingApp([], { DATABASE_URL: databaseUrl });
    const prisma = probe.get(PrismaService);
    const drained = () => waitForHl7Drain(prisma, connectionIds, 600_000);

    await ingest(mllpPort, facilities.slice(0, 1), WARMUP);
    const ingestOnly = { one: await ingest(mllpPort, facilities.slice(0, 1), PER_CONNECTION), eight: await ingest(mllpPort, facilities, PER_CONNECTION) };

    // The drain rate counts from the worker's first processed message: its boot (≈ 2 s of loading modules and
    // connecting) is reported beside it, not spread over the backlog as if it were slow processing.
    const backlog = WARMUP + PER_CONNECTION * (CONNECTIONS + 1);
    const spawnedAt = Date.now();
    worker = startBuiltApp('worker', stack.env);
    const processedOnFirst = async () => (await stack.call('GET', `/v1/connections/${connectionIds[0]}/hl7/messages?status=processed&limit=1`, key)).body.items.length;
    while ((await processedOnFirst()) === 0 && Date.now() - spawnedAt < 60_000) await new Promise((r) => setTimeout(r, 20));
    const drainStarted = Date.now();
    await drained();
    const workerDrainMsgsPerSec = round(backlog / ((Date.now() - drainStarted) / 1000), 1);
    const workerBootMs = drainStarted - spawnedAt;

    const withWorker = { one: await ingest(mllpPort, facilities.slice(0, 1), PER_CONNECTION), eight: await ingest(mllpPort, facilities, PER_CONNECTION) };
    await drained();
    ours = { ingestOnly, withWorker, workerDrainMsgsPerSec, workerBootMs };

    // The worker runs outside the stack (it starts late): the profiled pass restarts it here.
    const apps: RestartableApps = {
      pidOf: (app) => (app === 'worker' ? worker!.process.pid! : stack.pidOf(app)),
      restartApp: async (app, nodeArgs) => {
        if (app !== 'worker') return stack.restartApp(app, nodeArgs);
        await worker?.stop();
        worker = startBuiltApp('worker', stack.env, nodeArgs);
      },
    };
    const one = facilities.slice(0, 1);
    profiles = await profileApps(apps, ['mllp', 'worker'], {
      warmUp: async () => {
        await waitForPort(mllpPort);
        await ingest(mllpPort, one, WARMUP);
        await drained();
      },
      measured: async () => {
        await ingest(mllpPort, one, PROFILED);
        await drained();
      },
    });
  } finally {
    await probe?.close();
    await worker?.stop();
    await stack.close();
  }

  const basePort = await freePort();
  const baseline = await startBaseline(basePort, databaseUrl);
  let base: { one: { msgsPerSec: number }; eight: { msgsPerSec: number } };
  try {
    await ingest(basePort, ['BASE'], WARMUP);
    const one = await ingest(basePort, ['BASE'], PER_CONNECTION);
    const eight = await ingest(basePort, Array.from({ length: CONNECTIONS }, (_, i) => `BASE-${i}`), PER_CONNECTION);
    base = { one, eight };
  } finally {
    await new Promise<void>((resolve) => {
      baseline.once('exit', () => resolve());
      baseline.kill('SIGTERM');
    });
  }

  return {
    bench: 'hl7',
    messagesPerConnection: PER_CONNECTION,
    ours,
    baseline: { server: '@medplum/hl7 4.5 + one INSERT per message', one: base.one.msgsPerSec, eight: base.eight.msgsPerSec },
    ingestOnlyRatioVsBaseline: round(ours.ingestOnly.one.msgsPerSec / base.one.msgsPerSec),
    ingestOnlyRatioVsBaseline8: round(ours.ingestOnly.eight.msgsPerSec / base.eight.msgsPerSec),
    // Headline figures: ingest while the worker does all the rest of our work on the same machine.
    msgsPerSec: ours.withWorker.one.msgsPerSec,
    msgsPerSec8: ours.withWorker.eight.msgsPerSec,
    ratioVsBaseline: round(ours.withWorker.one.msgsPerSec / base.one.msgsPerSec),
    ratioVsBaseline8: round(ours.withWorker.eight.msgsPerSec / base.eight.msgsPerSec),
    workerDrainMsgsPerSec: ours.workerDrainMsgsPerSec,
    workerBootMs: ours.workerBootMs,
    convertP50Ms: convert.p50,
    convertP99Ms: convert.p99,
    targets: { msgsPerSec: '>= 1000', ratioVsBaseline: '>= 0.8', workerDrainMsgsPerSec: '>= 1000', convertP99Ms: '<= 10' },
    // Self time by package while PROFILED messages flow on one connection and the worker processes them.
    profiles,
  };
}
