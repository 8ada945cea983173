/**
 * Issue 16 — faults under a mixed load, one after another in one stack: the built api,
 * worker, mllp listener and sandbox EHRs as processes on a Postgres cluster and a Redis
 * server of the suite's own (so they can be crashed without touching the machine's shared
 * ones). For each fault a fresh tenant gets HL7 v2, Epic-like, Oracle-like and echo
 * connections and a webhook endpoint for every event; FHIR reads (both vendors), FHIR writes
 * and echo calls over HTTP and ADT messages over MLLP run while the fault is injected, and
 * continue after it. Then, for every fault:
 *  - every HL7 message that got AA is stored once and processed once (one event, one
 *    billable usage event), and every message made got its AA in the end;
 *  - every write answered 201 can be read back;
 *  - every event is delivered to every endpoint (duplicates share their id and body), and the
 *    catch-up feed lists exactly the events in Postgres;
 *  - usage reconciles (`GET /v1/usage/reconciliation` answers `balanced`, nothing pending);
 *  - the load is served again after the fault.
 * Faults: kill -9 of the api, the worker and the listener; a Postgres restart (immediate stop,
 * so crash recovery); a Redis restart with an empty dataset (with a Bulk Data export in
 * flight); a vendor answering 5xx (the circuit must open within 5 s, refuse that vendor's
 * calls without calling it, and leave another vendor working); a webhook endpoint that hangs.
 * `npm run test:faults` prints a table of what each fault cost (fault-table-reporter.js).
 */
import type { TestingModule } from '@nestjs/testing';
import { Database, IDEMPOTENCY_CLAIM_STALE_MS, unwrapTx } from '@sb/db';
import {
  createTestingApp,
  freePort,
  startDisposablePostgres,
  startDisposableRedis,
  startBuiltApp,
  startE2eStack,
  startWebhookReceiver,
  waitForOk,
  waitForPort,
  type DisposablePostgres,
  type DisposableRedis,
  type E2eStack,
  type RunningApp,
  type WebhookReceiver,
  type WebhookReply,
} from '@sb/testing';
import { WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT } from '@sb/webhooks';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { errorOf, HttpLoad, Hl7Load, sleep, type Attempt, type PhaseWorld } from './fault-load';
import { faultTableFile, tally, writeFaultTable, type FaultRow } from './fault-table';

const DATABASE = 'switchboard';
/** How long an app may take to serve after it is started (a cold start on a busy 2-core machine takes tens of seconds). */
const BOOT_TIMEOUT_MS = 180_000;
/** How long the load may take to get going (2 HL7 messages ACKed, 4 HTTP calls answered) before the fault is injected. */
const WARM_UP_TIMEOUT_MS = 60_000;
/** Once the load is served again after a fault, it keeps running this long. */
const HOLD_AFTER_MS = 1_000;
/** How long the load may take to be served again once a fault is over. */
const RESUME_TIMEOUT_MS = 30_000;
/** The issue's bound: the circuit of a vendor answering 5xx opens within this. */
const CIRCUIT_OPENS_WITHIN_MS = 5_000;
/** How long the probe keeps calling the failing vendor before it gives up on the circuit opening at all. */
const CIRCUIT_PROBE_TIMEOUT_MS = 15_000;
/** Deliveries (and pooled sockets) the gateway keeps in flight per endpoint. */
const HANGING_ENDPOINT_CAP = WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT;
/** How long the checks wait for processing, deliveries and rollups to catch up. */
const SETTLE_TIMEOUT_MS = 60_000;

let pg: DisposablePostgres;
let redis: DisposableRedis;
let stack: E2eStack;
let receiver: WebhookReceiver;
/** A second receiver: an endpoint on another origin (host and port) than the first's. */
let otherReceiver: WebhookReceiver;
let mllpPort: number;
let epicPatients: string[];
let oraclePatients: string[];
const rows: FaultRow[] = [];
const tableFile = faultTableFile(process.env.SB_STATE_DIR);

/** Receiver paths that hang (never answer) for now. */
const hanging = new Set<string>();
/** Per receiver path: event id → the bodies answered 200 (a duplicate adds a body). */
const delivered = new Map<string, Map<string, string[]>>();
/** Per receiver path: requests that were left hanging. */
const hung = new Map<string, number>();

const secs = (ms: number) => (ms / 1000).toFixed(1);

async function until<T>(probe: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs: number, everyMs = 250): Promise<T | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) return null;
    await sleep(everyMs);
  }
}

/** The project's own migration script (npm run db:migrate), on the disposable cluster. */
async function migrate(databaseUrl: string): Promise<void> {
  const script = join(__dirname, '..', '..', 'dist', 'scripts', 'db-migrate.js');
  const child = spawn(process.execPath, ['--experimental-wasm-modules', '--disable-warning=ExperimentalWarning', script], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`migrating the disposable database failed (exit ${code}):\n${output}`);
}

const sandbox = async (method: string, path: string, body?: unknown): Promise<any> => {
  const res = await fetch(`${stack.sandboxUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`sandbox ${method} ${path}: ${res.status}`);
  return res.status === 204 ? null : res.json();
};

const APPS = ['api', 'worker', 'mllp', 'sandbox'] as const;
type AppName = (typeof APPS)[number];
const apps = new Map<AppName, RunningApp>();

/** Starts an app of the stack and waits until it serves (the worker: until it runs). */
async function startApp(name: AppName): Promise<void> {
  const app = startBuiltApp(name, stack.env);
  apps.set(name, app);
  switch (name) {
    case 'api':
      return waitForOk(`${stack.base}/health`, app, BOOT_TIMEOUT_MS);
    case 'sandbox':
      return waitForOk(`${stack.sandboxUrl}/_sandbox/health`, app, BOOT_TIMEOUT_MS);
    case 'mllp':
      return waitForPort(mllpPort, BOOT_TIMEOUT_MS);
    case 'worker':
      return;
  }
}

/** kill -9 of an app; resolves once it is gone. */
async function killApp(name: AppName): Promise<void> {
  const app = apps.get(name);
  if (!app) throw new Error(`${name} is not running`);
  app.process.kill('SIGKILL');
  await app.stop();
}

const healthy = () => until(async () => (await fetch(`${stack.base}/health`).catch(() => null))?.status === 200, 60_000, 100);

beforeAll(async () => {
  pg = await startDisposablePostgres();
  const databaseUrl = pg.url(DATABASE);
  await migrate(databaseUrl);
  redis = await startDisposableRedis();
  const reply = (path: string, body: string): WebhookReply => {
    if (hanging.has(path)) {
      hung.set(path, (hung.get(path) ?? 0) + 1);
      return 'hang';
    }
    const id = (JSON.parse(body) as { id: string }).id;
    const byId = delivered.get(path) ?? new Map<string, string[]>();
    delivered.set(path, byId);
    byId.set(id, [...(byId.get(id) ?? []), body]);
    return { status: 200 };
  };
  receiver = await startWebhookReceiver(reply);
  otherReceiver = await startWebhookReceiver(reply);
  mllpPort = await freePort();
  // The stack's environment, call helper and tenants; the apps are started (and killed) here, with a boot timeout for a busy machine.
  stack = await startE2eStack('faults', [], {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    SB_MLLP_PORT: String(mllpPort),
    // A delivery leased by a killed worker is picked up again after this: the 15 s attempt timeout with room, as the relay's docs ask.
    SB_WEBHOOK_LEASE_SECONDS: '20',
    LOG_LEVEL: 'warn',
  }, { exportSpans: false });
  await Promise.all(APPS.map(startApp));
  const patients = async (vendor: string) => ((await sandbox('GET', `/_sandbox/patients?vendor=${vendor}`)) as { id: string }[]).slice(0, 8).map((p) => p.id);
  epicPatients = await patients('epic');
  oraclePatients = await patients('oracle');
}, 360_000);

afterAll(async () => {
  hanging.clear();
  await Promise.all([...apps.values()].map((app) => app.stop()));
  await stack?.close();
  await receiver?.close();
  await otherReceiver?.close();
  await redis?.close();
  await pg?.close();
});

/** A webhook endpoint of a fault's tenant: its receiver path (unique across receivers: deliveries are counted by it) and URL. */
interface Endpoint {
  path: string;
  url: string;
}

/** A fresh tenant for one fault: webhook endpoints first (so they see every event), then its connections. */
async function newWorld(slug: string, endpoints: readonly Endpoint[]): Promise<PhaseWorld> {
  const tenant = await stack.newTenant(`faults-${slug}-${randomUUID().slice(0, 6)}`);
  for (const { url } of endpoints) {
    const endpoint = await stack.call('POST', '/v1/webhook-endpoints', tenant.key, { url, eventTypes: ['*'] });
    if (endpoint.status !== 201) throw new Error(`webhook endpoint not created: ${endpoint.status} ${endpoint.text}`);
  }
  const create = async (body: Record<string, unknown>) => {
    const res = await stack.call('POST', '/v1/connections', tenant.key, body);
    if (res.status !== 201) throw new Error(`${String(body.vendor)} connection not created: ${res.status} ${res.text}`);
    return res.body.id as string;
  };
  const facility = `FAULT-${slug.toUpperCase()}-${randomUUID().slice(0, 6)}`;
  const hl7Id = await create({ name: 'HL7 feed', vendor: 'hl7v2', environment: 'production', hl7SendingFacility: facility });
  const epicId = await create({ name: 'Epic sandbox', vendor: 'epic', environment: 'sandbox' });
  const oracleId = await create({ name: 'Oracle sandbox', vendor: 'oracle', environment: 'sandbox' });
  const list = await stack.call('GET', '/v1/connections', tenant.key);
  const echoId = (list.body.items as { id: string; vendor: string }[]).find((c) => c.vendor === 'echo')?.id;
  if (!echoId) throw new Error('the tenant has no echo connection');
  return { key: tenant.key, tenantId: tenant.id, epicId, oracleId, echoId, hl7Id, facility, epicPatients, oraclePatients };
}

interface Run {
  world: PhaseWorld;
  http: HttpLoad;
  hl7: Hl7Load;
  endpoints: readonly Endpoint[];
  startedAtMs: number;
  /** When the fault was injected, and when the system was whole again (as the injector saw it). */
  injectedAtMs: number;
  recoveredAtMs: number;
  /** What was measured, for the table. */
  note: string;
  /** Known product gaps this fault showed (reported in the table; they do not fail the case). */
  gaps: string[];
}

interface FaultCase {
  fault: string;
  slug: string;
  endpoints?: readonly Endpoint[];
  /** Injects the fault under load and undoes it; resolves with a note for the table once the system is whole again. */
  inject: (run: Run) => Promise<string>;
  /** After the load stopped, before the common checks: waits for what the case started and returns what went wrong. */
  settle?: (run: Run) => Promise<string[]>;
  /** Case-specific checks on the load itself: what went wrong. */
  check?: (run: Run) => string[];
}

interface Losses {
  hl7NeverAcked: string[];
  hl7AckedNotStored: string[];
  hl7StoredTwice: string[];
  hl7NotProcessedOnce: string[];
  hl7BillableNotStored: number;
  writesUnreadable: string[];
  eventsUndelivered: string[];
  duplicatesDiffer: string[];
  feedMismatch: number;
  usageDifferences: number;
}

/** Runs the checks every fault must pass, after waiting (bounded) for the system to catch up. */
async function verify(run: Run, db: TestingModule): Promise<{ losses: Losses; problems: string[] }> {
  const { world, hl7, http } = run;
  const endpointPaths = run.endpoints.map((e) => e.path);
  const problems: string[] = [];
  const query = <T>(sql: TemplateStringsArray, ...values: unknown[]) => db.get(Database).transaction((tx) => unwrapTx(tx).$queryRaw<T[]>(sql, ...values));

  // HL7: every message stored is processed (none left `received`), each exactly once.
  const messages = () =>
    query<{ controlId: string; status: string; events: number }>`
      SELECT m."controlId", m."status"::text AS "status", (SELECT count(*)::int FROM "Event" e WHERE e."sourceMessageId" = m."id") AS "events"
      FROM "Hl7InboundMessage" m WHERE m."connectionId" = ${world.hl7Id}::uuid`;
  let stored = await messages();
  await until(async () => {
    stored = await messages();
    return stored.every((m) => m.status !== 'received') && [...hl7.acked].every((id) => stored.some((m) => m.controlId === id));
  }, SETTLE_TIMEOUT_MS);
  const storedCount = new Map<string, number>();
  for (const m of stored) storedCount.set(m.controlId, (storedCount.get(m.controlId) ?? 0) + 1);
  const [billable] = await query<{ n: number }>`
    SELECT count(*)::int AS "n" FROM "UsageEvent" WHERE "connectionId" = ${world.hl7Id}::uuid AND "billable" AND "class" = 'hl7.in'`;

  // A write the load left "in progress" is asked about once more, now that the fault is long over.
  let stuck = 0;
  for (const w of http.inProgress) {
    const res = await http.writeOnce(w.key, w.body);
    if (res.status === 201) http.writes.push({ key: w.key, id: (res.body as { id: string }).id });
    else if (res.status === 409 && res.headers.get('retry-after') !== null) stuck++;
  }
  if (stuck > 0) {
    run.gaps.push(
      `${stuck} Idempotency-Key(s) still "in progress" (409, Retry-After: 1) ${secs(Date.now() - run.recoveredAtMs)} s after the fault: ` +
        `a claim whose create was cut off (process killed, or database gone before the claim was released) is taken over only after ${IDEMPOTENCY_CLAIM_STALE_MS / 60_000} minutes`,
    );
  }

  // Writes answered 201 are there to read.
  const writesUnreadable: string[] = [];
  for (const w of http.writes) {
    const res = await stack.call('GET', `/fhir/r4/${world.oracleId}/DocumentReference/${w.id}`, world.key, undefined, { accept: 'application/fhir+json' });
    if (res.status !== 200) writesUnreadable.push(`${w.id} (${res.status})`);
  }

  // Events: every one in Postgres relayed and delivered to every endpoint.
  const events = () => query<{ id: string; relayed: boolean }>`SELECT "id"::text AS "id", "relayedAt" IS NOT NULL AS "relayed" FROM "Event" WHERE "tenantId" = ${world.tenantId}::uuid`;
  let all = await events();
  const undelivered = () => endpointPaths.flatMap((path) => all.filter((e) => !delivered.get(path)?.has(e.id)).map((e) => `${path}:${e.id}`));
  await until(async () => {
    all = await events();
    return all.every((e) => e.relayed) && undelivered().length === 0;
  }, SETTLE_TIMEOUT_MS);
  const duplicatesDiffer = endpointPaths.flatMap((path) => [...(delivered.get(path) ?? new Map<string, string[]>())].filter(([, bodies]) => new Set(bodies).size > 1).map(([id]) => `${path}:${id}`));
  const feed = new Set<string>();
  for (let after = ''; ; ) {
    const page = await stack.call('GET', `/v1/events?after=${after}&limit=500`, world.key);
    if (page.status !== 200) throw new Error(`events feed: ${page.status}`);
    for (const e of page.body.data as { id: string }[]) feed.add(e.id);
    if (page.body.data.length === 0) break;
    after = page.body.next as string;
  }
  const inDb = new Set(all.map((e) => e.id));
  const feedMismatch = [...feed].filter((id) => !inDb.has(id)).length + [...inDb].filter((id) => !feed.has(id)).length;

  // Usage: the rollups caught up and every derived figure agrees with the raw events.
  const from = new Date(run.startedAtMs - 60_000).toISOString();
  const to = new Date(Date.now() + 60_000).toISOString();
  let report: any = null;
  await until(async () => {
    const res = await stack.call('GET', `/v1/usage/reconciliation?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, world.key);
    if (res.status !== 200) throw new Error(`reconciliation: ${res.status} ${res.text}`);
    report = res.body;
    return report.pending.count === 0 && report.status === 'balanced';
  }, SETTLE_TIMEOUT_MS, 500);
  const d = report.differences;
  const usageDifferences =
    d.missingUsage.length + d.extraUsage.length + d.mismatched.length + d.buckets.length + d.periodTotals.length + d.distinctPatients.length + d.preview.length + report.pending.count;
  if (report.status !== 'balanced' || report.pending.count > 0) problems.push(`usage reconciliation ${report.status}, ${report.pending.count} pending: ${JSON.stringify(d)}`);

  const losses: Losses = {
    hl7NeverAcked: [...hl7.messages.keys()].filter((id) => !hl7.acked.has(id)),
    hl7AckedNotStored: [...hl7.acked].filter((id) => !storedCount.has(id)),
    hl7StoredTwice: [...storedCount].filter(([, n]) => n > 1).map(([id]) => id),
    hl7NotProcessedOnce: stored.filter((m) => m.status !== 'processed' || m.events !== 1).map((m) => `${m.controlId} (${m.status}, ${m.events} events)`),
    hl7BillableNotStored: Math.abs((billable?.n ?? 0) - stored.length),
    writesUnreadable,
    eventsUndelivered: undelivered(),
    duplicatesDiffer,
    feedMismatch,
    usageDifferences,
  };
  for (const [what, value] of Object.entries(losses)) {
    if (what === 'usageDifferences') continue;
    if (Array.isArray(value) ? value.length > 0 : value !== 0) problems.push(`${what}: ${JSON.stringify(value)}`);
  }
  return { losses, problems };
}

const countLost = (l: Losses): number =>
  l.hl7NeverAcked.length + l.hl7AckedNotStored.length + l.hl7StoredTwice.length + l.hl7NotProcessedOnce.length + l.hl7BillableNotStored +
  l.writesUnreadable.length + l.eventsUndelivered.length + l.duplicatesDiffer.length + l.feedMismatch + l.usageDifferences;

/**
 * What the api logged as unhandled errors (kinds only: type and code, never a message), to say
 * why an answer was a bare 500 when a case fails on one.
 */
function unhandledErrorKinds(): string {
  const kinds = new Set<string>();
  for (const line of (apps.get('api')?.output() ?? '').split('\n')) {
    if (!line.includes('"unhandled error"')) continue;
    try {
      const err = (JSON.parse(line) as { data?: { err?: { type?: string; code?: string } } }).data?.err;
      kinds.add(`${err?.type ?? '?'}${err?.code ? ` ${err.code}` : ''}`);
    } catch {
      kinds.add('(unparsed log line)');
    }
  }
  return kinds.size > 0 ? [...kinds].join(', ') : 'none logged';
}

/** The 99th percentile of the attempts' durations (nearest rank), in ms. */
function p99(attempts: readonly Attempt[]): number {
  const sorted = attempts.map((a) => a.durationMs).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? 0;
}

/** Loads a fresh tenant, injects the fault, lets the load run on, checks; records the table row; resolves with what went wrong. */
async function runFault(c: FaultCase): Promise<string[]> {
  const started = Date.now();
  const endpoints = c.endpoints ?? [{ path: `/${c.slug}`, url: receiver.url(`/${c.slug}`) }];
  const world = await newWorld(c.slug, endpoints);
  const run: Run = {
    world,
    http: new HttpLoad(stack, world),
    hl7: new Hl7Load(mllpPort, world.facility, c.slug),
    endpoints,
    startedAtMs: Date.now(),
    injectedAtMs: 0,
    recoveredAtMs: 0,
    note: '',
    gaps: [],
  };
  const problems: string[] = [];
  let losses: Losses | null = null;
  run.http.start();
  run.hl7.start();
  try {
    // The first fault meets freshly started apps, slow on a busy machine until warm.
    const warm = await until(() => run.hl7.acked.size >= 2 && run.http.attempts.filter((a) => a.outcome === 'ok').length >= 4, WARM_UP_TIMEOUT_MS);
    if (!warm) problems.push('the load never got going before the fault');
    run.injectedAtMs = Date.now();
    try {
      run.note = await c.inject(run);
    } catch (error) {
      problems.push(`injecting the fault failed: ${(error as Error).message}`);
    }
    run.recoveredAtMs = Date.now();
    const served = (a: Attempt) => a.atMs >= run.recoveredAtMs && a.outcome === 'ok';
    if (!(await until(() => run.http.attempts.some(served) && run.hl7.attempts.some(served), RESUME_TIMEOUT_MS, 100))) {
      problems.push(`the load was not served again within ${RESUME_TIMEOUT_MS / 1000} s of the fault being over`);
    }
    await sleep(HOLD_AFTER_MS);
  } finally {
    await run.http.stop();
    await run.hl7.finish(SETTLE_TIMEOUT_MS);
  }
  if (c.settle) problems.push(...(await c.settle(run)));
  if (c.check) problems.push(...c.check(run));
  const checking = Date.now();
  const db = await createTestingApp([], { DATABASE_URL: pg.url(DATABASE) });
  try {
    const verdict = await verify(run, db);
    losses = verdict.losses;
    problems.push(...verdict.problems);
    run.note += `${run.note ? '; ' : ''}caught up and checked in ${secs(Date.now() - checking)} s`;
  } finally {
    await db.close();
    rows.push({
      fault: c.fault,
      ...tally([...run.http.attempts, ...run.hl7.attempts]),
      lost: losses ? countLost(losses) : -1,
      note: run.note,
      gaps: run.gaps,
      passed: problems.length === 0,
      seconds: Math.round((Date.now() - started) / 1000),
    });
    writeFaultTable(tableFile, rows);
  }
  return problems;
}

it('kill -9 of the api: requests cut off are resent, nothing acknowledged is lost', async () => {
  const problems = await runFault({
    fault: 'kill -9 api',
    slug: 'api',
    inject: async () => {
      const t = Date.now();
      await killApp('api');
      await sleep(300);
      await startApp('api');
      return `api serving again ${secs(Date.now() - t)} s after the kill`;
    },
    check: (run) => (run.http.attempts.some((a) => a.outcome === 'unanswered' && a.atMs >= run.injectedAtMs) ? [] : ['the kill cut off no request: the fault missed the load']),
  });
  expect(problems).toEqual([]);
}, 360_000);

it('kill -9 of the worker: processing, deliveries and rollups resume where they were', async () => {
  const problems = await runFault({
    fault: 'kill -9 worker',
    slug: 'worker',
    inject: async () => {
      await killApp('worker');
      await sleep(300);
      await startApp('worker');
      return 'worker restarted 0.3 s after the kill';
    },
  });
  expect(problems).toEqual([]);
}, 360_000);

it('kill -9 of the MLLP listener: the sender resends what got no ACK, each message is stored once', async () => {
  const problems = await runFault({
    fault: 'kill -9 mllp',
    slug: 'mllp',
    inject: async () => {
      const t = Date.now();
      await killApp('mllp');
      await sleep(300);
      await startApp('mllp');
      return `listener accepting again ${secs(Date.now() - t)} s after the kill`;
    },
    check: (run) => (run.hl7.attempts.some((a) => a.outcome === 'unanswered' && a.atMs >= run.injectedAtMs - 5_000) ? [] : ['the kill cut off no HL7 exchange: the fault missed the load']),
  });
  expect(problems).toEqual([]);
}, 360_000);

it('a Postgres restart (immediate stop, crash recovery): every process reconnects, nothing acknowledged is lost', async () => {
  const problems = await runFault({
    fault: 'Postgres restart',
    slug: 'pg',
    inject: async () => {
      const t = Date.now();
      await pg.stop('immediate');
      await sleep(2_000);
      await pg.start();
      const ok = await healthy();
      if (!ok) throw new Error('the api did not report healthy within 60 s of the restart');
      return `down 2 s; api healthy ${secs(Date.now() - t)} s after the stop`;
    },
    check: (run) => {
      const during = run.http.attempts.concat(run.hl7.attempts).filter((a) => a.atMs >= run.injectedAtMs);
      if (!during.some((a) => a.outcome !== 'ok')) return ['no request failed while Postgres was down: the fault missed the load'];
      // A call the api answered while its database was away is refused with a code the client can act on (503 dependency_unavailable), never a bare 500.
      const unclear = during.filter((a) => a.kind !== 'hl7' && a.outcome === 'unclear');
      if (unclear.length === 0) return [];
      return [...unclear.map((a) => `${a.kind} answered ${a.status ?? '?'} ${a.code ?? 'without an error code'} while Postgres was restarting`), `the api's unhandled errors: ${unhandledErrorKinds()}`];
    },
  });
  expect(problems).toEqual([]);
}, 360_000);

it('a Redis restart with an empty dataset: Postgres holds the truth; an export in flight completes once', async () => {
  let statusPath = '';
  let exportId = '';
  const problems = await runFault({
    fault: 'Redis restart (empty)',
    slug: 'redis',
    inject: async (run) => {
      const { world } = run;
      const group = await stack.call('GET', `/fhir/r4/${world.epicId}/Group`, world.key, undefined, { accept: 'application/fhir+json' });
      const groupId = group.body.entry[0].resource.id as string;
      const kick = await stack.call('GET', `/fhir/r4/${world.epicId}/Group/${groupId}/$export?_type=Patient`, world.key, undefined, { accept: 'application/fhir+json', prefer: 'respond-async' });
      if (kick.status !== 202) throw new Error(`export kick-off: ${kick.status} ${kick.text}`);
      statusPath = new URL(kick.headers.get('content-location') ?? '').pathname;
      exportId = statusPath.split('/').pop() as string;
      const t = Date.now();
      await redis.kill();
      await sleep(1_000);
      await redis.start();
      const ok = await healthy();
      if (!ok) throw new Error('the api did not report healthy within 60 s of the restart');
      return `down 1 s, back empty; api healthy ${secs(Date.now() - t)} s after the kill; Patient export completed`;
    },
    settle: async (run) => {
      if (!statusPath) return ['no export was started'];
      const manifest = await until(async () => {
        const res = await stack.call('GET', statusPath, run.world.key, undefined, { accept: 'application/json' });
        return res.status === 200 ? (res.body as { output: { type: string; url: string; count: number }[] }) : null;
      }, SETTLE_TIMEOUT_MS, 500);
      if (!manifest) return [`export ${exportId} did not complete within ${SETTLE_TIMEOUT_MS / 1000} s`];
      const out: string[] = [];
      const ids = new Set<string>();
      let lines = 0;
      for (const o of manifest.output) {
        const text = await (await fetch(o.url, { headers: { authorization: `Bearer ${run.world.key}` } })).text();
        const mine = text.split('\n').filter(Boolean);
        if (mine.length !== o.count) out.push(`export file ${o.type}: ${mine.length} lines, manifest says ${o.count}`);
        lines += mine.length;
        for (const l of mine) ids.add((JSON.parse(l) as { id: string }).id);
      }
      if (lines === 0) out.push('the export has no lines');
      if (ids.size !== lines) out.push(`export: ${lines} lines but ${ids.size} distinct resources`);
      return out;
    },
  });
  expect(problems).toEqual([]);
}, 360_000);

it('a vendor answering 5xx: its circuit opens within 5 s and refuses fast without calling it; the other vendor keeps working', async () => {
  let openedAfterMs = -1;
  let failingFromMs = Number.POSITIVE_INFINITY;
  let oracleReadsWhileFailing = 0;
  const problems = await runFault({
    fault: 'vendor 5xx (epic)',
    slug: 'vendor',
    inject: async (run) => {
      const injected = 10_000;
      const remaining = async () => ((await sandbox('GET', '/_sandbox/faults?vendor=epic')) as { remaining: number }[]).reduce((n, f) => n + f.remaining, 0);
      const t0 = Date.now();
      // 502: the adapter answers it as vendor_error, so a dependency_unavailable can only be the circuit's own refusal.
      await sandbox('POST', '/_sandbox/faults', { vendor: 'epic', kind: 'server-error', status: 502, count: injected });
      failingFromMs = Date.now();
      try {
        // The probe: Epic reads back to back (beside the load's) until the gateway refuses one with dependency_unavailable.
        const read = (i: number) => stack.call('GET', `/fhir/r4/${run.world.epicId}/Patient/${epicPatients[i % epicPatients.length]}`, run.world.key, undefined, { accept: 'application/fhir+json' });
        for (let i = 0; openedAfterMs < 0 && Date.now() - t0 < CIRCUIT_PROBE_TIMEOUT_MS; i++) {
          const res = await read(i);
          if (errorOf(res).code === 'dependency_unavailable') openedAfterMs = Date.now() - t0;
        }
        if (openedAfterMs < 0) throw new Error(`the circuit did not open within ${CIRCUIT_PROBE_TIMEOUT_MS / 1000} s of the vendor failing`);
        // While it is open, refused calls never reach the vendor: its fault counter stays where it is.
        const before = await remaining();
        const refusals: { status: number; code?: string; ms: number; retryAfter: string | null }[] = [];
        for (let i = 0; i < 5; i++) {
          const t = Date.now();
          const res = await read(i);
          refusals.push({ status: res.status, code: errorOf(res).code, ms: Date.now() - t, retryAfter: res.headers.get('retry-after') });
        }
        const after = await remaining();
        if (after !== before) throw new Error(`calls refused by the open circuit still reached the vendor (${before - after} requests)`);
        const wrong = refusals.filter((r) => r.status !== 503 || r.code !== 'dependency_unavailable' || r.retryAfter === null);
        if (wrong.length > 0) throw new Error(`refusals without the open circuit's answer (503 dependency_unavailable, Retry-After): ${JSON.stringify(wrong)}`);
        // The other vendor while Epic fails: reads of its own, since the open circuit makes the window short
        // enough that a slow machine's load may send it none.
        for (let i = 0; i < 5; i++) {
          const res = await stack.call('GET', `/fhir/r4/${run.world.oracleId}/Patient/${oraclePatients[i % oraclePatients.length]}`, run.world.key, undefined, { accept: 'application/fhir+json' });
          if (res.status !== 200) throw new Error(`an Oracle read failed while Epic was failing: ${res.status} ${errorOf(res).code ?? ''}`);
          oracleReadsWhileFailing += 1;
        }
        return `circuit open ${secs(openedAfterMs)} s after the vendor failed (${injected - before} vendor requests); 5 probes refused in ${Math.max(...refusals.map((r) => r.ms))} ms at most, none reached it; ${oracleReadsWhileFailing} Oracle reads answered meanwhile`;
      } finally {
        await sandbox('DELETE', '/_sandbox/faults?vendor=epic');
      }
    },
    check: (run) => {
      const out: string[] = [];
      if (openedAfterMs < 0 || openedAfterMs > CIRCUIT_OPENS_WITHIN_MS) out.push(`circuit opened after ${openedAfterMs} ms (bound ${CIRCUIT_OPENS_WITHIN_MS} ms)`);
      const during = run.http.attempts.filter((a) => a.atMs >= run.injectedAtMs && a.atMs < run.recoveredAtMs);
      const oracle = during.filter((a) => a.kind === 'oracle-read' || a.kind === 'oracle-write');
      if (oracle.length + oracleReadsWhileFailing === 0) out.push('no Oracle call while Epic was failing');
      const failedOracle = oracle.filter((a) => a.outcome !== 'ok');
      if (failedOracle.length > 0) out.push(`Oracle calls failed while Epic was failing: ${JSON.stringify(failedOracle)}`);
      // Reported, not asserted (timings vary with the machine): the other vendor's latency before and during the failure.
      const oracleBefore = run.http.attempts.filter((a) => (a.kind === 'oracle-read' || a.kind === 'oracle-write') && a.atMs < run.injectedAtMs && a.outcome === 'ok');
      if (oracleBefore.length > 0 && oracle.length > 0) {
        run.note += `; Oracle p99 ${p99(oracleBefore)} ms before (${oracleBefore.length} calls), ${p99(oracle)} ms during (${oracle.length})`;
      }
      const epic = during.filter((a) => a.kind === 'epic-read' && a.atMs >= failingFromMs);
      const unclearEpic = epic.filter((a) => a.outcome !== 'refused');
      if (unclearEpic.length > 0) out.push(`Epic calls not refused with a clear error while it was failing: ${JSON.stringify(unclearEpic)}`);
      return out;
    },
  });
  expect(problems).toEqual([]);
}, 360_000);

it('a vendor that throttles (429, Retry-After), lets a token expire, answers malformed bodies and hangs: every call is answered or refused clearly; the other vendor keeps working', async () => {
  const remaining = async () => ((await sandbox('GET', '/_sandbox/faults?vendor=epic')) as { remaining: number }[]).reduce((n, f) => n + f.remaining, 0);
  let misbehavingFromMs = Number.POSITIVE_INFINITY;
  const problems = await runFault({
    fault: 'vendor 429, expired token, malformed, hang (epic)',
    slug: 'vendor-odd',
    inject: async () => {
      const t0 = Date.now();
      // Played in turn by the Epic sandbox, one request each; a hang outlasts the gateway's vendor timeout, which answers first.
      const faults = [
        { kind: 'rate-limit', count: 3, retryAfterSeconds: 1 },
        { kind: 'token-expiry', count: 1 },
        { kind: 'malformed-json', count: 3 },
        { kind: 'hang', count: 2, delayMs: 40_000 },
      ];
      for (const f of faults) await sandbox('POST', '/_sandbox/faults', { vendor: 'epic', ...f });
      misbehavingFromMs = Date.now();
      try {
        const played = await until(async () => (await remaining()) === 0, 90_000);
        if (!played) throw new Error(`the Epic sandbox still had ${await remaining()} faulty answers to give after 90 s: the load did not reach it`);
      } finally {
        await sandbox('DELETE', '/_sandbox/faults?vendor=epic');
      }
      return `${faults.map((f) => `${f.count} ${f.kind}`).join(', ')} played in ${secs(Date.now() - t0)} s`;
    },
    check: (run) => {
      const out: string[] = [];
      const during = run.http.attempts.filter((a) => a.atMs >= misbehavingFromMs && a.atMs < run.recoveredAtMs);
      const epic = during.filter((a) => a.kind === 'epic-read');
      if (epic.length === 0) out.push('no Epic call while it misbehaved: the fault missed the load');
      // A 429, a malformed body, an expired token or a hang becomes a success (retried, token renewed) or a refusal with a code, never a bare 500.
      const unclear = during.filter((a) => a.outcome === 'unclear');
      if (unclear.length > 0) out.push(`answers without a clear error while Epic misbehaved: ${JSON.stringify(unclear.slice(0, 5))}; the api's unhandled errors: ${unhandledErrorKinds()}`);
      const oracle = during.filter((a) => a.kind === 'oracle-read' || a.kind === 'oracle-write');
      const failedOracle = oracle.filter((a) => a.outcome !== 'ok');
      if (failedOracle.length > 0) out.push(`Oracle calls failed while Epic misbehaved: ${JSON.stringify(failedOracle.slice(0, 5))}`);
      return out;
    },
  });
  expect(problems).toEqual([]);
}, 360_000);

it('a webhook endpoint that hangs: an endpoint elsewhere gets every event meanwhile, the hanging one every event once it answers', async () => {
  const hangPath = '/hook-hangs';
  // Beside the hanging endpoint: one on another origin, and one on the same origin (another path of that host).
  const elsewherePath = '/elsewhere/hook';
  const sameOriginPath = '/hook';
  const problems = await runFault({
    fault: 'webhook endpoint hangs',
    slug: 'hang',
    endpoints: [
      { path: hangPath, url: receiver.url(hangPath) },
      { path: elsewherePath, url: otherReceiver.url(elsewherePath) },
      { path: sameOriginPath, url: receiver.url(sameOriginPath) },
    ],
    inject: async () => {
      // It hangs from here until the endpoint elsewhere has every event of the phase (settle below): long enough
      // for its deliveries to fill the gateway's in-flight cap for it, and for a few more events to follow.
      hanging.add(hangPath);
      await until(() => (hung.get(hangPath) ?? 0) >= HANGING_ENDPOINT_CAP, 20_000, 100);
      await sleep(2_000);
      return '';
    },
    settle: async (run) => {
      const db = await createTestingApp([], { DATABASE_URL: pg.url(DATABASE) });
      try {
        const ids = async () =>
          (await db.get(Database).transaction((tx) => unwrapTx(tx).$queryRaw<{ id: string }[]>`SELECT "id"::text AS "id" FROM "Event" WHERE "tenantId" = ${run.world.tenantId}::uuid`)).map((e) => e.id);
        const missing = async (path: string) => {
          const got = delivered.get(path);
          return (await ids()).filter((id) => !got?.has(id)).length;
        };
        const out: string[] = [];
        const loadStoppedAt = Date.now();
        const elsewhereDone = await until(async () => (await missing(elsewherePath)) === 0, SETTLE_TIMEOUT_MS);
        const elsewhereMs = Date.now() - loadStoppedAt;
        if (!elsewhereDone) out.push('the endpoint on another origin did not get every event while one endpoint hung');
        const sameOriginMissing = await missing(sameOriginPath);
        const hungCount = hung.get(hangPath) ?? 0;
        if (hungCount === 0) out.push('no delivery hung: the fault missed the load');
        hanging.delete(hangPath);
        const releasedAt = Date.now();
        const hangingDone = await until(async () => (await missing(hangPath)) === 0, SETTLE_TIMEOUT_MS);
        if (!hangingDone) out.push('the endpoint that hung did not get every event once it answered');
        // Attempts at the endpoint on the hanging one's origin that ended in a timeout: it never hung, so they waited for a socket.
        const [sameOrigin] = await db.get(Database).transaction((tx) =>
          unwrapTx(tx).$queryRaw<{ timeouts: number }[]>`
            SELECT count(*)::int AS "timeouts" FROM "WebhookAttempt" a JOIN "WebhookEndpoint" e ON e."id" = a."endpointId"
            WHERE e."tenantId" = ${run.world.tenantId}::uuid AND e."url" = ${receiver.url(sameOriginPath)} AND a."error" = 'timeout'`,
        );
        run.note =
          `${hungCount} deliveries hung; an endpoint elsewhere had every event ${secs(elsewhereMs)} s after the load stopped, while it still hung ` +
          `(one on the same origin lacked ${sameOriginMissing} then); it had every event ${secs(Date.now() - releasedAt)} s after it answered again`;
        // Each endpoint has its own sockets (webhook agents per endpoint): one on the same origin never waits behind the hung ones.
        if (sameOriginMissing > 0 || (sameOrigin?.timeouts ?? 0) > 0) {
          out.push(
            `an endpoint on the hanging endpoint's origin (it never hung) waited behind its hung requests: ${sameOriginMissing} events late, ` +
              `${sameOrigin?.timeouts ?? 0} of its attempts recorded as timeouts (each endpoint should have its own ${HANGING_ENDPOINT_CAP} sockets)`,
          );
        }
        return out;
      } finally {
        await db.close();
      }
    },
  });
  expect(problems).toEqual([]);
}, 360_000);
