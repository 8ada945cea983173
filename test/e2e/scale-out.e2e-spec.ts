/**
 * Scale-out: two api, two worker and two mllp processes (and the sandbox EHRs) on one Postgres
 * and one Redis prefix, the api processes behind one public URL as behind a load balancer.
 *
 * HL7 v2 arrives over both listeners, some messages resent through the other listener. Then one
 * worker (the survivor) is frozen with SIGSTOP at a quiet moment, so that until the kill the other
 * one (the victim) takes all the work, and the victim is made to hold a lease of every kind: its
 * processing of the next messages is held up by a lock on the clinical store (HL7 claims), the
 * webhook receiver leaves its deliveries unanswered (delivery leases), and a Bulk Data export
 * kicked off through api #1 hangs in its vendor poll (the export lease). Listener #1 is killed
 * with SIGKILL while those messages stream in (the sender fails over to listener #2), the victim
 * is killed with SIGKILL, the survivor resumes and must take over everything the victim held.
 *
 * Every ACKed message must be stored once and processed once (resends are duplicates), every
 * event delivered at least once with one payload per webhook-id, the export must finish and be
 * served through api #2, and both api processes must serve the same FHIR data.
 */
import type { TestingModule } from '@nestjs/testing';
import { Database, PrismaService } from '@sb/db';
import { EventsModule, EventWriter } from '@sb/events';
import { segments } from '@sb/hl7';
import {
  createTestingApp,
  freePort,
  holdLock,
  sendWithFailover,
  startBuiltApp,
  startE2eStack,
  startWebhookReceiver,
  waitForOk,
  waitForPort,
  type CallResult,
  type E2eStack,
  type E2eTenant,
  type FailoverSendResult,
  type HeldLock,
  type RunningApp,
  type WebhookReceiver,
} from '@sb/testing';
import { randomUUID } from 'node:crypto';

/** Messages sent while every process is up, half to each listener. */
const PHASE_ONE = 40;
/** Messages sent while the victim alone works and listener #1 is killed. */
const PHASE_TWO = 80;
const TOTAL = PHASE_ONE + PHASE_TWO;
/** Messages n and n + PATIENTS are about one patient (a later registration of the same person). */
const PATIENTS = 90;
/** Phase-one messages of each listener resent to the other one while both are up. */
const CROSS_RESENDS = 8;
/** Listener #1 is killed after this many phase-two ACKs of its own. */
const KILL_MLLP_AFTER_ACKS = 8;
/** Events written straight to the outbox while deliveries hang, so the victim holds delivery leases. */
const BURST = 40;
/** The vendor's export job: still running when the victim's poll hangs, done when the lease has been handed over (60 s). */
const VENDOR_JOB_MS = 30_000;
/** Six gateway processes boot at once: generous, for a shared, busy CI machine. */
const STARTUP_TIMEOUT_MS = 240_000;
const ASYNC = { accept: 'application/fhir+json', prefer: 'respond-async' };
const RUN = randomUUID().slice(0, 8);
const FACILITY = `SCALE-${RUN}`;
const mrn = (n: number) => `SO${RUN}-${n % PATIENTS}`;

interface Api {
  name: string;
  base: string;
}
interface MessageSummary {
  id: string;
  controlId: string;
  status: string;
  ackCode: string;
  attempts: number;
}

let stack: E2eStack;
const apis: Api[] = [];
const apiProcesses: RunningApp[] = [];
const workers: RunningApp[] = [];
const mllps: RunningApp[] = [];
const mllpPorts: number[] = [];
let receiver: WebhookReceiver;
/** While set, the receiver never answers: deliveries stay in flight. */
let hangReplies = false;
/** The lock on the clinical store while it is held (released at the kill, or after a failure). */
let storeLock: HeldLock | undefined;
let db: TestingModule;
let tenant: E2eTenant;
let hl7Id: string;
let epicId: string;
let groupId: string;
let exportId: string;
let statusPath: string;

/** Control id → message, and the ACK each got first. */
const sent = new Map<string, string>();
const firstAcks = new Map<string, string>();
let framesSent = 0;
/** What the victim held when it died: HL7 messages it had claimed, webhook-ids it was delivering. */
const claimedAtKill = new Set<string>();
const deliveringAtKill = new Set<string>();
/** Deliveries the receiver had got when it stopped answering, and when the victim died: those between were never answered. */
let hangFrom = 0;
let receivedAtKill = 0;
let endpointId: string;
/** Per message id: the events its processing raised. */
const eventsByMessage = new Map<string, string[]>();
/** What the run saw, printed at the end (none of it is timing the test asserts on). */
const report: Record<string, unknown> = {};
/** Set when the load and the kills ran to the end: the checks after it need them, and fail at once without. */
let loaded = false;
const requireLoad = () => {
  if (!loaded) throw new Error('the load with the kills did not run to its end (see the first test)');
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A request to one api process; GETs are sent again when a pooled keep-alive socket turns out closed (as stack.call does). */
async function call(api: Api, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<CallResult> {
  const send = () =>
    fetch(`${api.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${tenant.key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const res = await send().catch((e: unknown) => {
    if (method === 'GET' && (e as { cause?: { code?: string } }).cause?.code === 'UND_ERR_SOCKET') return send();
    throw e;
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers, text };
}

/** The api process the i-th request of a loop goes to: alternating, as a round-robin balancer would. */
const spread = (i: number): Api => apis[i % apis.length]!;
/** A path on the public URL (Content-Location, manifest and next links), sent to the api process of choice. */
const pathOf = (url: string) => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};

const sandbox = async (method: string, path: string, body?: unknown): Promise<any> => {
  const res = await fetch(`${stack.sandboxUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  expect(res.status).toBeLessThan(300);
  return res.status === 204 ? null : res.json();
};

const exited = (app: RunningApp) =>
  new Promise<void>((resolve) => {
    if (app.process.exitCode !== null || app.process.signalCode !== null) return resolve();
    app.process.once('exit', () => resolve());
  });

const message = (n: number, controlId: string) =>
  [
    `MSH|^~\\&|REG|${FACILITY}|SWITCHBOARD|GW|20260301101500-0500||ADT^A04^ADT_A01|${controlId}|P|2.5.1`,
    'EVN|A04|20260301101500-0500',
    `PID|1||${mrn(n)}^^^HOSP^MR||Scaleout${n % PATIENTS}^Sam||19800101|U`,
    'PV1|1|O',
  ].join('\r');

/** Phase messages split by listener: even numbers to #1, odd to #2. */
function phaseMessages(from: number, to: number): [Map<string, string>, Map<string, string>] {
  const split: [Map<string, string>, Map<string, string>] = [new Map(), new Map()];
  for (let n = from; n < to; n++) {
    const controlId = `so-${RUN}-${n}`;
    const text = message(n, controlId);
    sent.set(controlId, text);
    split[n % 2]!.set(controlId, text);
  }
  return split;
}

const ackCode = (ack: string) => (segments(ack).find((s) => s[0] === 'MSA') ?? [])[1];

function recordAcks(result: FailoverSendResult): void {
  framesSent += result.framesSent;
  for (const [controlId, ack] of result.acks) if (!firstAcks.has(controlId)) firstAcks.set(controlId, ack);
}

/** The pid in a lease owner (`host:pid:random`). */
const ownerPid = (owner: string | null) => Number(owner?.split(':').at(-2));

async function messageLog(api: Api): Promise<MessageSummary[]> {
  const all: MessageSummary[] = [];
  let before: string | null = null;
  do {
    const page = await call(api, 'GET', `/v1/connections/${hl7Id}/hl7/messages?limit=200${before ? `&before=${before}` : ''}`);
    expect(page.status).toBe(200);
    all.push(...(page.body.items as MessageSummary[]));
    before = page.body.next as string | null;
  } while (before);
  return all;
}

async function eventFeed(api: Api, types: string): Promise<{ id: string; type: string; data: Record<string, string> }[]> {
  const all: { id: string; type: string; data: Record<string, string> }[] = [];
  let after = '';
  for (;;) {
    const page = await call(api, 'GET', `/v1/events?types=${types}&limit=500&after=${after}`);
    expect(page.status).toBe(200);
    if (page.body.data.length === 0) return all;
    all.push(...page.body.data);
    after = page.body.next;
  }
}

/** Every Patient of the run (one family-name prefix), following the Bundle's next links on one api process. */
async function allPatients(api: Api): Promise<Record<string, any>[]> {
  const patients: Record<string, any>[] = [];
  let path: string | null = `/fhir/r4/${hl7Id}/Patient?family=Scaleout&_count=40`;
  while (path) {
    const page = await call(api, 'GET', path);
    expect(page.status).toBe(200);
    patients.push(...((page.body.entry ?? []) as { resource: Record<string, any> }[]).map((e) => e.resource));
    const next = (page.body.link ?? []).find((l: { relation: string }) => l.relation === 'next') as { url: string } | undefined;
    path = next ? pathOf(next.url) : null;
  }
  return patients;
}

/** Runs `task` over `items`, `parallel` at a time. */
async function inChunks<T>(items: readonly T[], parallel: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += parallel) await Promise.all(items.slice(i, i + parallel).map((item, j) => task(item, i + j)));
}

/**
 * SIGSTOP at a moment the process holds nothing in Postgres: no session of the test database
 * (but this one) inside a transaction for more than a moment — else it is resumed and tried again.
 * A process frozen holding an advisory or row lock would hold up the other worker, not test it.
 */
async function freezeQuietly(app: RunningApp): Promise<void> {
  const prisma = db.get(PrismaService);
  for (let attempt = 0; attempt < 50; attempt++) {
    app.process.kill('SIGSTOP');
    await sleep(300);
    const [row] = await prisma.$queryRaw<{ busy: number }[]>`
      SELECT count(*)::int AS "busy" FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start < now() - interval '250 milliseconds'`;
    if (row?.busy === 0) return;
    app.process.kill('SIGCONT');
    await sleep(100);
  }
  throw new Error(`${app.name} was never quiet enough to freeze`);
}

beforeAll(async () => {
  receiver = await startWebhookReceiver(() => (hangReplies ? 'hang' : { status: 200 }));
  mllpPorts.push(await freePort(), await freePort());
  // The stack runs the sandbox; this file starts every gateway process itself, all at once, on the stack's
  // environment: one database, one Redis prefix, one SB_PUBLIC_URL (api #1's address, standing for the
  // balancer, so links either api renders point there). A short webhook lease, so deliveries the dead
  // worker held are made again within the test.
  stack = await startE2eStack('scale-out', ['sandbox'], { SB_WEBHOOK_LEASE_SECONDS: '5', LOG_LEVEL: 'info' });
  const api2Base = `http://127.0.0.1:${await freePort()}`;
  apis.push({ name: 'api #1', base: stack.base }, { name: 'api #2', base: api2Base });
  apiProcesses.push(startBuiltApp('api', stack.env), startBuiltApp('api', { ...stack.env, PORT: new URL(api2Base).port }));
  workers.push(startBuiltApp('worker', stack.env), startBuiltApp('worker', stack.env));
  for (const port of mllpPorts) mllps.push(startBuiltApp('mllp', { ...stack.env, SB_MLLP_PORT: String(port) }));
  await Promise.all([
    ...apis.map((api, i) => waitForOk(`${api.base}/health`, apiProcesses[i]!, STARTUP_TIMEOUT_MS)),
    ...mllpPorts.map((port) => waitForPort(port, STARTUP_TIMEOUT_MS)),
    ...workers.map((worker) =>
      waitFor(
        'the worker to start',
        async () => {
          if (worker.process.exitCode !== null) throw new Error(`worker exited early:\n${worker.output()}`);
          return worker.output().includes('worker processing') ? true : null;
        },
        STARTUP_TIMEOUT_MS,
      ),
    ),
    createTestingApp([EventsModule]).then((moduleRef) => (db = moduleRef)),
  ]);
  // The readiness polls leave a pooled socket to api #1 that it may close meanwhile: a GET (sent again on
  // a closed socket) takes it before the tenant's POST could.
  expect((await stack.call('GET', '/health')).status).toBe(200);
  tenant = await stack.newTenant(`scale-${RUN}`);
  const hl7 = await call(apis[1]!, 'POST', '/v1/connections', { name: 'Scale-out site', vendor: 'hl7v2', environment: 'production', hl7SendingFacility: FACILITY });
  expect(hl7.status).toBe(201);
  hl7Id = hl7.body.id;
  const epic = await call(apis[0]!, 'POST', '/v1/connections', { name: 'Scale-out Epic', vendor: 'epic', environment: 'sandbox', bulkGroupWindowHours: 0 });
  expect(epic.status).toBe(201);
  expect(epic.body.status).toBe('live');
  epicId = epic.body.id;
  const groups = await call(apis[1]!, 'GET', `/fhir/r4/${epicId}/Group`);
  expect(groups.status).toBe(200);
  groupId = groups.body.entry[0].resource.id;
  const endpoint = await call(apis[0]!, 'POST', '/v1/webhook-endpoints', { url: receiver.url('/hook'), eventTypes: ['patient.registered', 'patient.updated', 'export.completed'] });
  expect(endpoint.status).toBe(201);
  endpointId = endpoint.body.id;
  await sandbox('PUT', '/_sandbox/bulk/settings', { vendor: 'epic', jobDurationMs: VENDOR_JOB_MS });
}, STARTUP_TIMEOUT_MS + 60_000);

afterAll(async () => {
  for (const worker of workers) if (worker.process.exitCode === null && worker.process.signalCode === null) worker.process.kill('SIGCONT');
  await storeLock?.release().catch(() => undefined);
  for (const app of [...mllps, ...workers, ...apiProcesses]) await app.stop();
  await stack?.close();
  await db?.close();
  await receiver?.close();
  if (Object.keys(report).length > 0) console.info(`scale-out: ${JSON.stringify(report)}`);
});

describe('two api, two worker and two mllp processes on one Postgres and Redis', () => {
  it('takes HL7 on both listeners, resends on the other one and a failover; the worker killed holds HL7, webhook and export leases', async () => {
    const prisma = db.get(PrismaService);
    // Phase one, every process up: half the messages to each listener at once.
    const phaseOne = phaseMessages(0, PHASE_ONE);
    const one = await Promise.all(phaseOne.map((batch, i) => sendWithFailover([mllpPorts[i]!], batch)));
    one.forEach(recordAcks);
    expect(one.map((r, i) => r.acksByPort.get(mllpPorts[i]!))).toEqual([PHASE_ONE / 2, PHASE_ONE / 2]);
    // The same messages again through the other listener: each answered with the very ACK it got first, not stored again.
    const resends = phaseOne.map((batch) => new Map([...batch].slice(0, CROSS_RESENDS)));
    const crossed = await Promise.all(resends.map((batch, i) => sendWithFailover([mllpPorts[1 - i]!], batch)));
    framesSent += crossed.reduce((sum, r) => sum + r.framesSent, 0);
    for (const result of crossed) for (const [controlId, ack] of result.acks) expect({ controlId, ack }).toEqual({ controlId, ack: firstAcks.get(controlId) });
    await waitFor('phase one processed', async () => ((await messageLog(apis[0]!)).filter((m) => m.status === 'processed').length === PHASE_ONE ? true : null), 60_000);

    // From here to the kill the victim works alone: whatever is in flight at the kill is its own.
    const [victim, survivor] = workers as [RunningApp, RunningApp];
    await freezeQuietly(survivor);
    // The export, kicked off through api #1 (Content-Location names the shared public URL), is the victim's to run.
    const kick = await call(apis[0]!, 'GET', `/fhir/r4/${epicId}/Group/${groupId}/$export?_type=Patient,Observation`, undefined, ASYNC);
    expect(kick.status).toBe(202);
    const contentLocation = kick.headers.get('content-location') ?? '';
    expect(contentLocation.startsWith(`${stack.base}/fhir/r4/${epicId}/$export-status/`)).toBe(true);
    statusPath = pathOf(contentLocation);
    exportId = statusPath.split('/').pop()!;
    await waitFor(
      'the vendor kick-off',
      async () => {
        const { status } = await prisma.bulkExport.findUniqueOrThrow({ where: { id: exportId } });
        if (status !== 'requested' && status !== 'kicked_off') throw new Error(`the vendor job ended before the test could hang a poll (export ${status})`);
        return status === 'kicked_off' ? true : null;
      },
      VENDOR_JOB_MS,
      100,
    );
    // Its processing of phase two blocks on the locked clinical store, holding its claims…
    storeLock = await holdLock(db.get(PrismaService), 'LOCK TABLE "ClinicalResource" IN SHARE MODE', [], 300_000);
    // …and its deliveries of these events stay unanswered.
    hangReplies = true;
    hangFrom = receiver.received.length;
    await db.get(Database).transaction((tx) =>
      db.get(EventWriter).append(
        tx,
        Array.from({ length: BURST }, (_, i) => {
          const patient = `Patient/so-${RUN}-burst-${i}`;
          return { tenantId: tenant.id, connectionId: null, type: 'patient.updated', data: { patient }, patientRef: patient };
        }),
      ),
    );
    await receiver.waitFor((r) => r.length > hangFrom, 30_000);

    // Phase two: listener #1 dies after some of its ACKs; its sender fails over to #2.
    const phaseTwo = phaseMessages(PHASE_ONE, TOTAL);
    let ackedByOne = 0;
    const two = await Promise.all(
      phaseTwo.map((batch, i) =>
        sendWithFailover(i === 0 ? [mllpPorts[0]!, mllpPorts[1]!] : [mllpPorts[1]!], batch, {
          timeoutMs: 90_000,
          onAck: (_controlId, port) => {
            if (port === mllpPorts[0] && ++ackedByOne === KILL_MLLP_AFTER_ACKS) mllps[0]!.process.kill('SIGKILL');
          },
        }),
      ),
    );
    two.forEach(recordAcks);
    await exited(mllps[0]!);
    expect(mllps[0]!.process.signalCode).toBe('SIGKILL');
    expect(two[0]!.acksByPort.get(mllpPorts[1]!)).toBeGreaterThan(0);
    const claimed = await waitFor(
      'the victim to claim phase-two messages',
      async () => {
        const pending = (await messageLog(apis[1]!)).filter((m) => m.status === 'received' && m.attempts > 0);
        return pending.length > 0 ? pending : null;
      },
      30_000,
    );

    // Its next vendor poll hangs, holding the export's lease. (From the lock to the kill is seconds: within
    // the 15 s a vendor call, a webhook attempt or the held-up store write may take before they give up.)
    await sandbox('POST', '/_sandbox/faults', { vendor: 'epic', kind: 'hang', delayMs: 120_000 });
    await waitFor('the export poll hung at the vendor', async () => (((await sandbox('GET', '/_sandbox/faults?vendor=epic')) as unknown[]).length === 0 ? true : null), 30_000, 100);

    // kill -9 the victim, resume the survivor, unlock.
    receivedAtKill = receiver.received.length;
    victim.process.kill('SIGKILL');
    await exited(victim);
    expect(victim.process.signalCode).toBe('SIGKILL');
    hangReplies = false;
    survivor.process.kill('SIGCONT');
    await storeLock.release();
    storeLock = undefined;

    // What the victim held: the export's lease (still its own: only the lease's expiry hands it over),
    // HL7 messages it had claimed, deliveries it was making.
    const atKill = await prisma.bulkExport.findUniqueOrThrow({ where: { id: exportId } });
    expect(ownerPid(atKill.leaseOwner)).toBe(victim.process.pid);
    for (const m of claimed) claimedAtKill.add(m.id);
    for (const w of receiver.received.slice(hangFrom, receivedAtKill)) deliveringAtKill.add(String(w.headers['webhook-id']));
    expect(claimedAtKill.size).toBeGreaterThan(0);
    expect(deliveringAtKill.size).toBeGreaterThan(0);

    expect(new Set(firstAcks.keys())).toEqual(new Set(sent.keys()));
    expect([...firstAcks.values()].map(ackCode).filter((code) => code !== 'AA')).toEqual([]);
    report.framesSent = framesSent;
    report.acksByListener = [0, 1].map((i) => [...one, ...crossed, ...two].reduce((sum, r) => sum + (r.acksByPort.get(mllpPorts[i]!) ?? 0), 0));
    report.hl7ClaimsHeldByVictim = claimedAtKill.size;
    report.deliveriesHeldByVictim = deliveringAtKill.size;
    loaded = true;
  }, 180_000);

  it('stores and processes every ACKed message exactly once; resends through either listener are duplicates', async () => {
    requireLoad();
    let polls = 0;
    const messages = await waitFor(
      'every message processed',
      async () => {
        const log = await messageLog(spread(polls++));
        return log.length >= TOTAL && log.every((m) => m.status !== 'received') ? log : null;
      },
      120_000,
      500,
    );
    const controlIds = messages.map((m) => m.controlId);
    expect(controlIds).toHaveLength(TOTAL);
    expect(new Set(controlIds)).toEqual(new Set(sent.keys()));
    expect(messages.filter((m) => m.status !== 'processed' || m.ackCode !== 'AA')).toEqual([]);
    // The messages the victim had claimed were claimed again, by the survivor.
    expect(messages.filter((m) => claimedAtKill.has(m.id) && m.attempts < 2)).toEqual([]);

    // One processing each: the events a message raised, asked of either api process.
    await inChunks(messages, 10, async (m, i) => {
      const res = await call(spread(i), 'GET', `/v1/connections/${hl7Id}/hl7/messages/${m.id}/events`);
      expect(res.status).toBe(200);
      eventsByMessage.set(m.id, (res.body.items as { id: string; type: string }[]).map((e) => `${e.type} ${e.id}`));
    });
    expect([...eventsByMessage.values()].filter((events) => events.length !== 1 || !events[0]!.startsWith('patient.registered '))).toEqual([]);

    // Metered once each, read from the table: one billable event per message; every resend of a stored message a
    // non-billable duplicate; a processing attempt that failed (held up past its transaction's timeout) a failed
    // call, no more of them than the messages' claims beyond the first; nothing else.
    const prisma = db.get(PrismaService);
    const usage = (where: Record<string, unknown>) => prisma.usageEvent.count({ where: { connectionId: hl7Id, ...where } });
    const billable = await usage({ billable: true });
    const duplicates = await usage({ billable: false, outcome: 'success', nonBillableReason: 'duplicate' });
    const failed = await usage({ billable: false, outcome: 'error', nonBillableReason: 'failed' });
    const all = await usage({});
    expect({ billable, other: all - billable - duplicates - failed }).toEqual({ billable: TOTAL, other: 0 });
    expect(duplicates).toBeGreaterThanOrEqual(2 * CROSS_RESENDS);
    expect(duplicates).toBeLessThanOrEqual(framesSent - TOTAL);
    expect(failed).toBeLessThanOrEqual(messages.reduce((sum, m) => sum + m.attempts - 1, 0));
    report.failedAttempts = failed;
    report.duplicateResends = duplicates;
    report.messagesClaimedTwice = messages.filter((m) => m.attempts > 1).length;
  }, 150_000);

  it('delivers every event at least once; the dead worker’s deliveries are made again, with the same webhook-id and payload', async () => {
    requireLoad();
    const feed = await eventFeed(apis[0]!, 'patient.registered,patient.updated');
    const feedIds = new Set(feed.map((e) => e.id));
    expect(feed.filter((e) => e.type === 'patient.registered')).toHaveLength(TOTAL);
    expect(feed.filter((e) => e.type === 'patient.updated')).toHaveLength(BURST);
    expect(new Set(feed.filter((e) => e.type === 'patient.registered').map((e) => e.id))).toEqual(new Set([...eventsByMessage.values()].flat().map((e) => e.split(' ')[1])));
    // The same feed through the other api process.
    expect((await eventFeed(apis[1]!, 'patient.registered,patient.updated')).map((e) => e.id)).toEqual(feed.map((e) => e.id));

    // Delivered: answered 200 by the receiver (it answered every request but those it left hanging).
    const answered = () => new Set(receiver.received.filter((_, i) => i < hangFrom || i >= receivedAtKill).map((w) => String(w.headers['webhook-id'])));
    await receiver.waitFor(() => [...feedIds].every((id) => answered().has(id)), 120_000);
    const redelivered = new Set(receiver.received.slice(receivedAtKill).map((w) => String(w.headers['webhook-id'])));
    expect([...deliveringAtKill].filter((id) => !redelivered.has(id))).toEqual([]);
    // And recorded so: no delivery left pending or dead, asked of either api process.
    for (const [i, status] of ['pending', 'failed'].entries()) {
      await waitFor(
        `no ${status} delivery`,
        async () => {
          const res = await call(spread(i), 'GET', `/v1/webhook-endpoints/${endpointId}/deliveries?status=${status}`);
          expect(res.status).toBe(200);
          return res.body.data.length === 0 ? true : null;
        },
        30_000,
        500,
      );
    }
    const bodies = new Map<string, Set<string>>();
    for (const w of receiver.received) {
      const id = String(w.headers['webhook-id']);
      bodies.set(id, (bodies.get(id) ?? new Set()).add(w.body));
    }
    expect([...bodies].filter(([, distinct]) => distinct.size !== 1).map(([id]) => id)).toEqual([]);
    for (const [id, distinct] of bodies) expect(JSON.parse([...distinct][0]!).id).toBe(id);
    report.webhookDeliveries = receiver.received.length;
    report.webhookRepeats = receiver.received.length - bodies.size;
  }, 150_000);

  it('finishes the export the dead worker held: kicked off on api #1, polled and downloaded on api #2', async () => {
    requireLoad();
    const done = await waitFor(
      'the manifest through api #2',
      async () => {
        const res = await call(apis[1]!, 'GET', statusPath, undefined, { accept: 'application/json' });
        if (res.status === 200) return res;
        expect(res.status).toBe(202);
        return null;
      },
      150_000,
      1_000,
    );
    const manifest = done.body as { request: string; output: { type: string; url: string; count: number }[]; error: unknown[] };
    expect(manifest.request).toBe(`${stack.base}/fhir/r4/${epicId}/Group/${groupId}/$export?_type=Patient,Observation`);
    expect(new Set(manifest.output.map((o) => o.type))).toEqual(new Set(['Patient', 'Observation']));
    // api #1 serves the very same manifest.
    const fromOne = await call(apis[0]!, 'GET', statusPath, undefined, { accept: 'application/json' });
    expect(fromOne.status).toBe(200);
    expect(fromOne.body).toEqual(manifest);
    for (const [i, o] of manifest.output.entries()) {
      expect(o.url.startsWith(`${stack.base}/fhir/r4/${epicId}/$export-file/`)).toBe(true);
      const file = await call(spread(i + 1), 'GET', pathOf(o.url), undefined, { accept: 'application/fhir+ndjson' });
      expect(file.status).toBe(200);
      const lines = file.text.trim().split('\n').filter(Boolean);
      expect(lines).toHaveLength(o.count);
      for (const line of lines) expect(JSON.parse(line).resourceType).toBe(o.type);
    }

    // Taken over, not started again: one kick-off at the vendor, and one export.completed, delivered.
    const ledger = await sandbox('GET', '/_sandbox/bulk/jobs?vendor=epic');
    expect(ledger.kickoffs.filter((k: { groupId: string; status: number }) => k.groupId === groupId && k.status === 202)).toHaveLength(1);
    const completed = (await eventFeed(apis[0]!, 'export.completed')).filter((e) => e.data.exportId === exportId);
    expect(completed).toHaveLength(1);
    await receiver.waitFor((r) => r.some((w) => w.headers['webhook-id'] === completed[0]!.id), 60_000);
  }, 200_000);

  it('serves the same FHIR data from either api process', async () => {
    requireLoad();
    const [one, two] = await Promise.all(apis.map((api) => allPatients(api)));
    const byId = (patients: Record<string, any>[]) => Object.fromEntries(patients.map((p) => [p.id as string, p]));
    expect(one).toHaveLength(PATIENTS);
    expect(byId(two)).toEqual(byId(one));
    // Each patient found by MRN on one process and read by id on the other: one record per MRN, the same on both.
    await inChunks(
      Array.from({ length: PATIENTS }, (_, n) => n),
      10,
      async (n) => {
        const found = await call(spread(n), 'GET', `/fhir/r4/${hl7Id}/Patient?identifier=${mrn(n)}`);
        expect(found.status).toBe(200);
        expect(found.body.entry ?? []).toHaveLength(1);
        const patient = found.body.entry[0].resource;
        const read = await call(spread(n + 1), 'GET', `/fhir/r4/${hl7Id}/Patient/${patient.id as string}`);
        expect(read.status).toBe(200);
        expect(read.body).toEqual(patient);
      },
    );
  }, 120_000);
});
