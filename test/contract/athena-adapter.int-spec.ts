/**
 * The athena adapter, built as the gateway builds it, against the athena simulator:
 * the shared adapter contract, then athena's own — every type read and searched,
 * refusals named, booking (409, cancel, a timed-out booking reconciled), notes, every
 * fault mode, the token quota and the practice request budget (Redis, shared).
 */
import type { Appointment, DocumentReference, Resource, Slot } from '@medplum/fhirtypes';
import { ADAPTER_FACTORIES, RedisRequestBudget } from '@sb/adapters';
import { athenaChangesClient } from '@sb/adapters/athena';
import { CursorCodec, InMemoryRequestBudget, TokenCache, VendorHttpClient, type AdapterContext, type ClinicalResourceType, type EhrAdapter, type VendorRequest, type VendorResponse } from '@sb/adapters/contracts';
import { processEnv } from '@sb/config';
import type { Connection } from '@sb/db';
import { validateFhirResource } from '@sb/fhir';
import { deleteRedisKeys, testRedisPrefix, usCoreAvailable, validateUsCore } from '@sb/testing';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { startTestSandbox, type TestSandbox } from '../../apps/sandbox/src/testing/sandbox-harness';
import { buildAdapter, connectionFor, CONTRACT_TIMEOUT_MS, describeAdapterContract, injectFault, type ContractSetup } from './adapter-contract';

const ATHENA_TYPES: readonly ClinicalResourceType[] = [
  'Patient',
  'Encounter',
  'Observation',
  'Condition',
  'AllergyIntolerance',
  'MedicationRequest',
  'DiagnosticReport',
  'DocumentReference',
  'Appointment',
  'Practitioner',
  'Organization',
  'Location',
];

interface Registration {
  clientId: string;
  clientSecret: string;
  athenaBaseUrl: string;
  tokenUrl: string;
  practiceId: string;
}

const postJson = (url: string, body: unknown, method = 'POST') => fetch(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function register(sandbox: TestSandbox, practiceIds?: string[]): Promise<Registration> {
  const res = await postJson(`${sandbox.url}/_sandbox/clients`, { vendor: 'athena', ...(practiceIds ? { practiceIds } : {}) });
  if (res.status !== 201) throw new Error(`athena registration failed: ${res.status}`);
  return (await res.json()) as Registration;
}

const clearFaults = (sandbox: TestSandbox) => fetch(`${sandbox.url}/_sandbox/faults?vendor=athena`, { method: 'DELETE' });

const settings = (sandbox: TestSandbox, body: { tokensPerMinute?: number; subscriptionDelayMs?: number }) => postJson(`${sandbox.url}/_sandbox/athena/settings`, body, 'PUT');

/**
 * Settings for functional checks: athena's production rate (which also keeps 100
 * concurrent calls from piling onto the simulator at once) and a token quota that
 * does not get in the way; the quota and budget tests set their own.
 */
const OPEN_DIALECT = { requestsPerSecond: 100, tokensPerMinute: 1000 };

function setupFor(sandbox: TestSandbox, reg: Registration, fields: Partial<Connection> = {}): ContractSetup & { uses: { n: number } } {
  const uses = { n: 0 };
  return {
    vendor: 'athena',
    sandboxUrl: sandbox.url,
    connection: connectionFor('athena', {
      athenaBaseUrl: reg.athenaBaseUrl,
      tokenUrl: reg.tokenUrl,
      athenaPracticeId: reg.practiceId,
      clientId: reg.clientId,
      clientSecretName: 'client_secret',
      dialect: OPEN_DIALECT,
      ...fields,
    }),
    credentials: {
      signingKey: () => Promise.reject(new Error('athena uses a client secret')),
      clientSecret: () => {
        uses.n += 1;
        return Promise.resolve(Buffer.from(reg.clientSecret, 'utf8'));
      },
    },
    credentialUses: () => uses.n,
    recordTypes: ATHENA_TYPES,
    uses,
  };
}

describeAdapterContract('athenahealth', async () => {
  const sandbox = await startTestSandbox();
  await settings(sandbox, { tokensPerMinute: 1000 });
  const setup = setupFor(sandbox, await register(sandbox));
  return { ...setup, dispose: () => sandbox.dispose() };
});

describe('athena adapter against the athena simulator', () => {
  let sandbox: TestSandbox;
  let reg: Registration;
  let setup: ReturnType<typeof setupFor>;
  let adapter: EhrAdapter;
  let http: VendorHttpClient;
  let patients: { id: string; mrn: string; family: string; given: string; birthDate: string }[];
  /** The dataset's anchor day: the simulator's open slots lie in the two weeks after it. */
  let anchor: string;
  const seen: Resource[] = [];
  const keep = <T extends Resource>(r: T): T => (seen.push(r), r);
  const keepAll = <T extends Resource>(rs: T[]): T[] => (rs.forEach(keep), rs);
  const redisPrefix = testRedisPrefix('athena-adapter-contract');
  const redisUrl = processEnv().REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(redisUrl);
  const redis2 = new Redis(redisUrl);

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    await settings(sandbox, { tokensPerMinute: 1000, subscriptionDelayMs: 0 });
    reg = await register(sandbox);
    setup = setupFor(sandbox, reg);
    ({ adapter, http } = buildAdapter(setup));
    patients = (await (await fetch(`${sandbox.url}/_sandbox/patients?vendor=athena`)).json()) as typeof patients;
    anchor = ((await (await fetch(`${sandbox.url}/_sandbox/health`)).json()) as { anchor: string }).anchor;
  });
  afterAll(async () => {
    http.close();
    await sandbox.dispose();
    await deleteRedisKeys(redisPrefix);
    redis.disconnect();
    redis2.disconnect();
  });
  // A long test (the US Core check) can outlive the idle keep-alive socket: one retry.
  afterEach(() => clearFaults(sandbox).catch(() => clearFaults(sandbox)));

  /** Every page of a search. */
  async function all(type: ClinicalResourceType, params: Record<string, string[]>, a = adapter): Promise<Resource[]> {
    const out: Resource[] = [];
    let page = await a.search(type, params);
    for (;;) {
      out.push(...page.resources);
      if (!page.nextCursor) return keepAll(out);
      page = await a.search(type, {}, page.nextCursor);
    }
  }

  describe('reads and searches', () => {
    it('finds a patient by family name and birth date, and reads it back', async () => {
      const p = patients[3]!;
      const found = await all('Patient', { family: [p.family], birthdate: [p.birthDate] });
      expect(found.map((r) => r.id)).toContain(p.id);
      expect(await adapter.read('Patient', p.id)).toMatchObject({ resourceType: 'Patient', id: p.id, birthDate: p.birthDate });
      expect((await adapter.search('Patient', { _id: [p.id] })).resources.map((r) => r.id)).toEqual([p.id]);
    });

    it('serves every chart type of a patient, each readable by its id', async () => {
      const patient = patients[1]!.id;
      const byType: Partial<Record<ClinicalResourceType, Resource[]>> = {};
      for (const type of ['Encounter', 'Condition', 'AllergyIntolerance', 'MedicationRequest', 'DiagnosticReport', 'DocumentReference'] as const) {
        byType[type] = await all(type, { patient: [patient] });
      }
      byType.Observation = await all('Observation', { patient: [patient], category: ['vital-signs'] });
      const labs = await all('Observation', { patient: [patient], category: ['laboratory'] });
      expect(byType.Observation.length).toBeGreaterThan(0);
      expect(labs.length).toBeGreaterThan(0);
      for (const [type, resources] of Object.entries(byType) as [ClinicalResourceType, Resource[]][]) {
        const first = resources[0];
        if (first) expect(keep(await adapter.read(type, first.id!))).toEqual(first);
      }
      expect(keep(await adapter.read('Observation', labs[0]!.id!))).toEqual(labs[0]);
      // The chart types a telemedicine product reads first are all there for a dataset patient.
      for (const type of ['Encounter', 'Condition', 'MedicationRequest', 'DiagnosticReport', 'DocumentReference'] as const) expect(byType[type]!.length).toBeGreaterThan(0);
    });

    it('serves the directory: practitioners, locations (departments) and the practice', async () => {
      const practitioners = await all('Practitioner', {});
      const locations = await all('Location', {});
      expect(practitioners.length).toBeGreaterThan(0);
      expect(locations.length).toBeGreaterThanOrEqual(2);
      expect(await adapter.read('Practitioner', practitioners[0]!.id!)).toEqual(practitioners[0]);
      expect(await adapter.read('Location', locations[0]!.id!)).toEqual(locations[0]);
      const org = keep(await adapter.read('Organization', `a-1.Practice-${reg.practiceId}`));
      expect(org).toMatchObject({ resourceType: 'Organization' });
    });

    it('lists open slots from a date, in department-local time, and a patient’s appointments', async () => {
      const from = anchor;
      const slots = (await adapter.search('Slot', { start: [`ge${from}`], _count: ['20'] })).resources as Slot[];
      keepAll(slots);
      expect(slots.length).toBeGreaterThan(0);
      for (const s of slots) expect(s.start >= from).toBe(true);
      expect(await adapter.read('Slot', slots[0]!.id!)).toEqual(slots[0]);
      const schedule = slots[0]!.schedule.reference!;
      const ofSchedule = await all('Slot', { schedule: [schedule], start: [`ge${from}`] });
      expect(ofSchedule.length).toBeGreaterThan(0);
      expect(ofSchedule.every((s) => (s as Slot).schedule.reference === schedule)).toBe(true);
      // Some dataset patient has booked appointments; every one of them is theirs.
      let found: Resource[] = [];
      for (const p of patients.slice(0, 10)) {
        found = await all('Appointment', { patient: [p.id] });
        if (found.length > 0) {
          expect(found.every((a) => (a as Appointment).participant.some((x) => x.actor?.reference === `Patient/${p.id}`))).toBe(true);
          break;
        }
      }
      expect(found.length).toBeGreaterThan(0);
      expect(await adapter.read('Appointment', found[0]!.id!)).toEqual(found[0]);
    });

    it('pages with opaque gateway cursors that never show athena’s next', async () => {
      const first = await adapter.search('Practitioner', { _count: ['2'] });
      expect(first.resources).toHaveLength(2);
      expect(first.nextCursor).toBeTruthy();
      // An opaque token: no path, query or host of athena's in it.
      expect(first.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
      const second = await adapter.search('Practitioner', {}, first.nextCursor!);
      expect(second.resources.map((r) => r.id)).not.toContain(first.resources[0]!.id);
      await expect(adapter.search('Location', {}, first.nextCursor!)).rejects.toMatchObject({ code: 'validation_failed' });
    });

    it('names what athena cannot answer instead of answering something else', async () => {
      const patient = patients[0]!.id;
      const refused = async (type: ClinicalResourceType, params: Record<string, string[]>, path: string) =>
        expect(adapter.search(type, params)).rejects.toMatchObject({ code: 'validation_failed', issues: [expect.objectContaining({ path })] });
      await refused('Patient', { name: ['smith'] }, 'name');
      await refused('Patient', { identifier: ['urn:oid:1.2.3|123'] }, 'identifier');
      await refused('Observation', { patient: [patient], category: ['social-history'] }, 'category');
      await refused('Condition', { patient: [patient], category: ['encounter-diagnosis'] }, 'category');
      await refused('Slot', { status: ['busy'] }, 'status');
      await refused('Appointment', { status: ['booked'] }, 'date');
      await refused('Encounter', { patient: [`${patient},${patients[1]!.id}`] }, 'patient');
      await refused('Observation', { patient: [patient], date: ['sa2020-01-01'] }, 'date');
      await expect(adapter.read('Immunization', 'x')).rejects.toMatchObject({ code: 'not_supported' });
      await expect(adapter.read('Condition', 'a-195900.problem-1')).rejects.toMatchObject({ code: 'not_found' });
    });
  });

  describe('writes', () => {
    it('books an open slot, refuses to book it twice (409), and cancels it', async () => {
      const from = anchor;
      const slot = (await adapter.search('Slot', { start: [`ge${from}`], _count: ['5'] })).resources[2] as Slot;
      const patient = patients[5]!.id;
      const appointment: Appointment = { resourceType: 'Appointment', status: 'booked', slot: [{ reference: `Slot/${slot.id}` }], participant: [{ actor: { reference: `Patient/${patient}` }, status: 'accepted' }] };
      const created = await adapter.create('Appointment', appointment);
      expect(created.resource).toMatchObject({ resourceType: 'Appointment', status: 'booked', start: slot.start });
      keep(created.resource!);
      await expect(adapter.create('Appointment', { ...appointment, participant: [{ actor: { reference: `Patient/${patients[6]!.id}` }, status: 'accepted' }] })).rejects.toMatchObject({
        code: 'conflict',
        details: { reason: 'slot_unavailable' },
      });
      const cancelled = await adapter.update!('Appointment', created.id, { ...(created.resource as Appointment), status: 'cancelled', cancelationReason: { text: 'Patient asked to cancel' } });
      expect(cancelled).toMatchObject({ id: created.id, status: 'cancelled' });
      expect(await adapter.read('Appointment', created.id)).toMatchObject({ status: 'cancelled' });
      await expect(adapter.update!('Appointment', created.id, { ...(created.resource as Appointment), status: 'arrived' })).rejects.toMatchObject({ code: 'validation_failed' });
    });

    it('books once when athena answers too slowly: the timed-out booking is found on the slot, not sent again', async () => {
      const from = anchor;
      const slot = (await adapter.search('Slot', { start: [`ge${from}`], _count: ['10'] })).resources[7] as Slot;
      // The booking's answer (only the PUT) drips slower than the client's timeout.
      const { adapter: slow, http: slowHttp } = adapterWithFaultOnWrite(setup, { vendor: 'athena', kind: 'slow-drip', count: 1, delayMs: CONTRACT_TIMEOUT_MS * 3 });
      const created = await slow.create('Appointment', {
        resourceType: 'Appointment',
        status: 'booked',
        slot: [{ reference: `Slot/${slot.id}` }],
        participant: [{ actor: { reference: `Patient/${patients[7]!.id}` }, status: 'accepted' }],
      });
      expect(created.resource).toMatchObject({ status: 'booked', participant: expect.arrayContaining([expect.objectContaining({ actor: { reference: `Patient/${patients[7]!.id}` } })]) as unknown });
      expect(slowHttp.writes).toBe(1);
      slowHttp.close();
    }, 20_000);

    it('files a text note in the patient’s chart and reads it back with its content', async () => {
      const text = 'Telehealth follow-up: symptoms resolved; no change to plan.';
      const note: DocumentReference = {
        resourceType: 'DocumentReference',
        status: 'current',
        type: { coding: [{ system: 'http://loinc.org', code: '11506-3', display: 'Progress note' }] },
        category: [{ coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', code: 'clinical-note' }] }],
        subject: { reference: `Patient/${patients[4]!.id}` },
        content: [{ attachment: { contentType: 'text/plain', data: Buffer.from(text).toString('base64') } }],
      };
      const created = await adapter.create('DocumentReference', note);
      const read = keep(await adapter.read('DocumentReference', created.id)) as DocumentReference;
      expect(Buffer.from(read.content[0]!.attachment.data!, 'base64').toString()).toBe(text);
      const listed = await all('DocumentReference', { patient: [patients[4]!.id] });
      expect(listed.map((d) => d.id)).toContain(created.id);
    });
  });

  describe('faults', () => {
    const read = () => adapter.read('Patient', patients[0]!.id);

    it('retries a read through a 429 without Retry-After; a longer burst is RateLimited', async () => {
      await injectFault(sandbox.url, { vendor: 'athena', kind: 'rate-limit', count: 1 });
      await expect(read()).resolves.toMatchObject({ id: patients[0]!.id });
      await injectFault(sandbox.url, { vendor: 'athena', kind: 'rate-limit', count: 3, retryAfterSeconds: 30 });
      await expect(read()).rejects.toMatchObject({ code: 'rate_limited', status: 429, details: { vendorStatus: 429, retryAfterSeconds: 30 } });
    });

    it('waits out one 403 throttle; two in a row are RateLimited', async () => {
      await injectFault(sandbox.url, { vendor: 'athena', kind: 'throttle-403', count: 1, retryAfterSeconds: 0 });
      await expect(read()).resolves.toMatchObject({ id: patients[0]!.id });
      await injectFault(sandbox.url, { vendor: 'athena', kind: 'throttle-403', count: 2, retryAfterSeconds: 2 });
      await expect(read()).rejects.toMatchObject({ code: 'rate_limited', details: { reason: 'vendor_throttled', retryAfterSeconds: 2 } });
    }, 15_000);

    it('types a 200 whose body is a failure', async () => {
      await injectFault(sandbox.url, { vendor: 'athena', kind: 'soft-failure', count: 1 });
      const note: DocumentReference = {
        resourceType: 'DocumentReference',
        status: 'current',
        subject: { reference: `Patient/${patients[2]!.id}` },
        content: [{ attachment: { contentType: 'text/plain', data: Buffer.from('x').toString('base64') } }],
      } as DocumentReference;
      await expect(adapter.create('DocumentReference', note)).rejects.toMatchObject({ code: 'validation_failed', details: { reason: 'vendor_rejected', vendorStatus: 200 } });
    });

    it('types a server error on a write without retrying it', async () => {
      const from = anchor;
      const slot = (await adapter.search('Slot', { start: [`ge${from}`], _count: ['12'] })).resources[11] as Slot;
      const { adapter: failing, http: failingHttp } = adapterWithFaultOnWrite(setup, { vendor: 'athena', kind: 'server-error', count: 1, status: 500 });
      await expect(
        failing.create('Appointment', { resourceType: 'Appointment', status: 'booked', slot: [{ reference: `Slot/${slot.id}` }], participant: [{ actor: { reference: `Patient/${patients[8]!.id}` }, status: 'accepted' }] }),
      ).rejects.toMatchObject({ code: 'vendor_error', details: { vendorStatus: 500 } });
      expect(failingHttp.writes).toBe(1);
      failingHttp.close();
      // athena did not book it: the slot is still open.
      expect(await adapter.read('Slot', slot.id!)).toMatchObject({ status: 'free' });
    });

    it('refuses practices the client may not use, and tells an unknown practice apart', async () => {
      const other = buildAdapter(setupFor(sandbox, reg, { athenaPracticeId: '195901' }));
      await expect(other.adapter.read('Patient', patients[0]!.id.replace('195900', '195901'))).rejects.toMatchObject({ code: 'forbidden', details: { reason: 'practice_not_granted' } });
      const unknown = buildAdapter(setupFor(sandbox, reg, { athenaPracticeId: '424242' }));
      await expect(unknown.adapter.read('Patient', 'a-424242.E-1')).rejects.toMatchObject({ code: 'vendor_error', details: { reason: 'practice_unknown' } });
      other.http.close();
      unknown.http.close();
    });

    it('answers subscription_pending from a change feed that is not set up, and polls once it is', async () => {
      const changes = athenaChangesClient(contextOf(setup));
      await expect(changes.pollPage('appointments', {})).rejects.toMatchObject({ code: 'conflict', details: { reason: 'subscription_pending' } });
      await changes.subscribe('appointments');
      await expect(changes.subscriptionStatus('appointments')).resolves.toBe('active');
      await injectFault(sandbox.url, { vendor: 'athena', kind: 'subscription-not-ready', count: 1 });
      await expect(changes.pollPage('appointments', {})).rejects.toMatchObject({ details: { reason: 'subscription_pending' } });
      await expect(changes.pollPage('appointments', { leaveUnprocessed: true })).resolves.toMatchObject({ items: expect.any(Array) as unknown });
    });
  });

  describe('token quota and request budget', () => {
    it('makes one token request for 100 concurrent calls: the simulator allows only one this minute', async () => {
      await settings(sandbox, { tokensPerMinute: 1 });
      try {
        // All 100 ask for the token at once; the practice budget then paces the requests (so a loaded machine does not time them out).
        const fresh = setupFor(sandbox, await register(sandbox), { dialect: { requestsPerSecond: 50, tokensPerMinute: 1000 } });
        const built = buildAdapter(fresh);
        const results = await Promise.all(Array.from({ length: 100 }, (_, i) => built.adapter.read('Patient', patients[i % patients.length]!.id)));
        expect(results).toHaveLength(100);
        expect(fresh.uses.n).toBe(1);
        built.http.close();
      } finally {
        await settings(sandbox, { tokensPerMinute: 1000 });
      }
    });

    it("refuses a token locally before drawing athena's token 429", async () => {
      await settings(sandbox, { tokensPerMinute: 2 });
      try {
        const fresh = await register(sandbox);
        const budget = new RedisRequestBudget(redis, redisPrefix);
        // Three processes' worth of token caches for one client id, sharing the Redis count.
        const call = () => buildAdapter({ ...setupFor(sandbox, fresh, { dialect: { requestsPerSecond: 1000, tokensPerMinute: 2 } }), budget }).adapter.read('Patient', patients[0]!.id);
        await call();
        await call();
        await expect(call()).rejects.toMatchObject({ code: 'rate_limited', details: { reason: 'token_budget' } });
        // The simulator would still have said 429 on its own for a third: ours never reached it.
        const res = await fetch(fresh.tokenUrl, {
          method: 'POST',
          headers: { authorization: `Basic ${Buffer.from(`${fresh.clientId}:${fresh.clientSecret}`).toString('base64')}` },
          body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'athena/service/Athenanet.MDP.*' }),
        });
        expect(res.status).toBe(429);
      } finally {
        await settings(sandbox, { tokensPerMinute: 1000 });
      }
    });

    it('queues a burst at the practice rate across processes: calls spread out, none refused by athena', async () => {
      const dialect = { requestsPerSecond: 10, tokensPerMinute: 1000 };
      // Two adapters with their own clients and token caches stand for two processes sharing the Redis budget.
      const one = buildAdapter({ ...setupFor(sandbox, reg, { dialect }), budget: new RedisRequestBudget(redis, redisPrefix) });
      const two = buildAdapter({ ...setupFor(sandbox, reg, { dialect }), budget: new RedisRequestBudget(redis2, redisPrefix) });
      // Warm the token caches (token requests are not practice requests).
      await one.adapter.read('Practitioner', (await all('Practitioner', { _count: ['1'] }))[0]!.id!);
      await two.adapter.read('Practitioner', (await all('Practitioner', { _count: ['1'] }))[0]!.id!);
      const start = Date.now();
      const done: number[] = [];
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => ((i % 2 ? one : two).adapter.read('Patient', patients[i]!.id) as Promise<Resource>).then((r) => (done.push(Date.now() - start), r))),
      );
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      done.sort((a, b) => a - b);
      // 20 requests at 10/s: the last one goes about 1.9 s after the first.
      expect(done[19]! - done[0]!).toBeGreaterThanOrEqual(1_700);
      one.http.close();
      two.http.close();
    }, 20_000);
  });

  it('returned only resources that validate against R4 and their US Core 6.1.0 profile', () => {
    expect(seen.length).toBeGreaterThan(20);
    const invalid = seen.map((r) => ({ type: r.resourceType, id: r.id, issues: validateFhirResource(r) })).filter((r) => r.issues.length > 0);
    expect(invalid).toEqual([]);
    if (!usCoreAvailable()) throw new Error('US Core 6.1.0 package missing: the US Core check cannot run');
    const failing = seen
      .map((r) => ({ type: r.resourceType, id: r.id, ...validateUsCore(r) }))
      .filter((r) => r.errors.length > 0)
      .map((r) => ({ type: r.type, profile: r.profile, errors: r.errors.slice(0, 3) }));
    expect(failing).toEqual([]);
  });
});

/** The context the gateway would give a call on this connection (for the change-feed client). */
function contextOf(setup: ContractSetup): AdapterContext {
  const unused = (): Promise<never> => Promise.reject(new Error('not used'));
  const base = setup.connection.athenaBaseUrl ?? '';
  return {
    connection: setup.connection,
    http: new VendorHttpClient({ baseUrl: base, extraOrigins: [setup.connection.tokenUrl ?? base], policy: { allowPrivate: false, allowLoopback: true }, allowHttp: true, timeoutMs: CONTRACT_TIMEOUT_MS }),
    tokens: new TokenCache(),
    credentials: setup.credentials,
    cursors: new CursorCodec(randomBytes(32)),
    budget: setup.budget ?? new InMemoryRequestBudget(),
    store: { find: unused, search: unused, save: unused },
    hl7Outbox: { enqueue: unused },
  };
}

/** A client that injects `fault` into the simulator just before the first write it sends, and counts writes. */
class FaultOnWriteClient extends VendorHttpClient {
  writes = 0;
  constructor(
    private readonly sandboxUrl: string,
    private readonly fault: Record<string, unknown>,
    settings: ConstructorParameters<typeof VendorHttpClient>[0],
  ) {
    super(settings);
  }

  override async request(req: VendorRequest): Promise<VendorResponse> {
    if (req.method !== 'GET' && !req.url.endsWith('/token')) {
      if (this.writes === 0) await injectFault(this.sandboxUrl, this.fault);
      this.writes += 1;
    }
    return super.request(req);
  }
}

function adapterWithFaultOnWrite(setup: ContractSetup, fault: Record<string, unknown>): { adapter: EhrAdapter; http: FaultOnWriteClient } {
  const http = new FaultOnWriteClient(setup.sandboxUrl, fault, {
    baseUrl: setup.connection.athenaBaseUrl ?? '',
    extraOrigins: [setup.connection.tokenUrl ?? ''],
    policy: { allowPrivate: false, allowLoopback: true },
    allowHttp: true,
    timeoutMs: CONTRACT_TIMEOUT_MS,
  });
  const unused = (): Promise<never> => Promise.reject(new Error('not used'));
  const adapter = ADAPTER_FACTORIES.athena({
    connection: setup.connection,
    http,
    tokens: new TokenCache(),
    credentials: setup.credentials,
    cursors: new CursorCodec(randomBytes(32)),
    budget: setup.budget ?? new InMemoryRequestBudget(),
    store: { find: unused, search: unused, save: unused },
    hl7Outbox: { enqueue: unused },
  });
  return { adapter, http };
}
