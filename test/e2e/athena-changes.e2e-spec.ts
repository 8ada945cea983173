/**
 * athena change feeds → events, on the built apps as real processes: a one-click
 * sandbox athena connection polled by the worker, changes made in the simulated
 * EHR by a second registered athena client (bookings, cancellations, athena's
 * reschedule, demographic updates) and through the sandbox's touch route, and the
 * worker killed with SIGKILL twice — once while it polls, once while athena is
 * still sending it pages it has already marked processed (a slow drip) — then
 * restarted. Every change must arrive as exactly one event in the catch-up feed:
 * none lost to the destructive reads, none told twice by the replays. Each page the
 * feed processed is metered once (a retry of a committed page as a duplicate), and
 * the usage rollups hold every usage event once.
 */
import type { TestingModule } from '@nestjs/testing';
import { Database, unwrapTx } from '@sb/db';
import { createTestingApp, startBuiltApp, startE2eStack, type E2eStack, type E2eTenant, type RunningApp } from '@sb/testing';
import { randomUUID } from 'node:crypto';

const PRACTICE = '195900';
const POLL_SECONDS = 5; // the least a connection may ask for
/** A killed worker's feed leases are free after this (the poller's 30 s lease past its next due poll, and some). */
const LEASE_EXPIRY_MS = 40_000;

let stack: E2eStack;
let worker: RunningApp | null = null;
let db: TestingModule;
/** What every worker process wrote (scanned for PHI at the end). */
const workerOutput: string[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const patientRef = (pid: string) => `Patient/a-${PRACTICE}.E-${pid}`;
const appointmentRef = (aid: string) => `Appointment/a-${PRACTICE}.appointment-${aid}`;

/** A second athena client, registered with the simulator, writing through athena's own API (as the practice's other apps would). */
class OtherAthenaApp {
  private token = '';

  constructor(private readonly registration: { clientId: string; clientSecret: string; athenaBaseUrl: string; tokenUrl: string }) {}

  static async register(sandboxUrl: string): Promise<OtherAthenaApp> {
    const res = await fetch(`${sandboxUrl}/_sandbox/clients`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vendor: 'athena' }) });
    if (res.status !== 201) throw new Error(`athena client not registered: ${res.status}`);
    const app = new OtherAthenaApp((await res.json()) as OtherAthenaApp['registration']);
    await app.authenticate();
    return app;
  }

  private async authenticate(): Promise<void> {
    const basic = Buffer.from(`${encodeURIComponent(this.registration.clientId)}:${encodeURIComponent(this.registration.clientSecret)}`).toString('base64');
    const res = await fetch(this.registration.tokenUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'athena/service/Athenanet.MDP.*' }),
    });
    if (res.status !== 200) throw new Error(`athena token refused: ${res.status}`);
    this.token = ((await res.json()) as { access_token: string }).access_token;
  }

  async call(method: 'GET' | 'PUT', path: string, params: Record<string, string> = {}): Promise<unknown> {
    const query = method === 'GET' ? `?${new URLSearchParams(params)}` : '';
    const res = await fetch(`${this.registration.athenaBaseUrl}/v1/${PRACTICE}${path}${query}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(method === 'PUT' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: method === 'PUT' ? new URLSearchParams(params) : undefined,
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`athena ${method} ${path} answered ${res.status}: ${text.slice(0, 200)}`);
    return JSON.parse(text);
  }
}

/** The changes made, as the events they must produce (`type patient [appointment]`). */
class ChangeLog {
  readonly expected: string[] = [];

  constructor(private readonly athena: OtherAthenaApp) {}

  private tell(type: string, pid: string, aid?: string): void {
    this.expected.push([type, patientRef(pid), aid ? appointmentRef(aid) : undefined].filter(Boolean).join(' '));
  }

  async book(slot: string, pid: string): Promise<void> {
    await this.athena.call('PUT', `/appointments/${slot}`, { patientid: pid, departmentid: '1' });
    this.tell('appointment.booked', pid, slot);
  }

  async cancel(appointment: string, pid: string): Promise<void> {
    await this.athena.call('PUT', `/appointments/${appointment}/cancel`, { patientid: pid, cancellationreason: 'e2e' });
    this.tell('appointment.cancelled', pid, appointment);
  }

  /** athena's reschedule books the new slot (a new appointment id) and cancels the old booking. */
  async reschedule(appointment: string, newSlot: string, pid: string): Promise<void> {
    await this.athena.call('PUT', `/appointments/${appointment}/reschedule`, { patientid: pid, newappointmentid: newSlot });
    this.tell('appointment.rescheduled', pid, newSlot);
    this.tell('appointment.cancelled', pid, appointment);
  }

  async updatePatient(pid: string, homephone: string): Promise<void> {
    await this.athena.call('PUT', `/patients/${pid}`, { homephone });
    this.tell('patient.updated', pid);
  }

  /** A change made inside the EHR that the gateway has not seen yet (the sandbox's touch). */
  touched(pid: string): void {
    this.tell('patient.updated', pid);
  }
}

const touch = (feed: 'patients' | 'appointments', id: string) =>
  fetch(`${stack.sandboxUrl}/_sandbox/athena/practices/${PRACTICE}/touch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ feed, id }) });

/** The connection's events in the catch-up feed, as `type patient [appointment]`. */
async function told(t: E2eTenant, connectionId: string): Promise<string[]> {
  const out: string[] = [];
  let after = '';
  for (;;) {
    const page = await stack.call('GET', `/v1/events?limit=500${after ? `&after=${after}` : ''}`, t.key);
    if (page.status !== 200) throw new Error(`catch-up feed answered ${page.status}`);
    const events = page.body.data as { type: string; connectionId: string; data: { patient: string; appointment?: string } }[];
    for (const e of events) if (e.connectionId === connectionId) out.push([e.type, e.data.patient, e.data.appointment].filter(Boolean).join(' '));
    if (events.length < 500) return out;
    after = page.body.next as string;
  }
}

async function waitFor(what: string, done: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (worker && worker.process.exitCode !== null) throw new Error(`worker exited:\n${worker.output().slice(-4000)}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const sorted = (xs: readonly string[]) => [...xs].sort();

beforeAll(async () => {
  stack = await startE2eStack('athena-changes', ['api', 'sandbox'], { LOG_LEVEL: 'info' });
  const settings = await fetch(`${stack.sandboxUrl}/_sandbox/athena/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ subscriptionDelayMs: 300 }) });
  expect(settings.status).toBe(200);
  worker = startBuiltApp('worker', stack.env);
  db = await createTestingApp([]);
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await stack?.close();
  await db?.close();
});

interface FeedUsage {
  /** Pages the connection's feeds processed (each one committed once). */
  pages: number;
  /** Inbound (message.in) usage events of the connection by kind, and events still waiting for the rollup. */
  firstTime: number;
  duplicates: number;
  failed: number;
  queued: number;
  raw: number;
  rollupCount: number;
  periodCount: number;
}

/** The feed's pages and usage, read straight from the tables. */
async function feedUsage(connectionId: string): Promise<FeedUsage> {
  const [row] = await db.get(Database).transaction((tx) =>
    unwrapTx(tx).$queryRaw<FeedUsage[]>`
      SELECT
        (SELECT count(*)::int FROM "AthenaChangePage" WHERE "connectionId" = ${connectionId}::uuid AND "processedAt" IS NOT NULL) AS "pages",
        (SELECT count(*)::int FROM "UsageEvent" WHERE "connectionId" = ${connectionId}::uuid AND "operation" = 'message.in' AND "outcome" = 'success'
           AND "nonBillableReason" IS DISTINCT FROM 'duplicate') AS "firstTime",
        (SELECT count(*)::int FROM "UsageEvent" WHERE "connectionId" = ${connectionId}::uuid AND "operation" = 'message.in' AND "nonBillableReason" = 'duplicate') AS "duplicates",
        (SELECT count(*)::int FROM "UsageEvent" WHERE "connectionId" = ${connectionId}::uuid AND "operation" = 'message.in' AND "outcome" = 'error') AS "failed",
        (SELECT count(*)::int FROM "UsageRollupQueue" q JOIN "UsageEvent" e ON e."id" = q."usageId" WHERE e."connectionId" = ${connectionId}::uuid) AS "queued",
        (SELECT count(*)::int FROM "UsageEvent" WHERE "connectionId" = ${connectionId}::uuid) AS "raw",
        (SELECT COALESCE(sum("count"), 0)::int FROM "UsageRollup" WHERE "connectionId" = ${connectionId}::uuid) AS "rollupCount",
        (SELECT COALESCE(sum("count"), 0)::int FROM "UsagePeriodTotal" WHERE "connectionId" = ${connectionId}::uuid) AS "periodCount"`,
  );
  if (!row) throw new Error('no usage figures');
  return row;
}

it('tells every change made in athena exactly once across two kill -9s of the worker, one in the middle of a consumed read', async () => {
  const tenant = await stack.newTenant(`athena-changes-${randomUUID().slice(0, 6)}`);
  const created = await stack.call('POST', '/v1/connections', tenant.key, { name: 'athena changes', vendor: 'athena', environment: 'sandbox', changePollSeconds: POLL_SECONDS });
  expect(created.status).toBe(201);
  expect(created.body.status).toBe('live');
  const connectionId = created.body.id as string;

  const athena = await OtherAthenaApp.register(stack.sandboxUrl);
  const log = new ChangeLog(athena);
  const patients = ((await (await fetch(`${stack.sandboxUrl}/_sandbox/patients?vendor=athena`)).json()) as { id: string }[]).map((p) => p.id.split('.E-')[1] as string);
  const [p0, p1, p2, p3, p4, p5, p6, p7] = patients.slice(20, 28) as [string, string, string, string, string, string, string, string];
  const open = (await athena.call('GET', '/appointments/open', { departmentid: '1', startdate: '01/01/2020', enddate: '12/31/2035', limit: '100' })) as { appointments: { appointmentid: number | string }[] };
  const slots = open.appointments.map((a) => String(a.appointmentid));
  expect(slots.length).toBeGreaterThanOrEqual(8);
  const [s1, s2, s3, s4, s5, s6] = slots.slice(-6) as [string, string, string, string, string, string];

  // The worker subscribes on its first cycle and waits out athena's setup; a touch is told once the feed flows.
  await waitFor(
    'the change feed to flow',
    async () => {
      if ((await told(tenant, connectionId)).length > 0) return true;
      expect((await touch('patients', p0)).status).toBe(200);
      await sleep(1_500);
      return false;
    },
    60_000,
  );
  log.touched(p0);
  await sleep(1_500);
  expect(await told(tenant, connectionId)).toEqual(log.expected); // touched again and again: told once

  // Normal operation.
  await log.book(s1, p1);
  await log.book(s2, p2);
  await log.updatePatient(p3, '6175550101');
  await log.cancel(s1, p1);
  await log.reschedule(s2, s3, p2);
  await waitFor('the first changes', async () => (await told(tenant, connectionId)).length >= log.expected.length, 30_000);
  expect(sorted(await told(tenant, connectionId))).toEqual(sorted(log.expected));

  // kill -9 while the worker polls (a new booking on its way in).
  await log.book(s4, p4);
  await sleep(Math.floor(Math.random() * 900));
  worker?.process.kill('SIGKILL');
  await worker?.stop();
  workerOutput.push(worker?.output() ?? '');

  // Changes while no worker runs. The killed worker's leases expire (30 s past its last renewal or its
  // next due poll); a worker started after that takes both feeds in one step and reads them side by side:
  // first the replays (not consuming), then the consuming reads. athena drips those four answers out
  // slowly; killed while the consuming two drip, athena has marked these changes processed and the
  // gateway has stored none of them — only the next worker's replay can bring them back.
  await log.book(s5, p5);
  await log.cancel(s4, p4);
  await log.updatePatient(p6, '6175550102');
  await log.updatePatient(p3, '6175550103');
  await sleep(LEASE_EXPIRY_MS);
  const drip = await fetch(`${stack.sandboxUrl}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ vendor: 'athena', kind: 'slow-drip', count: 4, delayMs: 5_000 }),
  });
  expect(drip.status).toBe(201);
  worker = startBuiltApp('worker', stack.env);
  await waitFor('the restarted worker to read into the drip', async () => ((await (await fetch(`${stack.sandboxUrl}/_sandbox/faults?vendor=athena`)).json()) as unknown[]).length === 0, 90_000);
  await sleep(300);
  worker.process.kill('SIGKILL');
  await worker.stop();
  workerOutput.push(worker.output());
  expect((await fetch(`${stack.sandboxUrl}/_sandbox/faults`, { method: 'DELETE' })).status).toBeLessThan(300);

  // Restarted for good: stored pages first, then the replay window brings back what the killed reads consumed.
  worker = startBuiltApp('worker', stack.env);
  await log.book(s6, p7);
  await log.updatePatient(p6, '6175550104');
  await waitFor('every change', async () => (await told(tenant, connectionId)).length >= log.expected.length, 120_000);
  await sleep(3 * POLL_SECONDS * 1_000); // time for a second telling, if there were to be one
  const events = await told(tenant, connectionId);
  expect(sorted(events)).toEqual(sorted(log.expected));

  // The records read from athena (demographics, phone numbers) never reach a log line.
  workerOutput.push(worker.output());
  const logs = workerOutput.join('\n');
  expect(logs).toContain('"event":"athena_feed_subscribed"');
  expect(logs).toContain('"event":"athena_feed_replayed"');
  for (const phone of ['6175550101', '6175550102', '6175550103', '6175550104']) expect(logs).not.toContain(phone);

  // Usage across the kills: one inbound transaction per processed page (a sandbox connection: counted, never
  // billed), every retry of a committed page a duplicate; and the rollups, once caught up, hold every event once.
  let usage = await feedUsage(connectionId);
  await waitFor('the usage rollup', async () => (usage = await feedUsage(connectionId)).queued === 0, 30_000);
  expect(usage.pages).toBeGreaterThan(0);
  expect(usage.firstTime).toBe(usage.pages);
  expect({ rollup: usage.rollupCount, period: usage.periodCount }).toEqual({ rollup: usage.raw, period: usage.raw });
}, 420_000);
