import type { INestApplication } from '@nestjs/common';
import { ApiKeyService } from '@sb/tenancy';
import { VaultService } from '@sb/vault';
import { createTestingApp, deleteRedisKeys, Fixtures, testRedisPrefix } from '@sb/testing';
import request from 'supertest';
import { OPEN_SCHEDULE_DAYS } from '../../../sandbox/src/athena/athena-schedule-seed';
import { DEFAULT_ANCHOR } from '../../../sandbox/src/dataset/generate-dataset';
import { startTestSandbox, type TestSandbox } from '../../../sandbox/src/testing/sandbox-harness';
import { AppModule } from '../app.module';

// athena connections over REST against the sandbox's athenaOne-like server: the
// one-click sandbox connection, the connection test's steps and hints, a connection
// set up by hand (client registered at the simulator, secret put in the vault), and
// tenant isolation.

const redisPrefix = testRedisPrefix('athena-connections');
let sandbox: TestSandbox;
let app: INestApplication;
let keyA: string;
let keyB: string;
let tenantA: Awaited<ReturnType<Fixtures['newTenant']>>;
const bodies: string[] = [];

interface Step {
  name: string;
  status: string;
  code?: string;
  hint?: string;
  detail: string;
}

async function call(token: string, method: 'get' | 'post' | 'patch' | 'put', path: string, body?: object) {
  const res = await request(app.getHttpServer())[method](path).set('authorization', `Bearer ${token}`).send(body);
  bodies.push(res.text);
  return res;
}

const summary = (steps: Step[]) => steps.map((s) => [s.name, s.status, s.code]);

async function sandboxJson(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${sandbox.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  expect(res.status).toBeLessThan(300);
  return (await res.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  // Every test run asks for a token; the preview quota (5 a minute per client) is athena's, not this test's subject.
  await sandboxJson('PUT', '/_sandbox/athena/settings', { tokensPerMinute: 1000, subscriptionDelayMs: 60_000 });
  const moduleRef = await createTestingApp([AppModule], { SB_REDIS_PREFIX: redisPrefix, SB_SANDBOX_URL: sandbox.url });
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  const fixtures = new Fixtures(moduleRef);
  const apiKeys = app.get(ApiKeyService);
  const [a, b] = [await fixtures.newTenant(), await fixtures.newTenant()];
  tenantA = a;
  keyA = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'athena a' })).key;
  keyB = (await apiKeys.create(b.actor(), b.tenant.id, { name: 'athena b' })).key;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await sandbox?.dispose();
  await deleteRedisKeys(redisPrefix);
});

describe('athena connections', () => {
  let oneClickId: string;

  it('wires a sandbox connection to the simulator in one click and takes it live; the change feed not yet subscribed is a warning', async () => {
    const res = await call(keyA, 'post', '/v1/connections', { name: 'athena sandbox', vendor: 'athena', environment: 'sandbox' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      vendor: 'athena',
      status: 'live',
      athenaPracticeId: '195900',
      athenaBaseUrl: `${sandbox.url}/athena`,
      tokenUrl: `${sandbox.url}/athena/oauth2/v1/token`,
      clientId: expect.any(String),
      clientSecretName: 'client_secret',
      fhirBaseUrl: null,
      athenaEndpoints: { baseUrl: `${sandbox.url}/athena`, tokenUrl: `${sandbox.url}/athena/oauth2/v1/token` },
      health: { tokenExpiresAt: expect.any(String), lastErrorCode: null },
      provisioning: { ok: true, vendor: 'athena' },
    });
    const steps = res.body.provisioning.steps as Step[];
    expect(summary(steps)).toEqual([
      ['token', 'passed', undefined],
      ['practice-access', 'passed', undefined],
      ['departments', 'passed', undefined],
      ['change-feed', 'warning', 'change_feed_not_subscribed'],
    ]);
    expect(steps[2]?.detail).toMatch(/^\d+ departments; all are served/);
    expect(steps[3]?.hint).toMatch(/subscribes/);
    const expiresInMs = Date.parse(res.body.health.tokenExpiresAt) - Date.now();
    expect(expiresInMs).toBeGreaterThan(50 * 60_000);
    oneClickId = res.body.id;

    const secrets = await call(keyA, 'get', `/v1/connections/${oneClickId}/secrets`);
    expect(secrets.body.items).toEqual([expect.objectContaining({ name: 'client_secret', version: 1 })]);
  });

  it('reports a subscription made but not yet active as pending, and an active feed as passed', async () => {
    const connection = (await call(keyA, 'get', `/v1/connections/${oneClickId}`)).body;
    // Subscribe as the change poller does, with the connection's own client.
    const token = await tokenFor(connection.clientId as string, await secretOf(oneClickId));
    const subscribe = await fetch(`${sandbox.url}/athena/v1/195900/appointments/changed/subscription`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(subscribe.status).toBe(200);
    const pending = (await call(keyA, 'post', `/v1/connections/${oneClickId}/test`)).body;
    expect(pending.ok).toBe(true);
    expect((pending.steps as Step[]).at(-1)).toMatchObject({ name: 'change-feed', status: 'warning', code: 'change_feed_pending', hint: expect.stringMatching(/not activated it yet/) });

    await sandboxJson('PUT', '/_sandbox/athena/settings', { subscriptionDelayMs: 0 });
    const active = (await call(keyA, 'post', `/v1/connections/${oneClickId}/test`)).body;
    expect(summary(active.steps as Step[]).at(-1)).toEqual(['change-feed', 'passed', undefined]);
    await sandboxJson('PUT', '/_sandbox/athena/settings', { subscriptionDelayMs: 60_000 });
  });

  it.each([
    ['195901', 'practice_not_permitted', /Incorrect permissions/],
    ['4242', 'practice_not_found', /Invalid practice/],
  ])('keeps a sandbox connection to practice %s out of live, with the practice-access step telling why', async (practiceId, code, hint) => {
    const res = await call(keyA, 'post', '/v1/connections', { name: `athena ${practiceId}`, vendor: 'athena', environment: 'sandbox', athenaPracticeId: practiceId });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'testing', athenaPracticeId: practiceId, health: { lastErrorCode: code }, provisioning: { ok: false } });
    expect(summary(res.body.provisioning.steps as Step[])).toEqual([
      ['token', 'passed', undefined],
      ['practice-access', 'failed', code],
      ['departments', 'skipped', undefined],
      ['change-feed', 'skipped', undefined],
    ]);
    expect((res.body.provisioning.steps as Step[])[1]?.hint).toMatch(hint);
  });

  it('tests a connection set up by hand: practice and client id, the secret in the vault, departments checked against the practice', async () => {
    const registration = await sandboxJson('POST', '/_sandbox/clients', { vendor: 'athena' });
    const created = await call(keyA, 'post', '/v1/connections', {
      name: 'Valley Clinic',
      vendor: 'athena',
      environment: 'production',
      athenaPracticeId: '195900',
      clientId: registration.clientId,
      athenaBaseUrl: `${sandbox.url}/athena/`,
      departmentIds: ['1', '999'],
      changePollSeconds: 30,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'draft',
      athenaBaseUrl: `${sandbox.url}/athena`,
      tokenUrl: null,
      departmentIds: ['1', '999'],
      changePollSeconds: 30,
      changeReplayMinutes: null,
      athenaEndpoints: { tokenUrl: `${sandbox.url}/athena/oauth2/v1/token` },
    });
    expect(created.body).not.toHaveProperty('provisioning');
    const id = created.body.id as string;

    let report = (await call(keyA, 'post', `/v1/connections/${id}/test`)).body;
    expect(summary(report.steps as Step[])[0]).toEqual(['token', 'failed', 'missing_client_secret']);

    expect((await call(keyA, 'put', `/v1/connections/${id}/secrets/client_secret`, { value: registration.clientSecret })).status).toBe(200);
    report = (await call(keyA, 'post', `/v1/connections/${id}/test`)).body;
    expect(report.ok).toBe(false);
    expect((report.steps as Step[])[2]).toMatchObject({ name: 'departments', status: 'failed', code: 'unknown_department', detail: expect.stringContaining('999') });

    const patched = await call(keyA, 'patch', `/v1/connections/${id}`, { departmentIds: ['1'] });
    expect(patched.body.departmentIds).toEqual(['1']);
    report = (await call(keyA, 'post', `/v1/connections/${id}/test`)).body;
    expect(summary(report.steps as Step[])).toEqual([
      ['token', 'passed', undefined],
      ['practice-access', 'passed', undefined],
      ['departments', 'passed', undefined],
      ['change-feed', 'warning', 'change_feed_not_subscribed'],
    ]);
    expect(report.ok).toBe(true);

    const wrongSecret = await call(keyA, 'put', `/v1/connections/${id}/secrets/client_secret`, { value: 'not-the-secret' });
    expect(wrongSecret.status).toBe(200);
    report = (await call(keyA, 'post', `/v1/connections/${id}/test`)).body;
    expect((report.steps as Step[])[0]).toMatchObject({ name: 'token', status: 'failed', hint: expect.stringMatching(/client ID and secret/) });
    expect(bodies.some((b) => b.includes(String(registration.clientSecret)))).toBe(false);
  });

  it('refuses FHIR settings and a missing practice or client id, naming the field', async () => {
    const res = await call(keyA, 'post', '/v1/connections', {
      name: 'x',
      vendor: 'athena',
      environment: 'production',
      athenaPracticeId: '195900',
      clientId: 'c',
      fhirBaseUrl: 'https://fhir.example.org',
    });
    expect(res.body).toMatchObject({ code: 'validation_failed', issues: [expect.objectContaining({ message: expect.stringContaining('fhirBaseUrl') })] });
    const missing = await call(keyA, 'post', '/v1/connections', { name: 'x', vendor: 'athena', environment: 'production' });
    expect(missing.body.issues).toEqual([expect.objectContaining({ path: 'athenaPracticeId' }), expect.objectContaining({ path: 'clientId' })]);
  });

  it("answers 404 to tenant B for tenant A's athena connection, and leaves it as it was", async () => {
    const before = (await call(keyA, 'get', `/v1/connections/${oneClickId}`)).body;
    for (const [method, path, body] of [
      ['get', `/v1/connections/${oneClickId}`, undefined],
      ['post', `/v1/connections/${oneClickId}/test`, undefined],
      ['patch', `/v1/connections/${oneClickId}`, { departmentIds: ['1'] }],
    ] as const) {
      const res = await call(keyB, method, path, body);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
    const after = (await call(keyA, 'get', `/v1/connections/${oneClickId}`)).body;
    expect({ ...after, updatedAt: before.updatedAt }).toEqual(before);
  });
});

describe('athena over GraphQL: the clinical schema, open slots and booking', () => {
  let cid: string;
  let patientId: string;
  // The simulator's open schedule covers the OPEN_SCHEDULE_DAYS after the dataset's anchor day.
  const isoDay = (offsetDays: number): string => new Date(Date.parse(DEFAULT_ANCHOR) + offsetDays * 86_400_000).toISOString().slice(0, 10);
  const gql = async (query: string, variables: Record<string, unknown>) => {
    const res = await call(keyA, 'post', '/graphql', { query, variables });
    expect(res.status).toBe(200);
    return res.body as { data?: Record<string, any> | null; errors?: { message: string; extensions: { code: string } }[] };
  };

  beforeAll(async () => {
    const created = await call(keyA, 'post', '/v1/connections', {
      name: 'athena graphql',
      vendor: 'athena',
      environment: 'sandbox',
      // The preview budget (5 requests a second per practice) is athena's, not this test's subject.
      dialect: { requestsPerSecond: 1000 },
    });
    expect(created.body.status).toBe('live');
    cid = created.body.id as string;
    const patients = (await (await fetch(`${sandbox.url}/_sandbox/patients?vendor=athena`)).json()) as { id: string }[];
    patientId = patients[3]!.id;
  });

  it('reads an athena patient and its problems and allergies through the existing resolvers', async () => {
    const res = await gql(`query($c: ID!, $p: ID!) { patient(connectionId: $c, id: $p) { id name birthDate conditions { nodes { id display } } allergies { nodes { id } } } }`, {
      c: cid,
      p: patientId,
    });
    expect(res.errors).toBeUndefined();
    expect(res.data?.patient).toMatchObject({ id: patientId, name: expect.any(String), birthDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
  });

  it('lists open slots earliest first (one department when asked), books one once per idempotency key, and refuses it to a second booking', async () => {
    const all = await gql(`query($c: ID!, $from: String!, $to: String!) { openSlots(connectionId: $c, from: $from, to: $to, first: 100) { id status start end schedule } }`, {
      c: cid,
      from: isoDay(0),
      to: isoDay(OPEN_SCHEDULE_DAYS + 1),
    });
    expect(all.errors).toBeUndefined();
    const slots = all.data!.openSlots as { id: string; status: string; start: string; schedule: string }[];
    expect(slots.length).toBeGreaterThan(0);
    expect(slots.every((s) => s.status === 'free')).toBe(true);
    expect(slots.map((s) => s.start)).toEqual([...slots.map((s) => s.start)].sort());

    const department = /\.schedule-(\d+)/.exec(slots[0]!.schedule)![1]!;
    const one = await gql(`query($c: ID!, $from: String!, $to: String!, $d: ID) { openSlots(connectionId: $c, from: $from, to: $to, departmentId: $d) { id schedule } }`, {
      c: cid,
      from: isoDay(0),
      to: isoDay(OPEN_SCHEDULE_DAYS + 1),
      d: department,
    });
    expect(one.errors).toBeUndefined();
    expect((one.data!.openSlots as { schedule: string }[]).length).toBeGreaterThan(0);
    expect((one.data!.openSlots as { schedule: string }[]).every((s) => s.schedule.includes(`.schedule-${department}`))).toBe(true);

    const slot = slots.at(-1)!;
    const BOOK = `mutation($c: ID!, $s: ID!, $p: ID!, $k: String) { bookAppointment(connectionId: $c, slotId: $s, patientId: $p, idempotencyKey: $k) { id status start } }`;
    const booked = await gql(BOOK, { c: cid, s: slot.id, p: patientId, k: 'gql-book-1' });
    expect(booked.errors).toBeUndefined();
    expect(booked.data!.bookAppointment).toMatchObject({ status: 'booked', start: slot.start });
    const replay = await gql(BOOK, { c: cid, s: slot.id, p: patientId, k: 'gql-book-1' });
    expect(replay.data!.bookAppointment.id).toBe(booked.data!.bookAppointment.id);
    const again = await gql(BOOK, { c: cid, s: slot.id, p: patientId, k: 'gql-book-2' });
    expect(again.errors?.[0]?.extensions.code).toBe('conflict');

    const after = await gql(`query($c: ID!, $from: String!, $to: String!) { openSlots(connectionId: $c, from: $from, to: $to, first: 100) { id } }`, { c: cid, from: isoDay(0), to: isoDay(OPEN_SCHEDULE_DAYS + 1) });
    expect((after.data!.openSlots as { id: string }[]).map((s) => s.id)).not.toContain(slot.id);
  }, 60_000);
});

describe('athena scheduling over GraphQL: tenant isolation', () => {
  it("answers not_found to tenant B's openSlots and bookAppointment on tenant A's athena connection", async () => {
    const created = await call(keyA, 'post', '/v1/connections', { name: 'athena isolation', vendor: 'athena', environment: 'sandbox' });
    expect(created.body.status).toBe('live');
    const id = created.body.id as string;
    for (const query of [
      `query($c: ID!) { openSlots(connectionId: $c, from: "2026-01-01", to: "2026-01-15") { id } }`,
      `mutation($c: ID!) { bookAppointment(connectionId: $c, slotId: "a-195900.slot-1", patientId: "a-195900.E-1") { id } }`,
    ]) {
      const res = await call(keyB, 'post', '/graphql', { query, variables: { c: id } });
      expect(res.status).toBe(200);
      expect({ query, code: res.body.errors?.[0]?.extensions?.code, data: res.body.data }).toEqual({ query, code: 'not_found', data: null });
    }
  });
});

async function tokenFor(clientId: string, secret: string): Promise<string> {
  const res = await fetch(`${sandbox.url}/athena/oauth2/v1/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&scope=athena%2Fservice%2FAthenanet.MDP.*',
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** The connection's client secret, read back from the vault as the adapter does. */
async function secretOf(connectionId: string): Promise<string> {
  const secret = await app.get(VaultService).reveal({ tenantId: tenantA.tenant.id, connectionId, name: 'client_secret', actor: tenantA.actor(), purpose: 'test: subscribe as the change poller' });
  return secret.toString('utf8');
}
