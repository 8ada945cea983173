/**
 * `npm run bench -- scale` (issue 13, horizontal scale): the same three workloads on one
 * process of each app, then with a second api, worker and mllp process started beside the
 * first on the same database and Redis prefix, the load split across the two api ports and
 * the two MLLP ports. Each two-process figure is reported as a ratio of the one-process one.
 * - proxy: gateway REST Patient reads against the sandbox Epic, at a fixed concurrency, the
 *   requests alternating between the api processes.
 * - hl7: several MLLP connections at once (split across the listeners), each sending ACK by
 *   ACK, while the worker(s) process; the headline rate is end to end (first message sent →
 *   every message processed), the ACK rate is reported beside it. Afterwards every message
 *   must have been processed exactly once: one successful `message.in` usage event per message
 *   sent, no outbox event written twice for a message, none left unprocessed.
 * - webhooks: a burst of events committed at once for a few endpoints (the per-endpoint cap
 *   would otherwise bound a single endpoint), delivered by the worker(s); the receiver counts
 *   each `(endpoint, webhook-id)` it sees more than once (none expected in the happy path).
 * The one- and two-process phases alternate for ROUNDS rounds (the extra processes are
 * started for each two-process phase and stopped after it) and each figure is the best of its
 * rounds: the machine is shared, and another job only ever lowers a figure. Before each measured
 * window the bench waits a little for other jobs to go quiet, and each window records the cores
 * used by each app, by this process (load generator, receiver, event writer), by Postgres and
 * Redis, by anything else (`outside`) and by the whole machine.
 *
 * The target (≥ 1.7×) assumes spare cores. When the one-process run already keeps the
 * machine's cores busy — on a 2-core machine the api with the sandbox EHR and the load
 * generator, or the listener and worker with Postgres, fill most of both — a second process
 * of an app can only take CPU from the others, so the ratio is bounded by the cores the
 * one-process run left idle, not by the gateway's design. `ceilingOnThisMachine` is that
 * bound: the machine's cores over the cores the one-process run kept busy (ours, the load
 * generator's and the databases'), i.e. the best ratio possible at the same CPU per unit of work.
 */
import { Database, PrismaService } from '@sb/db';
import { EventsModule, EventWriter } from '@sb/events';
import { createTestingApp, freePort, sendMllpMessages, startBuiltApp, startE2eStack, startWebhookReceiver, waitForOk, waitForPort, type RunningApp, type WebhookReceiver } from '@sb/testing';
import type { TestingModule } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { buildOru } from '../../libs/hl7/src/fhir/testing/oru-with-obx';
import { createBenchDatabase } from './bench-database';
import { waitForHl7Drain } from './hl7-drain';
import { runLoad, type LoadRequest } from './load';
import { allProcessesCpuMs, machineBusyMs } from './proc-stats';

const PROXY_CONCURRENCY = 16;
/** Warm-up requests per api process: a fresh process's JIT needs about this many before its CPU per request settles. */
const PROXY_WARMUP_PER_API = 1_000;
const PROXY_REQUESTS = 3_000;
const HL7_CONNECTIONS = 8;
const HL7_PER_CONNECTION = 300;
const HL7_WARMUP = 100;
const WEBHOOK_ENDPOINTS = 4;
const WEBHOOK_EVENTS = 1_000;
const WEBHOOK_WARMUP_EVENTS = 100;
const DRAIN_TIMEOUT_MS = 120_000;
/** One-process and two-process phases alternate this many times; each figure is the best of its rounds (others' jobs only ever lower one). */
const ROUNDS = 2;
const QUIET_OUTSIDE_CORES = 0.25;
const QUIET_WAIT_MS = 15_000;
const TARGETS = { ratio: 1.7, duplicatesProcessed: 0, unprocessed: 0, duplicateDeliveries: 0 };

const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (since: bigint): number => Number(process.hrtime.bigint() - since) / 1e9;

/** One deployment of the gateway: where its api and MLLP listeners are, and its processes by app. */
interface Deployment {
  apiBases: string[];
  mllpPorts: number[];
  pids: Record<'api' | 'worker' | 'mllp' | 'sandbox', number[]>;
}

type Cores = Record<string, number>;

/** Busy cores between two snapshots: `ours` by app, Postgres, Redis and everything else (`outside`: another job on the machine). */
function coresBetween(
  before: ReturnType<typeof allProcessesCpuMs>,
  after: ReturnType<typeof allProcessesCpuMs>,
  wallMs: number,
  ours: Record<string, readonly number[]>,
): Cores {
  const appOf = new Map(Object.entries(ours).flatMap(([app, pids]) => pids.map((pid) => [pid, app] as const)));
  const used: Cores = Object.fromEntries([...Object.keys(ours), 'postgres', 'redis', 'outside'].map((k) => [k, 0]));
  for (const [pid, { command, cpuMs }] of after) {
    // A process that started in the window counts whole; one that ended in it is missed.
    const delta = cpuMs - (before.get(pid)?.cpuMs ?? 0);
    const group = appOf.get(pid) ?? (command === 'postgres' ? 'postgres' : command === 'redis-server' ? 'redis' : 'outside');
    used[group] = (used[group] ?? 0) + delta;
  }
  return Object.fromEntries(Object.entries(used).map(([k, ms]) => [k, round(ms / wallMs)]));
}

/** The deployment's processes by app, and this one (load generator, webhook receiver, event writer). */
const oursOf = (d: Deployment): Record<string, number[]> => ({ ...d.pids, loadGenerator: [process.pid] });

/** Cores used between start and stop by each app (its processes together), this process, Postgres, Redis, the rest, and the machine. */
function cpuWindow(d: Deployment): { stop: () => Cores } {
  const started = process.hrtime.bigint();
  const before = allProcessesCpuMs();
  const machine = machineBusyMs();
  return {
    stop: () => {
      const wallMs = seconds(started) * 1000;
      return { ...coresBetween(before, allProcessesCpuMs(), wallMs, oursOf(d)), machine: round((machineBusyMs() - machine) / wallMs) };
    },
  };
}

/**
 * The machine is shared: before a measured window, waits (a while at most) until processes
 * outside the bench, its stack, Postgres and Redis use less than QUIET_OUTSIDE_CORES.
 */
async function waitForQuiet(d: Deployment): Promise<void> {
  const deadline = Date.now() + QUIET_WAIT_MS;
  for (;;) {
    const cpu = cpuWindow(d);
    await sleep(1_000);
    const { outside } = cpu.stop();
    if ((outside ?? 0) < QUIET_OUTSIDE_CORES) return;
    if (Date.now() > deadline) return console.log(`  (still ${outside} cores busy outside the bench: measuring anyway)`);
  }
}

/** A synthetic feed for one sending facility: admissions and lab results for 200 made-up patients, unique control ids. */
function feed(facility: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const controlId = `s-${randomUUID()}`;
    const mrn = `SCALE-${i % 200}`;
    return i % 2 === 0
      ? [
          `MSH|^~\\&|REG|${facility}|SWITCHBOARD|GW|20260301101500-0500||ADT^A08^ADT_A01|${controlId}|P|2.5.1`,
          'EVN|A08|20260301101500-0500',
          `PID|1||${mrn}^^^HOSP^MR||Scale${i % 200}^Synthetic||19700101|U|||1 Test Way^^Nowhere^ZZ^00000`,
          'PV1|1|O|CLINIC^1^1',
        ].join('\r')
      : buildOru(5, { controlId, mrn, fillerOrderNumber: controlId }).replace('|SYNLIS|SYNLAB|', `|SYNLIS|${facility}|`);
  });
}

interface Hl7Counts {
  stored: number;
  processed: number;
  pending: number;
  usageSuccess: number;
  duplicateEvents: number;
}

/** What the database holds for the connections' messages, read directly (the bench's own check, not the product's). */
async function hl7Counts(prisma: PrismaService, connectionIds: readonly string[]): Promise<Hl7Counts> {
  const [messages] = await prisma.$queryRawUnsafe<{ stored: number; processed: number; pending: number }[]>(
    `SELECT count(*)::int AS stored, count(*) FILTER (WHERE status = 'processed')::int AS processed, count(*) FILTER (WHERE status = 'received')::int AS pending
     FROM "Hl7InboundMessage" WHERE "connectionId" = ANY($1::uuid[])`,
    connectionIds,
  );
  const [usage] = await prisma.$queryRawUnsafe<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM "UsageEvent" WHERE "connectionId" = ANY($1::uuid[]) AND operation = 'message.in' AND outcome = 'success' AND "nonBillableReason" IS DISTINCT FROM 'duplicate'`,
    connectionIds,
  );
  // A message applied twice would write its outbox events twice (same source message, type and data).
  const [events] = await prisma.$queryRawUnsafe<{ n: number }[]>(
    `SELECT (count(*) - count(DISTINCT ("sourceMessageId", type, data::text)))::int AS n FROM "Event" WHERE "connectionId" = ANY($1::uuid[])`,
    connectionIds,
  );
  return { ...messages!, usageSuccess: usage!.n, duplicateEvents: events!.n };
}

/** Sends each facility's messages on its own connection, the connections spread over the deployment's listeners. */
async function sendFeeds(d: Deployment, facilities: readonly string[], perConnection: number): Promise<{ sent: number; nonAA: number }> {
  const acks = (await Promise.all(facilities.map((f, i) => sendMllpMessages(d.mllpPorts[i % d.mllpPorts.length]!, feed(f, perConnection))))).flat();
  return { sent: acks.length, nonAA: acks.filter((a) => !/(^|\r)MSA\|AA\|/.test(a)).length };
}

interface Hl7Site {
  facilities: string[];
  connectionIds: string[];
}

async function hl7Workload(d: Deployment, prisma: PrismaService, warm: Hl7Site, site: Hl7Site) {
  // Warm-up: every listener and worker of the deployment has handled messages before the window.
  await sendFeeds(d, warm.facilities.slice(0, d.mllpPorts.length), HL7_WARMUP);
  await waitForHl7Drain(prisma, warm.connectionIds, DRAIN_TIMEOUT_MS);
  await waitForQuiet(d);
  const cpu = cpuWindow(d);
  const started = process.hrtime.bigint();
  const sent = await sendFeeds(d, site.facilities, HL7_PER_CONNECTION);
  const ingestSec = seconds(started);
  await waitForHl7Drain(prisma, site.connectionIds, DRAIN_TIMEOUT_MS);
  const totalSec = seconds(started);
  const cores = cpu.stop();
  const counts = await hl7Counts(prisma, site.connectionIds);
  return {
    msgsPerSec: round(sent.sent / totalSec, 1),
    ingestMsgsPerSec: round(sent.sent / ingestSec, 1),
    sent: sent.sent,
    nonAA: sent.nonAA,
    ...counts,
    duplicatesProcessed: Math.max(0, counts.usageSuccess - sent.sent) + counts.duplicateEvents,
    unprocessed: sent.sent - counts.processed,
    cores,
  };
}

async function proxyWorkload(d: Deployment, read: (base: string, i: number) => LoadRequest) {
  const make = (i: number) => read(d.apiBases[i % d.apiBases.length]!, i);
  await runLoad(make, PROXY_WARMUP_PER_API * d.apiBases.length, PROXY_CONCURRENCY);
  await waitForQuiet(d);
  const cpu = cpuWindow(d);
  const result = await runLoad(make, PROXY_REQUESTS, PROXY_CONCURRENCY);
  const cores = cpu.stop();
  if (result.errors > 0) throw new Error(`proxy: ${result.errors} of ${PROXY_REQUESTS} requests failed`);
  return { ...result, cores };
}

/** Commits `events` events for the webhook tenant in transactions of 500 (one delivery per endpoint each). */
async function commitEvents(events: TestingModule, tenantId: string, count: number): Promise<void> {
  const writer = events.get(EventWriter);
  for (let done = 0; done < count; done += 500) {
    const n = Math.min(500, count - done);
    await events.get(Database).transaction((tx) =>
      writer.append(tx, Array.from({ length: n }, (_, k) => ({ tenantId, connectionId: null, type: 'patient.updated', data: { patient: `Patient/scale-${(done + k) % 300}` } }))),
    );
  }
}

/** The receiver's (endpoint, webhook-id) pairs from `from` on: how many distinct, how many seen again. */
function tally(receiver: WebhookReceiver, from: number): { distinct: number; duplicates: number } {
  const slice = receiver.received.slice(from);
  const distinct = new Set(slice.map((w) => `${w.path} ${String(w.headers['webhook-id'])}`)).size;
  return { distinct, duplicates: slice.length - distinct };
}

async function webhooksWorkload(d: Deployment, events: TestingModule, tenantId: string, receiver: WebhookReceiver) {
  const burst = async (count: number) => {
    const from = receiver.received.length;
    await commitEvents(events, tenantId, count);
    await receiver.waitFor(() => tally(receiver, from).distinct >= count * WEBHOOK_ENDPOINTS, DRAIN_TIMEOUT_MS);
    return from;
  };
  await burst(WEBHOOK_WARMUP_EVENTS);
  await waitForQuiet(d);
  const cpu = cpuWindow(d);
  const started = process.hrtime.bigint();
  const from = await burst(WEBHOOK_EVENTS);
  const elapsed = seconds(started);
  const cores = cpu.stop();
  // A late second attempt would arrive after the last first one: give it a moment to show.
  await sleep(1_000);
  const { duplicates } = tally(receiver, from);
  return { deliveriesPerSec: round((WEBHOOK_EVENTS * WEBHOOK_ENDPOINTS) / elapsed, 1), deliveries: WEBHOOK_EVENTS * WEBHOOK_ENDPOINTS, duplicateDeliveries: duplicates, cores };
}

/** Waits until an app started outside the stack has logged `line` (apps log at info here). */
async function waitForLine(app: RunningApp, line: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!app.output().includes(line)) {
    if (app.process.exitCode !== null) throw new Error(`${app.name} exited early:\n${app.output()}`);
    if (Date.now() > deadline) throw new Error(`${app.name} did not log "${line}":\n${app.output()}`);
    await sleep(100);
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const database = createBenchDatabase('scale');
  try {
    return await measure(database.url);
  } finally {
    await database.drop();
  }
}

/** Cores the workload kept busy in a window, ours and the databases' (without other jobs): the machine's ceiling is `cores / this`. */
const busyOf = (cores: Cores): number => Object.entries(cores).reduce((sum, [k, v]) => (k === 'outside' || k === 'machine' ? sum : sum + v), 0);
const best = <T>(rounds: readonly T[], rate: (t: T) => number): T => rounds.reduce((a, b) => (rate(b) > rate(a) ? b : a));
const sum = <T>(rounds: readonly T[], n: (t: T) => number): number => rounds.reduce((acc, t) => acc + n(t), 0);

async function measure(databaseUrl: string): Promise<Record<string, unknown>> {
  const mllpPort = await freePort();
  const receiver = await startWebhookReceiver();
  // Logs at info, as deployed (the api logs each request), for every process alike.
  const stack = await startE2eStack('bench-scale', ['api', 'worker', 'mllp', 'sandbox'], { DATABASE_URL: databaseUrl, SB_MLLP_PORT: String(mllpPort), LOG_LEVEL: 'info' }, { exportSpans: false });
  const events = await createTestingApp([EventsModule], { DATABASE_URL: databaseUrl });
  const prisma = events.get(PrismaService);
  let extra: RunningApp[] = [];
  const stopExtra = async () => {
    await Promise.all(extra.map((app) => app.stop()));
    extra = [];
  };
  try {
    await waitForPort(mllpPort);
    // The proxy and HL7 traffic belong to one tenant, the webhook endpoints to another: the HL7
    // workload's own events never reach the webhook receiver.
    const gateway = await stack.newTenant(`scale-${randomUUID().slice(0, 6)}`);
    const hooks = await stack.newTenant(`scale-hooks-${randomUUID().slice(0, 6)}`);
    const epic = await stack.call('POST', '/v1/connections', gateway.key, { name: 'Epic sandbox', vendor: 'epic', environment: 'sandbox' });
    if (epic.body.status !== 'live') throw new Error('the bench connection did not go live');
    const patients = (await (await fetch(`${stack.sandboxUrl}/_sandbox/patients?vendor=epic`)).json()) as { id: string }[];
    const headers = { authorization: `Bearer ${gateway.key}`, accept: 'application/fhir+json' };
    const read = (base: string, i: number): LoadRequest => ({ method: 'GET', url: `${base}/fhir/r4/${epic.body.id as string}/Patient/${patients[i % patients.length]!.id}`, headers });

    const newSite = async (label: string, count: number): Promise<Hl7Site> => {
      const site: Hl7Site = { facilities: [], connectionIds: [] };
      for (let i = 0; i < count; i++) {
        const facility = `SCALE-${label}-${i}-${randomUUID().slice(0, 6)}`;
        const created = await stack.call('POST', '/v1/connections', gateway.key, { name: `Scale ${label} ${i}`, vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: facility });
        if (created.status !== 201) throw new Error(`connection not created: ${created.status}`);
        site.facilities.push(facility);
        site.connectionIds.push(created.body.id as string);
      }
      return site;
    };
    const warmSite = await newSite('warm', 2);
    for (let i = 0; i < WEBHOOK_ENDPOINTS; i++) {
      const created = await stack.call('POST', '/v1/webhook-endpoints', hooks.key, { url: receiver.url(`/scale-${i}`), eventTypes: ['patient.updated'] });
      if (created.status !== 201) throw new Error(`endpoint not created: ${created.status}`);
    }

    const one: Deployment = {
      apiBases: [stack.base],
      mllpPorts: [mllpPort],
      pids: { api: [stack.pidOf('api')], worker: [stack.pidOf('worker')], mllp: [stack.pidOf('mllp')], sandbox: [stack.pidOf('sandbox')] },
    };
    /** The second api, worker and listener: the stack's environment (database, Redis prefix), their own ports. */
    const scaleOut = async (): Promise<Deployment> => {
      const apiPort = await freePort();
      const mllpPort2 = await freePort();
      const [api2, worker2, mllp2] = [
        startBuiltApp('api', { ...stack.env, PORT: String(apiPort) }),
        startBuiltApp('worker', stack.env),
        startBuiltApp('mllp', { ...stack.env, SB_MLLP_PORT: String(mllpPort2) }),
      ];
      extra = [api2, worker2, mllp2];
      await waitForOk(`http://127.0.0.1:${apiPort}/health`, api2, 60_000);
      await waitForLine(worker2, 'worker processing');
      await waitForLine(mllp2, 'mllp listening');
      return {
        apiBases: [stack.base, `http://127.0.0.1:${apiPort}`],
        mllpPorts: [mllpPort, mllpPort2],
        pids: { api: [...one.pids.api, api2.process.pid!], worker: [...one.pids.worker, worker2.process.pid!], mllp: [...one.pids.mllp, mllp2.process.pid!], sandbox: one.pids.sandbox },
      };
    };
    const phase = async (d: Deployment, label: string) => {
      const site = await newSite(label, HL7_CONNECTIONS);
      const proxy = await proxyWorkload(d, read);
      console.log(`  ${label}: proxy ${proxy.throughputPerSec} req/s (p50 ${proxy.p50Ms} ms, p99 ${proxy.p99Ms} ms), cores ${JSON.stringify(proxy.cores)}`);
      const hl7 = await hl7Workload(d, prisma, warmSite, site);
      console.log(
        `  ${label}: hl7 ${hl7.msgsPerSec} msg/s end to end (ACKs ${hl7.ingestMsgsPerSec} msg/s), ${hl7.processed}/${hl7.sent} processed, ${hl7.duplicatesProcessed} twice, cores ${JSON.stringify(hl7.cores)}`,
      );
      const webhooks = await webhooksWorkload(d, events, hooks.id, receiver);
      console.log(`  ${label}: webhooks ${webhooks.deliveriesPerSec} deliveries/s, ${webhooks.duplicateDeliveries} delivered twice, cores ${JSON.stringify(webhooks.cores)}`);
      return { proxy, hl7, webhooks };
    };
    type Phase = Awaited<ReturnType<typeof phase>>;

    console.log(
      `scale bench on ${availableParallelism()} cores, ${ROUNDS} rounds: proxy ${PROXY_REQUESTS} reads at concurrency ${PROXY_CONCURRENCY}; hl7 ${HL7_CONNECTIONS} connections × ${HL7_PER_CONNECTION}; ` +
        `webhooks ${WEBHOOK_EVENTS} events × ${WEBHOOK_ENDPOINTS} endpoints`,
    );
    const singles: Phase[] = [];
    const doubles: Phase[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      singles.push(await phase(one, `one process, round ${r}`));
      doubles.push(await phase(await scaleOut(), `two processes, round ${r}`));
      await stopExtra();
    }

    const all = [...singles, ...doubles];
    const proxyOne = best(singles, (p) => p.proxy.throughputPerSec).proxy;
    const proxyTwo = best(doubles, (p) => p.proxy.throughputPerSec).proxy;
    const hl7One = best(singles, (p) => p.hl7.msgsPerSec).hl7;
    const hl7Two = best(doubles, (p) => p.hl7.msgsPerSec).hl7;
    const ingestOne = Math.max(...singles.map((p) => p.hl7.ingestMsgsPerSec));
    const ingestTwo = Math.max(...doubles.map((p) => p.hl7.ingestMsgsPerSec));
    const hooksOne = best(singles, (p) => p.webhooks.deliveriesPerSec).webhooks;
    const hooksTwo = best(doubles, (p) => p.webhooks.deliveriesPerSec).webhooks;
    const cores = availableParallelism();
    const proxyRatio = round(proxyTwo.throughputPerSec / proxyOne.throughputPerSec);
    const hl7Ratio = round(hl7Two.msgsPerSec / hl7One.msgsPerSec);
    const webhooksRatio = round(hooksTwo.deliveriesPerSec / hooksOne.deliveriesPerSec);
    const duplicatesProcessed = sum(all, (p) => p.hl7.duplicatesProcessed);
    const unprocessed = sum(all, (p) => p.hl7.unprocessed);
    const duplicateDeliveries = sum(all, (p) => p.webhooks.duplicateDeliveries);
    const rounds = <T>(pick: (p: Phase) => T) => ({ one: singles.map(pick), two: doubles.map(pick) });
    return {
      bench: 'scale',
      cores,
      proxy: {
        oneProcessReqPerSec: proxyOne.throughputPerSec,
        twoProcessReqPerSec: proxyTwo.throughputPerSec,
        ratio: proxyRatio,
        // The most the machine's cores allow at the one-process run's CPU per request (every process's, the load generator's and Postgres').
        ceilingOnThisMachine: round(cores / busyOf(proxyOne.cores)),
        rounds: rounds((p) => p.proxy.throughputPerSec),
        p99Ms: { one: proxyOne.p99Ms, two: proxyTwo.p99Ms },
        concurrency: PROXY_CONCURRENCY,
        requests: PROXY_REQUESTS,
        cpuCores: { one: proxyOne.cores, two: proxyTwo.cores },
      },
      hl7: {
        oneMsgsPerSec: hl7One.msgsPerSec,
        twoMsgsPerSec: hl7Two.msgsPerSec,
        ratio: hl7Ratio,
        ceilingOnThisMachine: round(cores / busyOf(hl7One.cores)),
        rounds: rounds((p) => p.hl7.msgsPerSec),
        ingest: { oneMsgsPerSec: ingestOne, twoMsgsPerSec: ingestTwo, ratio: round(ingestTwo / ingestOne), rounds: rounds((p) => p.hl7.ingestMsgsPerSec) },
        duplicatesProcessed,
        unprocessed,
        // Over every phase: messages sent, ACKed other than AA, processed, successful message.in usage events, outbox events written twice.
        checks: {
          sent: sum(all, (p) => p.hl7.sent),
          nonAA: sum(all, (p) => p.hl7.nonAA),
          processed: sum(all, (p) => p.hl7.processed),
          usageSuccess: sum(all, (p) => p.hl7.usageSuccess),
          duplicateEvents: sum(all, (p) => p.hl7.duplicateEvents),
        },
        connections: HL7_CONNECTIONS,
        messagesPerPhase: HL7_CONNECTIONS * HL7_PER_CONNECTION,
        cpuCores: { one: hl7One.cores, two: hl7Two.cores },
      },
      webhooks: {
        oneDeliveriesPerSec: hooksOne.deliveriesPerSec,
        twoDeliveriesPerSec: hooksTwo.deliveriesPerSec,
        ratio: webhooksRatio,
        ceilingOnThisMachine: round(cores / busyOf(hooksOne.cores)),
        rounds: rounds((p) => p.webhooks.deliveriesPerSec),
        duplicateDeliveries,
        endpoints: WEBHOOK_ENDPOINTS,
        deliveriesPerPhase: WEBHOOK_EVENTS * WEBHOOK_ENDPOINTS,
        cpuCores: { one: hooksOne.cores, two: hooksTwo.cores },
      },
      targets: TARGETS,
      met: {
        proxyRatio: proxyRatio >= TARGETS.ratio,
        hl7Ratio: hl7Ratio >= TARGETS.ratio,
        webhooksRatio: webhooksRatio >= TARGETS.ratio,
        duplicatesProcessed: duplicatesProcessed <= TARGETS.duplicatesProcessed,
        unprocessed: unprocessed <= TARGETS.unprocessed,
        duplicateDeliveries: duplicateDeliveries <= TARGETS.duplicateDeliveries,
      },
    };
  } finally {
    await stopExtra();
    await events.close();
    await stack.close();
    await receiver.close();
  }
}
