/**
 * `npm run bench -- bulk`: Bulk Data $export from the Epic-like sandbox through the gateway
 * (issue 14). The built api, worker and sandbox run as processes on a fresh database, export
 * files on the local storage driver in a temporary directory, every export driven through the
 * gateway's API as a client would (kick-off, then status).
 *
 * - Throughput and memory, one ~1 GB export (`patientMultiplier` LARGE_MULTIPLIER, every type,
 *   vendor files of at most FILE_RESOURCES): `resourcesPerSec` counts the resources the worker
 *   stored (vendor file streamed and gunzipped, each line parsed, checked and normalized, written
 *   as gzip NDJSON and fsynced) per second, from the vendor's 200 manifest answer to the worker
 *   (the last status call in the sandbox's ledger: the vendor's own job time is not ours) to the
 *   export row's `completedAt`. The worker's CPU over that window, from /proc, gives CPU ms per
 *   1,000 resources and resources per worker core-second; its main thread is read apart from its
 *   other threads (gzip and gunzip run on libuv's pool, which the V8 profile does not see). The
 *   sandbox generates and gzips the files on the same two cores: every process's share is printed.
 *   `rssGrowthMb` is the worker's RSS (sampled every 100 ms) at its peak minus the sample taken
 *   just before the kick-off. One large run serves both figures — the size the memory target is
 *   about, and the longest window for the rate — after one small export has warmed the worker.
 * - Status under pollers: STATUS_EXPORTS exports (one connection each, small `_type=Patient`
 *   exports the vendor keeps running for STATUS_VENDOR_JOB_MS, then downloaded), kicked off
 *   first, then one poller each. The API answers 429 once one export is polled sooner than
 *   EARLY_POLL_MS after the previous poll ten times in a row, so 50 clients on a single export
 *   would measure the refusal, not the status. Each poller is a client that waits POLL_GAP_MS
 *   after every answer — the shortest gap the API does not count as early, at least four times
 *   as often as its Retry-After (≥ 2 s) asks: the most load clients can put on the endpoint
 *   without being refused — until it gets the manifest. `statusP99Ms` is over every poll (202s
 *   and the final 200s); 429s are counted apart (expected 0). Beside the polls, probes tell the
 *   api's event loop, the status's two statements and this process's own delays apart.
 * - Baselines, same run and machine, on the NDJSON of the profiled export (every type at
 *   PROFILE_MULTIPLIER, read back from storage), in this process once the stack has stopped:
 *   gzip (level 6, as the worker) and write in 64 KB chunks (`baselineResourcesPerSec`); the
 *   worker's whole job done tightly — gunzip, parse, normalize, stringify, gzip in 64 KB chunks,
 *   write (`baselineFullPipeline`); and the same parsed resources through the library's own
 *   `writeNdjsonFile` (`baselineLibraryWriter`), which tells the writer's cost apart.
 * - Profile: the worker restarted under `--cpu-prof` for one export at PROFILE_MULTIPLIER;
 *   per-package summary (profile-apps.ts) and the top functions by self time.
 */
import { writeNdjsonFile } from '@sb/bulk-export';
import { BulkExportRepository, type BulkExport } from '@sb/db';
import { LocalObjectStorage } from '@sb/storage';
import { createTestingApp, startE2eStack, type E2eStack, type E2eTenant } from '@sb/testing';
import type { TestingModule } from '@nestjs/testing';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip, gunzipSync } from 'node:zlib';
import { createBenchDatabase } from './bench-database';
import { readProfileOf } from './cpu-profile-summary';
import { topFunctions, type FunctionTime } from './cpu-profile-functions';
import { allProcessesCpuMs, cpuMsOf, machineBusyMs, rssMbOf } from './proc-stats';
import { profileApps, type RestartableApps } from './profile-apps';

/** 170 copies of the sandbox's patients ≈ 1 GB of NDJSON, ≈ 760k resources. */
const LARGE_MULTIPLIER = 170;
/** The profiled export (and the baseline's data): ≈ 90k resources, a few seconds of work. */
const PROFILE_MULTIPLIER = 20;
/** Resources per vendor file (the sandbox's default is 1,000; Epic's files are large). */
const FILE_RESOURCES = 50_000;
const STATUS_EXPORTS = 50;
const STATUS_VENDOR_JOB_MS = 20_000;
/** The API's EARLY_POLL_MS: a poll this long after the previous answer is never early. */
const POLL_GAP_MS = 500;
const SAMPLE_EVERY_MS = 100;
const EXPORT_TIMEOUT_MS = 420_000;
const BASELINE_CHUNK_CHARS = 64 * 1024;
const ASYNC = { accept: 'application/fhir+json', prefer: 'respond-async' };
const CLOCK_TICKS_PER_SEC = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** CPU ms of a process's main thread alone (its thread id is its pid): the JavaScript, against the pool threads' zlib. */
function mainThreadCpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SEC;
}

interface Sample {
  atMs: number;
  workerCpuMs: number;
  workerMainCpuMs: number;
  workerRssMb: number;
  sandboxCpuMs: number;
  machineBusyMs: number;
}

/** Samples the worker and the sandbox every SAMPLE_EVERY_MS until stopped. */
function startSampler(stack: E2eStack): { stop: () => Sample[] } {
  const worker = stack.pidOf('worker');
  const sandbox = stack.pidOf('sandbox');
  const samples: Sample[] = [];
  const take = () => {
    try {
      samples.push({ atMs: Date.now(), workerCpuMs: cpuMsOf(worker), workerMainCpuMs: mainThreadCpuMsOf(worker), workerRssMb: rssMbOf(worker), sandboxCpuMs: cpuMsOf(sandbox), machineBusyMs: machineBusyMs() });
    } catch {
      // a process restarting meanwhile
    }
  };
  take();
  const timer = setInterval(take, SAMPLE_EVERY_MS);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

/** The samples bracketing [fromMs, toMs]: the last one at or before the start, the first at or after the end. */
function bracket(samples: readonly Sample[], fromMs: number, toMs: number): { first: Sample; last: Sample } {
  const first = [...samples].reverse().find((s) => s.atMs <= fromMs) ?? samples[0]!;
  const last = samples.find((s) => s.atMs >= toMs) ?? samples[samples.length - 1]!;
  return { first, last };
}

interface CpuSnapshot {
  atMs: number;
  processes: ReturnType<typeof allProcessesCpuMs>;
  machineBusyMs: number;
}

const cpuSnapshot = (): CpuSnapshot => ({ atMs: Date.now(), processes: allProcessesCpuMs(), machineBusyMs: machineBusyMs() });

/**
 * Cores each process used between two snapshots: ours by name, Postgres summed, anything else by
 * command (≥ 0.01 core); `machine` is every core's busy time, `unattributed` what no process still
 * running at the end accounts for (processes that exited meanwhile: other people's test runs).
 */
function coresBetween(before: CpuSnapshot, after: CpuSnapshot, ours: Record<string, number>): Record<string, number> {
  const ms = after.atMs - before.atMs;
  const names = new Map(Object.entries(ours).map(([name, pid]) => [pid, name]));
  const used: Record<string, number> = {};
  for (const [pid, p] of after.processes) {
    const cpuMs = p.cpuMs - (before.processes.get(pid)?.cpuMs ?? 0);
    if (cpuMs <= 0) continue;
    const name = names.get(pid) ?? (p.command === 'postgres' ? 'postgres' : `other ${p.command}`);
    used[name] = (used[name] ?? 0) + cpuMs;
  }
  const machineMs = after.machineBusyMs - before.machineBusyMs;
  const attributedMs = Object.values(used).reduce((a, b) => a + b, 0);
  return {
    machine: round(machineMs / ms, 2),
    unattributed: round(Math.max(0, machineMs - attributedMs) / ms, 2),
    ...Object.fromEntries(
      Object.entries(used)
        .map(([name, cpuMs]) => [name, round(cpuMs / ms, 2)] as const)
        .filter(([, cores]) => cores >= 0.01)
        .sort((a, b) => b[1] - a[1]),
    ),
  };
}

const oursOf = (stack: E2eStack): Record<string, number> => ({ api: stack.pidOf('api'), worker: stack.pidOf('worker'), sandbox: stack.pidOf('sandbox'), bench: process.pid });

interface SandboxLedger {
  jobs: { state: string; statusCalls: { at: string; status: number }[]; files: { type: string; count: number; downloads: number }[] }[];
}

async function sandbox<T>(stack: E2eStack, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${stack.sandboxUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`sandbox ${method} ${path}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

interface EpicConnection {
  id: string;
  groupId: string;
}

/** A one-click Epic sandbox connection, its group window off so one connection can export again. */
async function epicConnection(stack: E2eStack, tenant: E2eTenant, name: string): Promise<EpicConnection> {
  const created = await stack.call('POST', '/v1/connections', tenant.key, { name, vendor: 'epic', environment: 'sandbox', bulkGroupWindowHours: 0 });
  if (created.status !== 201 || created.body.status !== 'live') throw new Error(`connection not created: ${created.status} ${created.text}`);
  const groups = await stack.call('GET', `/fhir/r4/${created.body.id}/Group`, tenant.key);
  const groupId = groups.body?.entry?.[0]?.resource?.id as string | undefined;
  if (groups.status !== 200 || !groupId) throw new Error(`no group: ${groups.status}`);
  return { id: created.body.id as string, groupId };
}

async function kickOff(stack: E2eStack, tenant: E2eTenant, c: EpicConnection, query = ''): Promise<string> {
  const kick = await stack.call('GET', `/fhir/r4/${c.id}/Group/${c.groupId}/$export${query}`, tenant.key, undefined, ASYNC);
  const location = kick.headers.get('content-location');
  if (kick.status !== 202 || !location) throw new Error(`kick-off refused: ${kick.status} ${kick.text}`);
  return location;
}

interface ExportRun {
  exp: BulkExport;
  samples: Sample[];
  kickedOffAtMs: number;
  /** The vendor's 200 manifest answer: the worker starts downloading. */
  vendorDoneAtMs: number;
  completedAtMs: number;
  gzipBytes: number;
  objectKeys: string[];
  /** Cores each process used from the kick-off to completion (the vendor's short job included). */
  cores: Record<string, number>;
}

/** One export of the group at `multiplier`, kicked off at the gateway and waited for in the database. */
async function runExport(ctx: { stack: E2eStack; tenant: E2eTenant; exports: BulkExportRepository }, c: EpicConnection, multiplier: number, query = ''): Promise<ExportRun> {
  const { stack, tenant, exports } = ctx;
  await sandbox(stack, 'PUT', '/_sandbox/bulk/settings', { vendor: 'epic', patientMultiplier: multiplier, maxResourcesPerFile: FILE_RESOURCES, jobDurationMs: 0, retryAfterSeconds: 1, kickoffWindowSeconds: 0 });
  await sandbox(stack, 'DELETE', '/_sandbox/bulk/jobs?vendor=epic');
  const sampler = startSampler(stack);
  let samples: Sample[] = [];
  const cpuBefore = cpuSnapshot();
  const kickedOffAtMs = Date.now();
  let exp: BulkExport | null = null;
  try {
    const exportId = new URL(await kickOff(stack, tenant, c, query)).pathname.split('/').pop() ?? '';
    const deadline = Date.now() + EXPORT_TIMEOUT_MS;
    for (;;) {
      exp = await exports.find(tenant.id, exportId);
      if (!exp || exp.status === 'completed' || exp.status === 'failed' || Date.now() > deadline) break;
      await sleep(200);
    }
  } finally {
    samples = sampler.stop();
  }
  const cores = coresBetween(cpuBefore, cpuSnapshot(), oursOf(stack));
  if (exp?.status !== 'completed' || !exp.completedAt) throw new Error(`export ${exp?.id} ended ${exp?.status} (${exp?.errorCode ?? 'timed out'})`);
  const ledger = await sandbox<SandboxLedger>(stack, 'GET', '/_sandbox/bulk/jobs?vendor=epic');
  const done = ledger.jobs[0]?.statusCalls.filter((s) => s.status === 200).pop();
  if (!done) throw new Error('the sandbox recorded no 200 status answer');
  const files = await exports.files(tenant.id, exp.id);
  return {
    exp,
    samples,
    kickedOffAtMs,
    vendorDoneAtMs: Date.parse(done.at),
    completedAtMs: exp.completedAt.getTime(),
    gzipBytes: files.reduce((sum, f) => sum + f.bytes, 0),
    objectKeys: files.filter((f) => f.kind === 'output' && f.done).map((f) => f.objectKey),
    cores,
  };
}

/** Throughput and memory of one export, over its download window. */
function figuresOf(run: ExportRun) {
  const windowMs = run.completedAtMs - run.vendorDoneAtMs;
  const { first, last } = bracket(run.samples, run.vendorDoneAtMs, run.completedAtMs);
  const sampledMs = last.atMs - first.atMs;
  const workerCpuMs = last.workerCpuMs - first.workerCpuMs;
  const workerMainCpuMs = last.workerMainCpuMs - first.workerMainCpuMs;
  const resources = run.exp.resourceCount;
  const before = run.samples[0]!.workerRssMb;
  const peak = Math.max(...run.samples.map((s) => s.workerRssMb));
  return {
    resources,
    counts: run.exp.counts,
    files: run.objectKeys.length,
    gzipMb: round(run.gzipBytes / 1024 ** 2),
    windowSeconds: round(windowMs / 1000, 2),
    kickOffToCompleteSeconds: round((run.completedAtMs - run.kickedOffAtMs) / 1000, 2),
    resourcesPerSec: Math.round(resources / (windowMs / 1000)),
    workerCpuMs: Math.round(workerCpuMs),
    workerCpuMsPer1000: round((workerCpuMs / resources) * 1000, 2),
    resourcesPerWorkerCoreSec: Math.round(resources / (workerCpuMs / 1000)),
    // Cores' worth over the window: the main thread (JavaScript) and the rest (libuv's pool: gunzip, gzip, fs; V8's GC helpers).
    workerCores: round(workerCpuMs / sampledMs, 2),
    workerMainThreadCores: round(workerMainCpuMs / sampledMs, 2),
    workerOtherThreadsCores: round((workerCpuMs - workerMainCpuMs) / sampledMs, 2),
    sandboxCores: round((last.sandboxCpuMs - first.sandboxCpuMs) / sampledMs, 2),
    machineBusyShare: round((last.machineBusyMs - first.machineBusyMs) / (sampledMs * availableParallelism()), 2),
    coresByProcess: run.cores,
    rssBeforeMb: round(before),
    rssPeakMb: round(peak),
    rssGrowthMb: round(peak - before),
  };
}

interface Latencies {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const latencies = (values: readonly number[]): Latencies => {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50Ms: round(percentile(sorted, 50), 2), p99Ms: round(percentile(sorted, 99), 2), maxMs: round(sorted[sorted.length - 1] ?? 0, 2) };
};

interface StatusFigures extends Latencies {
  p90Ms: number;
  running: Latencies;
  manifest: Latencies;
  /** Every poll by when it was sent, in STATUS_BUCKET_MS slices from the first. */
  byTime: (Latencies & { fromSecond: number })[];
  tooManyRequests: number;
  otherStatuses: Record<string, number>;
  pollsPerSec: number;
  apiCpuMsPerPoll: number;
  /**
   * Meanwhile, every DB_PROBE_EVERY_MS from this process: the api's liveness route (its HTTP and
   * event loop, no database), then the status's read on an export nobody polls; and this
   * process's own event-loop delay.
   */
  probes: { apiLive: Latencies; dbFind: Latencies; benchEventLoopDelayP99Ms: number };
  coresByProcess: Record<string, number>;
  kickOff: Latencies;
  connectionsSetupSeconds: number;
}

const STATUS_BUCKET_MS = 5_000;
const DB_PROBE_EVERY_MS = 100;

/** STATUS_EXPORTS small exports on as many connections, each polled by its own client every POLL_GAP_MS until done. */
async function statusUnderPollers(ctx: { stack: E2eStack; tenant: E2eTenant; exports: BulkExportRepository }): Promise<StatusFigures> {
  const { stack, tenant, exports } = ctx;
  const setupStarted = Date.now();
  const connections: EpicConnection[] = [];
  // One more than the pollers: its export is the database probe's.
  for (let i = 0; i <= STATUS_EXPORTS; i += 10) {
    connections.push(...(await Promise.all(Array.from({ length: Math.min(10, STATUS_EXPORTS + 1 - i) }, (_, n) => epicConnection(stack, tenant, `bench status ${i + n}`)))));
  }
  const connectionsSetupSeconds = round((Date.now() - setupStarted) / 1000);
  await sandbox(stack, 'PUT', '/_sandbox/bulk/settings', { vendor: 'epic', patientMultiplier: 1, maxResourcesPerFile: 1_000, jobDurationMs: STATUS_VENDOR_JOB_MS, retryAfterSeconds: 1, kickoffWindowSeconds: 0 });

  // Kick-offs first (timed apart), spread over one poll gap.
  const kickOffMs: number[] = [];
  const statusPaths = await Promise.all(
    connections.map(async (c, i) => {
      await sleep((i * POLL_GAP_MS) / connections.length);
      const t0 = performance.now();
      const path = new URL(await kickOff(stack, tenant, c, '?_type=Patient')).pathname;
      kickOffMs.push(performance.now() - t0);
      return path;
    }),
  );
  const probeExportId = statusPaths.pop()?.split('/').pop() ?? '';
  // This process's database pool opened before the probe's first sample.
  await exports.find(tenant.id, probeExportId);

  const polls: { atMs: number; ms: number; status: number }[] = [];
  const api = stack.pidOf('api');
  const apiCpuBefore = cpuMsOf(api);
  const cpuBefore = cpuSnapshot();
  const started = Date.now();
  let polling = true;
  const probe = { live: [] as number[], find: [] as number[] };
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const probing = (async () => {
    while (polling) {
      const t0 = performance.now();
      const live = await stack.call('GET', '/health/live');
      const t1 = performance.now();
      await exports.find(tenant.id, probeExportId);
      const t2 = performance.now();
      if (live.status === 200) probe.live.push(t1 - t0);
      probe.find.push(t2 - t1);
      await sleep(DB_PROBE_EVERY_MS);
    }
  })();
  try {
    await Promise.all(
      statusPaths.map(async (path, i) => {
        await sleep((i * POLL_GAP_MS) / statusPaths.length);
        const deadline = Date.now() + STATUS_VENDOR_JOB_MS + 120_000;
        for (;;) {
          const atMs = Date.now();
          const t0 = performance.now();
          const res = await stack.call('GET', path, tenant.key, undefined, { accept: 'application/json' });
          polls.push({ atMs, ms: performance.now() - t0, status: res.status });
          if (res.status !== 202 && res.status !== 429) return;
          if (Date.now() > deadline) throw new Error('status poller: export did not finish in time');
          await sleep(res.status === 429 ? Number(res.headers.get('retry-after') ?? '2') * 1000 : POLL_GAP_MS);
        }
      }),
    );
  } finally {
    polling = false;
    await probing;
    loopDelay.disable();
  }
  const elapsedMs = Date.now() - started;
  const coresDuring = coresBetween(cpuBefore, cpuSnapshot(), oursOf(stack));
  const apiCpuMs = cpuMsOf(api) - apiCpuBefore;
  const all = polls.map((p) => p.ms).sort((a, b) => a - b);
  const otherStatuses: Record<string, number> = {};
  for (const p of polls) if (![200, 202, 429].includes(p.status)) otherStatuses[p.status] = (otherStatuses[p.status] ?? 0) + 1;
  const byTime: StatusFigures['byTime'] = [];
  for (let from = 0; from < elapsedMs; from += STATUS_BUCKET_MS) {
    const slice = polls.filter((p) => p.atMs - started >= from && p.atMs - started < from + STATUS_BUCKET_MS).map((p) => p.ms);
    if (slice.length > 0) byTime.push({ fromSecond: from / 1000, ...latencies(slice) });
  }
  return {
    ...latencies(all),
    p90Ms: round(percentile(all, 90), 2),
    running: latencies(polls.filter((p) => p.status === 202).map((p) => p.ms)),
    manifest: latencies(polls.filter((p) => p.status === 200).map((p) => p.ms)),
    byTime,
    tooManyRequests: polls.filter((p) => p.status === 429).length,
    otherStatuses,
    pollsPerSec: round(polls.length / (elapsedMs / 1000)),
    apiCpuMsPerPoll: round(apiCpuMs / polls.length, 2),
    probes: { apiLive: latencies(probe.live), dbFind: latencies(probe.find), benchEventLoopDelayP99Ms: round(loopDelay.percentile(99) / 1e6, 2) },
    coresByProcess: coresDuring,
    kickOff: latencies(kickOffMs),
    connectionsSetupSeconds,
  };
}

interface Baseline {
  resources: number;
  resourcesPerSec: number;
  resourcesPerCoreSec: number;
}

/** Lines → 64 KB strings: what a writer that batches hands to gzip. */
function* chunks(lines: Iterable<string>): Generator<string> {
  let buffer = '';
  for (const line of lines) {
    buffer += `${line}\n`;
    if (buffer.length >= BASELINE_CHUNK_CHARS) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer !== '') yield buffer;
}

async function timed(resources: number, work: () => Promise<void>): Promise<Baseline> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  return { resources, resourcesPerSec: Math.round(resources / (wallMs / 1000)), resourcesPerCoreSec: Math.round(resources / (cpuMs / 1000)) };
}

interface Baselines {
  gzipWrite: Baseline;
  fullPipeline: Baseline;
  libraryWriter: Baseline;
  ndjsonMb: number;
}

/** A stored file's resources, parsed and normalized as the worker does (`meta.source`). */
async function* normalizedResources(gz: Buffer): AsyncGenerator<Record<string, unknown>> {
  const source = 'urn:switchboard:connection:baseline';
  for await (const line of createInterface({ input: Readable.from([gz]).pipe(createGunzip()), crlfDelay: Infinity })) {
    if (line === '') continue;
    const resource = JSON.parse(line) as Record<string, unknown> & { meta?: Record<string, unknown> };
    yield { ...resource, meta: { ...resource.meta, source } };
  }
}

/**
 * The same NDJSON in this process: gzipped and written (the machine's floor for the worker's
 * output side); then the worker's whole job done tightly (gunzip, parse, normalize, stringify,
 * gzip in 64 KB chunks, write); then the same resources through the library's own writer
 * (`writeNdjsonFile` on the local driver), to tell its cost apart.
 */
async function baselines(files: readonly Buffer[], dir: string): Promise<Baselines> {
  const lines = files.flatMap((gz) => gunzipSync(gz).toString('utf8').split('\n').filter((l) => l !== ''));
  const ndjsonMb = round(lines.reduce((sum, l) => sum + Buffer.byteLength(l) + 1, 0) / 1024 ** 2);
  const gzipWrite = await timed(lines.length, () => pipeline(Readable.from(chunks(lines)), createGzip({ level: 6 }), createWriteStream(join(dir, 'baseline-gzip.ndjson.gz'), { flush: true })));
  const fullPipeline = await timed(lines.length, async () => {
    for (const [i, gz] of files.entries()) {
      async function* batched(): AsyncGenerator<string> {
        let buffer = '';
        for await (const resource of normalizedResources(gz)) {
          buffer += `${JSON.stringify(resource)}\n`;
          if (buffer.length >= BASELINE_CHUNK_CHARS) {
            yield buffer;
            buffer = '';
          }
        }
        if (buffer !== '') yield buffer;
      }
      await pipeline(Readable.from(batched()), createGzip({ level: 6 }), createWriteStream(join(dir, `baseline-full-${i}.ndjson.gz`), { flush: true }));
    }
  });
  const storage = new LocalObjectStorage({ rootDir: join(dir, 'baseline-store') });
  const libraryWriter = await timed(lines.length, async () => {
    for (const [i, gz] of files.entries()) await writeNdjsonFile(storage, `baseline/output-${i}.ndjson.gz`, normalizedResources(gz));
  });
  return { gzipWrite, fullPipeline, libraryWriter, ndjsonMb };
}

export async function run(): Promise<Record<string, unknown>> {
  const database = createBenchDatabase('bulk');
  const exportDir = mkdtempSync(join(tmpdir(), 'sb-bench-bulk-'));
  try {
    return await measure(database.url, exportDir);
  } finally {
    rmSync(exportDir, { recursive: true, force: true });
    await database.drop();
  }
}

async function measure(databaseUrl: string, exportDir: string): Promise<Record<string, unknown>> {
  const storeDir = join(exportDir, 'store');
  const stack = await startE2eStack('bench-bulk', ['api', 'worker', 'sandbox'], { DATABASE_URL: databaseUrl, SB_EXPORT_DIR: storeDir, LOG_LEVEL: 'warn' }, { exportSpans: false });
  let db: TestingModule | null = null;
  let status: StatusFigures;
  let large: ReturnType<typeof figuresOf>;
  let profiled: ExportRun | null = null;
  let profiles: Record<'worker', unknown>;
  let functions: FunctionTime[] = [];
  let baselineFiles: Buffer[];
  try {
    db = await createTestingApp([], { DATABASE_URL: databaseUrl });
    const ctx = { stack, tenant: await stack.newTenant(`bench-bulk-${randomUUID().slice(0, 6)}`), exports: db.get(BulkExportRepository) };

    status = await statusUnderPollers(ctx);

    const connection = await epicConnection(stack, ctx.tenant, 'bench bulk');
    // A small export first: the worker's code paths warmed before the measured one.
    await runExport(ctx, connection, 1, '?_type=Patient');
    large = figuresOf(await runExport(ctx, connection, LARGE_MULTIPLIER));

    // The profiled pass: its export's files are also the baseline's data. The pass's profile is
    // read again for the top functions once the restart without the profiler has written it.
    let profileDir = '';
    let profiledPid = 0;
    let measuredFromUs = 0;
    const apps: RestartableApps = {
      pidOf: (app) => stack.pidOf(app),
      restartApp: async (app, nodeArgs = []) => {
        const dirArg = nodeArgs.find((a) => a.startsWith('--cpu-prof-dir='));
        if (dirArg) profileDir = dirArg.slice('--cpu-prof-dir='.length);
        await stack.restartApp(app, nodeArgs);
        if (dirArg) profiledPid = stack.pidOf(app);
        else if (profileDir !== '') {
          const profile = readProfileOf(profileDir, profiledPid);
          if (profile) functions = topFunctions(profile, 15, (measuredFromUs - profile.startTime) / 1000);
        }
      },
    };
    profiles = await profileApps(apps, ['worker'], {
      // The restarted worker boots and runs one small export before the measured one.
      warmUp: async () => {
        await runExport(ctx, connection, 1, '?_type=Patient');
      },
      measured: async () => {
        measuredFromUs = monotonicUs();
        profiled = await runExport(ctx, connection, PROFILE_MULTIPLIER);
      },
    });
    const keys = (profiled as ExportRun | null)?.objectKeys ?? [];
    baselineFiles = keys.map((key) => readFileSync(join(storeDir, key)));
  } finally {
    await db?.close();
    await stack.close();
  }

  // With the stack stopped: the machine to itself but for whatever else runs on it.
  const base = await baselines(baselineFiles, exportDir);
  const targets = { resourcesPerSec: '>= 8000', resourcesPerWorkerCoreSec: '>= 8000', statusP99Ms: '<= 20', rssGrowthMb: '< 200' };
  return {
    bench: 'bulk',
    resourcesPerSec: large.resourcesPerSec,
    workerCpuMsPer1000Resources: large.workerCpuMsPer1000,
    resourcesPerWorkerCoreSec: large.resourcesPerWorkerCoreSec,
    statusP99Ms: status.p99Ms,
    statusP50Ms: status.p50Ms,
    status429s: status.tooManyRequests,
    rssGrowthMb: large.rssGrowthMb,
    baselineResourcesPerSec: base.gzipWrite.resourcesPerSec,
    baselineResourcesPerCoreSec: base.gzipWrite.resourcesPerCoreSec,
    ratioVsBaseline: round(large.resourcesPerSec / base.gzipWrite.resourcesPerSec, 3),
    perCoreRatioVsBaseline: round(large.resourcesPerWorkerCoreSec / base.gzipWrite.resourcesPerCoreSec, 3),
    // Gunzip, parse, normalize, stringify, gzip in 64 KB chunks, write of the same files in this process: the worker's job without HTTP or database.
    baselineFullPipeline: base.fullPipeline,
    ratioVsFullPipeline: round(large.resourcesPerSec / base.fullPipeline.resourcesPerSec, 3),
    // The same parsed resources through the library's writeNdjsonFile (one gzip write per resource, digest, fsync) instead of 64 KB chunks.
    baselineLibraryWriter: base.libraryWriter,
    baselineResources: base.gzipWrite.resources,
    baselineNdjsonMb: base.ndjsonMb,
    // NDJSON size estimated from the baseline's bytes per resource (the same types, fewer copies).
    large: { patientMultiplier: LARGE_MULTIPLIER, maxResourcesPerFile: FILE_RESOURCES, ndjsonMbEstimate: Math.round((base.ndjsonMb / base.gzipWrite.resources) * large.resources), ...large },
    status: { exports: STATUS_EXPORTS, pollGapMs: POLL_GAP_MS, vendorJobMs: STATUS_VENDOR_JOB_MS, ...status },
    targets,
    met: {
      resourcesPerSec: large.resourcesPerSec >= 8000,
      resourcesPerWorkerCoreSec: large.resourcesPerWorkerCoreSec >= 8000,
      statusP99Ms: status.p99Ms <= 20,
      rssGrowthMb: large.rssGrowthMb < 200,
    },
    // The worker over one export at PROFILE_MULTIPLIER: self time by package, then by function (main thread only: zlib on the pool is not sampled).
    profiledExport: { patientMultiplier: PROFILE_MULTIPLIER, resources: (profiled as ExportRun | null)?.exp.resourceCount ?? 0 },
    profiles,
    profileTopFunctions: functions,
  };
}
