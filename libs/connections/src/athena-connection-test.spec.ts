import { ErrorCode, SbError, type Actor } from '@sb/core';
import type { Connection } from '@sb/db';
import type { VaultService } from '@sb/vault';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AthenaConnectionTest } from './athena-connection-test';
import { connectionTestHint } from './connection-test-hints';
import type { StepOutcome, TestState, TestStep } from './connection-test-steps';
import { asFailure } from './connection-test-steps';
import type { OutboundPolicy } from './outbound-policy';

/** A small athenaOne look-alike: the answers each test needs, and the requests it saw. */
interface FakeAthena {
  token: (req: IncomingMessage, body: string) => [number, unknown];
  practice: (practiceId: string) => number;
  departments: unknown;
  subscription: unknown;
  changed: number;
}

let server: Server;
let baseUrl: string;
let fake: FakeAthena;
const seen: { method: string; url: string; authorization?: string; body: string }[] = [];

const OPEN: OutboundPolicy = { policy: { allowPrivate: true, allowLoopback: true }, allowHttp: true };
const ACTOR = { type: 'api_key', id: 'k', tenantId: 't', scopes: [] } as unknown as Actor;
const SECRET = 'athena-secret-value';

const defaults = (): FakeAthena => ({
  token: () => [200, { access_token: 'tok-1', expires_in: '3600' }],
  practice: () => 200,
  departments: { departments: [{ departmentid: '1', timezonename: 'US/Eastern' }, { departmentid: 150 }], totalcount: 2 },
  subscription: { status: 'ACTIVE', subscriptions: [{ eventname: 'ScheduleAppointment' }] },
  changed: 200,
});

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(`\n\n${JSON.stringify(body)}`);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body });
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/oauth2/v1/token') return reply(res, ...fake.token(req, body));
      const m = /^\/v1\/(\d+)(\/.*)$/.exec(url.pathname);
      if (!m) return reply(res, 404, { error: 'not found' });
      const status = fake.practice(m[1] ?? '');
      if (status === 404) return reply(res, 404, { error: 'Invalid practice.', detailedmessage: 'The practice ID does not exist.' });
      if (status === 401) return reply(res, 401, { error: 'Incorrect permissions.', detailedmessage: 'Bad auth.' });
      if (req.headers.authorization !== 'Bearer tok-1') return reply(res, 401, { error: 'Developer Inactive' });
      switch (m[2]) {
        case '/ping':
          return reply(res, 200, { pong: 'true' });
        case '/departments':
          return reply(res, 200, fake.departments);
        case '/appointments/changed/subscription':
          return reply(res, 200, fake.subscription);
        case '/appointments/changed':
          return fake.changed === 403 ? reply(res, 403, { error: 'Changed messages require setup (subscription) that has not been done.' }) : reply(res, 200, { appointments: [] });
        default:
          return reply(res, 404, { error: 'not found' });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

beforeEach(() => {
  fake = defaults();
  seen.length = 0;
});

const connectionOf = (overrides: Partial<Connection> = {}): Connection =>
  ({
    id: 'c1',
    tenantId: 't1',
    vendor: 'athena',
    environment: 'sandbox',
    athenaPracticeId: '195900',
    athenaBaseUrl: baseUrl,
    tokenUrl: null,
    clientId: 'app-1',
    clientSecretName: 'client_secret',
    athenaDepartmentIds: [],
    ...overrides,
  }) as Connection;

/** Runs the athena checks as ConnectionTestService does, collecting the steps. */
async function runTest(connection: Connection, vault: Partial<VaultService> = { reveal: () => Promise.resolve(Buffer.from(SECRET)) }) {
  const steps: TestStep[] = [];
  const state: TestState = { tokenUrl: connection.tokenUrl };
  const step = async (name: string, work: () => Promise<StepOutcome>) => {
    try {
      const outcome = await work();
      if (typeof outcome === 'string') steps.push({ name, status: 'passed', durationMs: 0, detail: outcome });
      else steps.push({ name, status: 'warning', durationMs: 0, detail: outcome.warning, code: outcome.code, hint: connectionTestHint(outcome.code, name) });
      return true;
    } catch (e) {
      const failure = asFailure(e);
      steps.push({ name, status: 'failed', durationMs: 0, detail: failure.detail, code: failure.code, hint: connectionTestHint(failure.code, name) });
      return false;
    }
  };
  const skip = (name: string, detail: string) => steps.push({ name, status: 'skipped', durationMs: 0, detail });
  await new AthenaConnectionTest(vault as VaultService).run(ACTOR, connection, OPEN, state, step, skip);
  return { steps, state, summary: steps.map((s) => [s.name, s.status, s.code]) };
}

describe('the athena connection test', () => {
  it('passes token, practice access, departments and change feed, and records the token expiry from a string expires_in', async () => {
    const before = Date.now();
    const { summary, steps, state } = await runTest(connectionOf({ athenaDepartmentIds: ['150'] }));
    expect(summary).toEqual([
      ['token', 'passed', undefined],
      ['practice-access', 'passed', undefined],
      ['departments', 'passed', undefined],
      ['change-feed', 'passed', undefined],
    ]);
    expect(steps[2]?.detail).toBe('2 departments; the 1 configured found');
    expect(state.tokenUrl).toBe(`${baseUrl}/oauth2/v1/token`);
    expect(state.tokenExpiresAt!.getTime()).toBeGreaterThanOrEqual(before + 3_600_000);
    const token = seen.find((r) => r.url === '/oauth2/v1/token')!;
    expect(token.authorization).toBe(`Basic ${Buffer.from(`app-1:${SECRET}`).toString('base64')}`);
    expect(new URLSearchParams(token.body).get('scope')).toBe('athena/service/Athenanet.MDP.*');
    // The feed is probed without consuming it.
    expect(seen.find((r) => r.url.startsWith('/v1/195900/appointments/changed?'))?.url).toContain('leaveunprocessed=true');
  });

  it('tells an unknown practice (404 Invalid practice) from one not granted (401 Incorrect permissions), and skips the rest', async () => {
    fake.practice = () => 404;
    const unknown = await runTest(connectionOf());
    expect(unknown.summary).toEqual([
      ['token', 'passed', undefined],
      ['practice-access', 'failed', 'practice_not_found'],
      ['departments', 'skipped', undefined],
      ['change-feed', 'skipped', undefined],
    ]);
    expect(unknown.steps[1]?.hint).toMatch(/Invalid practice/);

    fake.practice = () => 401;
    const refused = await runTest(connectionOf());
    expect(refused.steps[1]).toMatchObject({ status: 'failed', code: 'practice_not_permitted', hint: expect.stringMatching(/Incorrect permissions/) });
  });

  it('fails the departments step naming configured departments the practice does not have', async () => {
    const { steps } = await runTest(connectionOf({ athenaDepartmentIds: ['1', '999'] }));
    expect(steps[2]).toMatchObject({ name: 'departments', status: 'failed', code: 'unknown_department', detail: expect.stringContaining('999') });
    expect(steps[3]?.status).toBe('passed');
  });

  it('warns (does not fail) while the change feed is not subscribed, partly subscribed, or subscribed but not yet active', async () => {
    fake.subscription = { status: 'INACTIVE' };
    expect((await runTest(connectionOf())).steps[3]).toMatchObject({ status: 'warning', code: 'change_feed_not_subscribed', hint: expect.stringMatching(/subscribes/) });
    fake.subscription = { status: 'Partial' };
    expect((await runTest(connectionOf())).steps[3]).toMatchObject({ status: 'warning', code: 'change_feed_partial' });
    fake.subscription = { status: 'ACTIVE' };
    fake.changed = 403;
    expect((await runTest(connectionOf())).steps[3]).toMatchObject({ status: 'warning', code: 'change_feed_pending' });
  });

  it('reports token refusals with athena-specific hints, and a missing secret or setting before calling anything', async () => {
    fake.token = () => [401, { error: 'invalid_client' }];
    const refused = await runTest(connectionOf());
    expect(refused.summary[0]).toEqual(['token', 'failed', 'invalid_client']);
    expect(refused.steps[0]?.hint).toMatch(/Developer Portal/);
    expect(refused.summary.slice(1).map(([, status]) => status)).toEqual(['skipped', 'skipped', 'skipped']);

    fake.token = () => [429, 'Too many requests'];
    expect((await runTest(connectionOf())).steps[0]).toMatchObject({ code: 'http_429', hint: expect.stringMatching(/tokens a minute/) });

    const noSecret = await runTest(connectionOf(), { reveal: () => Promise.reject(new SbError(ErrorCode.NotFound, 'Secret not found')) });
    expect(noSecret.steps[0]).toMatchObject({ status: 'failed', code: 'missing_client_secret' });

    seen.length = 0;
    expect((await runTest(connectionOf({ clientId: null }))).summary).toEqual([['configuration', 'failed', 'missing_client_id']]);
    expect((await runTest(connectionOf({ environment: 'production', athenaPracticeId: null }))).summary).toEqual([['configuration', 'failed', 'missing_practice_id']]);
    expect(seen).toEqual([]);
  });

  it('never puts the secret or the token into a step', async () => {
    const { steps } = await runTest(connectionOf());
    expect(JSON.stringify(steps)).not.toMatch(new RegExp(`${SECRET}|tok-1`));
  });
});
