import type { INestApplication } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { ConnectionService } from '@sb/connections';
import { BillingPlanRepository, CallRecordRepository, Database, type Connection } from '@sb/db';
import { UsageRollupService } from '@sb/metering';
import { ApiKeyService } from '@sb/tenancy';
import { createTestingApp, deleteRedisKeys, Fixtures, testRedisPrefix, type TenantFixture } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AppModule } from '../app.module';

const redisPrefix = testRedisPrefix('usage-query');

let app: INestApplication;
let a: TenantFixture;
let b: TenantFixture;
let k: TenantFixture;
let lab: Connection;
let keyA: string;
let keyB: string;
let keyK: string;
let noUsageKey: string;
let operatorToken: string;

type Row = Record<string, unknown> & { start: string; end: string; count: number; units: number };

function get(path: string, token: string, query: Record<string, string> = {}) {
  return request(app.getHttpServer()).get(`${path}?${new URLSearchParams(query).toString()}`).set('authorization', `Bearer ${token}`);
}
const usage = (token: string, query: Record<string, string>) => get('/v1/usage', token, query);

/** Synthetic usage, written the way the pipeline writes it (and queued for the rollup). */
async function record(connection: Connection, at: string, operation: string, outcome: 'success' | 'error' = 'success', times = 1) {
  const calls = app.get(CallRecordRepository);
  for (let i = 0; i < times; i++) {
    const transactionId = randomUUID();
    const occurredAt = new Date(at);
    await calls.record(
      { tenantId: connection.tenantId, connectionId: connection.id, transactionId, vendor: connection.vendor, operation, resourceType: 'Patient', outcome, durationMs: 5, occurredAt, environment: connection.environment, actorType: 'system', actorId: 'usage-test', purpose: null },
      [],
    );
  }
}

beforeAll(async () => {
  const moduleRef = await createTestingApp([AppModule], { SB_REDIS_PREFIX: redisPrefix });
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  operatorToken = app.get<AppConfig>(APP_CONFIG).adminToken;
  const fixtures = new Fixtures(moduleRef);
  [a, b, k] = [await fixtures.newTenant(), await fixtures.newTenant(), await fixtures.newTenant()];
  lab = await app.get(ConnectionService).create(a.tenant.id, { name: 'Lab, "main" feed', vendor: 'hl7v2', environment: 'production', hl7SendingFacility: `LAB-${randomUUID().slice(0, 8)}`, mllpTls: false, hl7AckMode: 'original' });
  const apiKeys = app.get(ApiKeyService);
  keyA = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'finance', scopes: ['usage:read'] })).key;
  keyB = (await apiKeys.create(b.actor(), b.tenant.id, { name: 'finance', scopes: ['usage:read'] })).key;
  keyK = (await apiKeys.create(k.actor(), k.tenant.id, { name: 'finance', scopes: ['usage:read'] })).key;
  noUsageKey = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'connections', scopes: ['admin:connections'] })).key;

  // America/New_York, 2026-03-08: clocks jump 02:00 → 03:00, so the local day is 23 hours (05:00Z → 04:00Z next day).
  await record(a.echo, '2026-03-08T04:59:59.999Z', 'read'); // Mar 7, 23:59:59.999 EST
  await record(a.echo, '2026-03-08T05:00:00.000Z', 'read'); // Mar 8, 00:00 EST
  await record(lab, '2026-03-08T12:00:00.000Z', 'message.in');
  await record(a.echo, '2026-03-09T03:59:59.999Z', 'search', 'error'); // Mar 8, 23:59:59.999 EDT
  await record(a.echo, '2026-03-09T04:00:00.000Z', 'read', 'success', 2); // Mar 9, 00:00 EDT
  // 2026-11-01 01:30 happens twice in New York: EDT (05:30Z) then EST (06:30Z).
  await record(a.echo, '2026-11-01T05:30:00Z', 'read');
  await record(a.echo, '2026-11-01T06:30:00Z', 'read', 'success', 3);
  // Sunday 1 March and Monday 2 March 2026 (UTC): two ISO weeks. 03:00Z on 1 March is still February in New York.
  await record(a.echo, '2026-03-01T03:00:00Z', 'read');
  await record(a.echo, '2026-03-01T23:59:59.999Z', 'read');
  await record(a.echo, '2026-03-02T00:00:00Z', 'read');
  // Tenant B: the same instants, more transactions.
  await record(b.echo, '2026-03-08T05:00:00.000Z', 'read', 'success', 5);
  // Tenant K bills in Asia/Kathmandu (+05:45): local midnight is 18:15Z.
  await record(k.echo, '2026-03-01T18:14:59.999Z', 'read');
  await record(k.echo, '2026-03-01T18:15:00.000Z', 'read', 'success', 2);
  await app.get(Database).transaction((tx) =>
    app.get(BillingPlanRepository).insertTerms(tx, {
      tenantId: k.tenant.id, planId: randomUUID(), planVersion: 1, timezone: 'Asia/Kathmandu', anchorDay: 1, currency: 'USD', graceMinutes: 60,
      effectiveFrom: new Date('2026-01-01T00:00:00Z'), createdBy: 'test',
    }),
  );
  await app.get(UsageRollupService).drainAll();
}, 60_000);

afterAll(async () => {
  await app?.close();
  await deleteRedisKeys(redisPrefix);
});

const NY_DST = { from: '2026-03-07T05:00:00Z', to: '2026-03-10T04:00:00Z', timezone: 'America/New_York' };

describe('GET /v1/usage: windows in a timezone', () => {
  it('gives a 23-hour day on the New York spring-forward day, with windows at local midnight', async () => {
    const res = await usage(keyA, { ...NY_DST, window: 'day' });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([
      { start: '2026-03-07T05:00:00.000Z', end: '2026-03-08T05:00:00.000Z', count: 1, units: 1 },
      { start: '2026-03-08T05:00:00.000Z', end: '2026-03-09T04:00:00.000Z', count: 3, units: 3 },
      { start: '2026-03-09T04:00:00.000Z', end: '2026-03-10T04:00:00.000Z', count: 2, units: 2 },
    ]);
    expect(res.body).toMatchObject({ next: null, timezone: 'America/New_York', window: 'day', from: '2026-03-07T05:00:00.000Z', to: '2026-03-10T04:00:00.000Z' });
    expect(Date.parse(res.body.dataRefreshedAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('groups by several dimensions, naming connections; class is null for unclassified traffic and billable says whether it bills', async () => {
    const res = await usage(keyA, { from: '2026-03-08T05:00:00Z', to: '2026-03-09T04:00:00Z', timezone: 'America/New_York', window: 'day', groupBy: 'outcome,connection,operation,class,billable' });
    expect(res.status).toBe(200);
    const day = { start: '2026-03-08T05:00:00.000Z', end: '2026-03-09T04:00:00.000Z' };
    const echo = { connectionId: a.echo.id, connectionName: a.echo.name };
    const labConn = { connectionId: lab.id, connectionName: 'Lab, "main" feed' };
    // Sorted by window, then the dimensions in their fixed order (connection, operation, class, outcome, billable).
    const expected = [
      { ...day, ...echo, operation: 'read', class: 'fhir.read', outcome: 'success', billable: false, count: 1, units: 1 },
      { ...day, ...echo, operation: 'search', class: 'fhir.search', outcome: 'error', billable: false, count: 1, units: 1 },
      { ...day, ...labConn, operation: 'message.in', class: 'hl7.in', outcome: 'success', billable: true, count: 1, units: 1 },
    ].sort((x, y) => (x.connectionId < y.connectionId ? -1 : x.connectionId > y.connectionId ? 1 : x.operation < y.operation ? -1 : 1));
    expect(res.body.data).toEqual(expected);
  });

  it('keeps the repeated fall-back hour as two hour windows', async () => {
    const res = await usage(keyA, { from: '2026-11-01T04:00:00Z', to: '2026-11-01T08:00:00Z', timezone: 'America/New_York', window: 'hour' });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([
      { start: '2026-11-01T05:00:00.000Z', end: '2026-11-01T06:00:00.000Z', count: 1, units: 1 },
      { start: '2026-11-01T06:00:00.000Z', end: '2026-11-01T07:00:00.000Z', count: 3, units: 3 },
    ]);
  });

  it('cuts ISO weeks on Monday and months at local midnight, clipping windows to the range', async () => {
    const weeks = await usage(keyA, { from: '2026-02-23T00:00:00Z', to: '2026-03-09T00:00:00Z', timezone: 'UTC', window: 'week' });
    expect(weeks.body.data).toEqual([
      { start: '2026-02-23T00:00:00.000Z', end: '2026-03-02T00:00:00.000Z', count: 2, units: 2 },
      { start: '2026-03-02T00:00:00.000Z', end: '2026-03-09T00:00:00.000Z', count: 4, units: 4 },
    ]);
    // In New York, March starts at 05:00Z on 1 March.
    const months = await usage(keyA, { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z', timezone: 'America/New_York', window: 'month' });
    expect(months.body.data).toEqual([
      { start: '2026-03-01T00:00:00.000Z', end: '2026-03-01T05:00:00.000Z', count: 1, units: 1 },
      { start: '2026-03-01T05:00:00.000Z', end: '2026-04-01T00:00:00.000Z', count: 8, units: 8 },
    ]);
  });

  it('uses 15-minute windows as the rollup keeps them', async () => {
    const res = await usage(keyA, { from: '2026-03-08T04:45:00Z', to: '2026-03-08T05:30:00Z', window: '15m' });
    expect(res.body.data).toEqual([
      { start: '2026-03-08T04:45:00.000Z', end: '2026-03-08T05:00:00.000Z', count: 1, units: 1 },
      { start: '2026-03-08T05:00:00.000Z', end: '2026-03-08T05:15:00.000Z', count: 1, units: 1 },
    ]);
  });

  it("defaults to the tenant's billing timezone: Kathmandu days begin at 18:15Z", async () => {
    const res = await usage(keyK, { from: '2026-02-28T18:15:00Z', to: '2026-03-02T18:15:00Z', window: 'day' });
    expect(res.status).toBe(200);
    expect(res.body.timezone).toBe('Asia/Kathmandu');
    expect(res.body.data).toEqual([
      { start: '2026-02-28T18:15:00.000Z', end: '2026-03-01T18:15:00.000Z', count: 1, units: 1 },
      { start: '2026-03-01T18:15:00.000Z', end: '2026-03-02T18:15:00.000Z', count: 2, units: 2 },
    ]);
    // A tenant without billing terms gets UTC.
    expect((await usage(keyA, { from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z' })).body.timezone).toBe('UTC');
  });

  it('widens an unaligned range to the 15-minute buckets it reads', async () => {
    const res = await usage(keyA, { from: '2026-03-08T05:07:00Z', to: '2026-03-08T12:01:00Z', window: 'day' });
    expect(res.body).toMatchObject({ from: '2026-03-08T05:00:00.000Z', to: '2026-03-08T12:15:00.000Z' });
    expect(res.body.data).toEqual([{ start: '2026-03-08T05:00:00.000Z', end: '2026-03-08T12:15:00.000Z', count: 2, units: 2 }]);
  });

  it('reads the rollups only: a transaction not yet rolled up is not counted until the rollup runs', async () => {
    const query = { from: '2026-05-01T00:00:00Z', to: '2026-05-02T00:00:00Z', window: 'day' };
    await record(a.echo, '2026-05-01T10:00:00Z', 'read');
    const before = await usage(keyA, query);
    expect(before.body.data).toEqual([]);
    expect(Date.parse(before.body.dataRefreshedAt)).toBeLessThanOrEqual(Date.now());
    await app.get(UsageRollupService).drainAll();
    expect((await usage(keyA, query)).body.data).toEqual([{ start: '2026-05-01T00:00:00.000Z', end: '2026-05-02T00:00:00.000Z', count: 1, units: 1 }]);
  });
});

describe('GET /v1/usage: paging', () => {
  const query = { ...NY_DST, window: 'hour', groupBy: 'operation,outcome' };

  it('pages with an opaque cursor through exactly the rows of one big page', async () => {
    const all = await usage(keyA, query);
    expect(all.body.data).toHaveLength(5);
    const paged: Row[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 10; i++) {
      const res = await usage(keyA, { ...query, limit: '2', ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      paged.push(...(res.body.data as Row[]));
      cursor = res.body.next;
      if (!cursor) break;
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    expect(cursor).toBeNull();
    expect(paged).toEqual(all.body.data);
  });

  it('refuses a cursor from another query or another tenant, or a forged one, with 400', async () => {
    const first = await usage(keyA, { ...query, limit: '1' });
    const cursor = first.body.next as string;
    const otherQuery = await usage(keyA, { ...query, window: 'day', limit: '1', cursor });
    expect(otherQuery.status).toBe(400);
    expect(otherQuery.body.issues).toEqual([expect.objectContaining({ path: 'cursor' })]);
    const otherTenant = await usage(keyB, { ...query, limit: '1', cursor });
    expect(otherTenant.status).toBe(400);
    expect(otherTenant.body.code).toBe('validation_failed');
    expect(otherTenant.body.data).toBeUndefined();
    for (const forged of ['not a cursor', 'e30', Buffer.from('{"f":"x","w":"2026-01-01T00:00:00.000Z","v":[]}').toString('base64url')]) {
      expect((await usage(keyA, { ...query, cursor: forged })).status).toBe(400);
    }
  });
});

describe('GET /v1/usage: tenants and the operator', () => {
  const day = { from: '2026-03-08T05:00:00Z', to: '2026-03-09T04:00:00Z', timezone: 'America/New_York' };

  it("never shows another tenant's rows", async () => {
    const res = await usage(keyB, { ...day, groupBy: 'connection' });
    expect(res.body.data).toEqual([{ start: '2026-03-08T05:00:00.000Z', end: '2026-03-09T04:00:00.000Z', connectionId: b.echo.id, connectionName: b.echo.name, count: 5, units: 5 }]);
    const ofA = await usage(keyA, { ...day, groupBy: 'connection' });
    expect(ofA.body.data.map((r: Row) => r.connectionId)).not.toContain(b.echo.id);
    // Naming another tenant is a 404, as if it did not exist.
    const named = await usage(keyB, { ...day, tenantId: a.tenant.id });
    expect(named.status).toBe(404);
    expect(named.body.data).toBeUndefined();
    expect((await usage(keyB, { ...day, tenantId: b.tenant.id })).status).toBe(200);
  });

  it('lets the operator read any tenant it names, and only when it names one', async () => {
    const res = await usage(operatorToken, { ...day, tenantId: b.tenant.id });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([{ start: '2026-03-08T05:00:00.000Z', end: '2026-03-09T04:00:00.000Z', count: 5, units: 5 }]);
    const unnamed = await usage(operatorToken, day);
    expect(unnamed.status).toBe(400);
    expect(unnamed.body.issues).toEqual([expect.objectContaining({ path: 'tenantId' })]);
    expect((await usage(operatorToken, { ...day, tenantId: randomUUID() })).status).toBe(404);
  });

  it('needs usage:read', async () => {
    expect((await usage(noUsageKey, day)).status).toBe(403);
  });
});

describe('GET /v1/usage: bad input', () => {
  const ok = { from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z' };
  it.each([
    ['no range', {}, 'from'],
    ['from after to', { from: ok.to, to: ok.from }, 'from'],
    ['more than 366 days', { from: '2025-01-01T00:00:00Z', to: '2026-01-02T00:00:01Z' }, 'to'],
    ['15m windows over more than 31 days', { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:01Z', window: '15m' }, 'window'],
    ['an unknown window', { ...ok, window: 'year' }, 'window'],
    ['an unknown groupBy', { ...ok, groupBy: 'connection,patient' }, 'groupBy'],
    ['an offset for a timezone', { ...ok, timezone: '+05:00' }, 'timezone'],
    ['a legacy zone name', { ...ok, timezone: 'EST5EDT' }, 'timezone'],
    ['an unknown zone', { ...ok, timezone: 'Mars/Olympus_Mons' }, 'timezone'],
    ['a limit over 10,000', { ...ok, limit: '10001' }, 'limit'],
    ['a tenantId that is no uuid', { ...ok, tenantId: 'acme' }, 'tenantId'],
    ['an unknown parameter', { ...ok, vendor: 'epic' }, ''],
  ])('refuses %s with 400 validation_failed naming the parameter', async (_name, query, path) => {
    const res = await usage(keyA, query as Record<string, string>);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    if (path) expect(res.body.issues.map((i: { path: string }) => i.path.split('.')[0])).toContain(path);
  });

  it('accepts exactly 31 days of 15m windows and 366 days of days', async () => {
    expect((await usage(keyA, { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z', window: '15m' })).status).toBe(200);
    expect((await usage(keyA, { from: '2025-06-01T00:00:00Z', to: '2026-06-02T00:00:00Z' })).status).toBe(200);
  });
});

describe('GraphQL usage', () => {
  const USAGE = `query Usage($from: String!, $to: String!, $window: String, $groupBy: [UsageDimension!], $timezone: String, $first: Int, $after: String, $tenantId: ID) {
    usage(from: $from, to: $to, window: $window, groupBy: $groupBy, timezone: $timezone, first: $first, after: $after, tenantId: $tenantId) {
      data { start end connectionId connectionName operation class outcome billable count units }
      next dataRefreshedAt timezone window from to
    }
  }`;
  const gql = (token: string, variables: Record<string, unknown>) =>
    request(app.getHttpServer()).post('/graphql').set('authorization', `Bearer ${token}`).send({ query: USAGE, variables });
  const rest = { ...NY_DST, window: 'hour', groupBy: 'operation,outcome' };
  const vars = { ...NY_DST, window: 'hour', groupBy: ['operation', 'outcome'] };

  it('answers the same rows as REST, page by page, with dataRefreshedAt', async () => {
    const expected = (await usage(keyA, rest)).body.data as Row[];
    const rows: Row[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const res = await gql(keyA, { ...vars, first: 2, after });
      expect(res.body.errors).toBeUndefined();
      const page = res.body.data.usage;
      expect(Date.parse(page.dataRefreshedAt)).not.toBeNaN();
      for (const r of page.data) {
        expect(r).toMatchObject({ connectionId: null, connectionName: null, class: null, billable: null });
        rows.push({ start: r.start, end: r.end, operation: r.operation, outcome: r.outcome, count: r.count, units: r.units });
      }
      after = page.next;
      if (!after) break;
    }
    expect(rows).toEqual(expected);
  });

  it('refuses a cursor of another tenant and bad arguments with validation_failed, and needs tenantId from the operator', async () => {
    const first = await gql(keyA, { ...vars, first: 1 });
    const stolen = await gql(keyB, { ...vars, first: 1, after: first.body.data.usage.next });
    expect(stolen.body.data).toBeNull();
    expect(stolen.body.errors[0].extensions.code).toBe('validation_failed');
    const badZone = await gql(keyA, { ...vars, timezone: 'EST5EDT' });
    expect(badZone.body.errors[0].extensions.code).toBe('validation_failed');
    const operator = await gql(operatorToken, vars);
    expect(operator.body.errors[0].extensions.code).toBe('validation_failed');
    const named = await gql(operatorToken, { ...vars, tenantId: b.tenant.id, groupBy: null, window: 'day' });
    expect(named.body.data.usage.data).toEqual([
      { start: '2026-03-08T05:00:00.000Z', end: '2026-03-09T04:00:00.000Z', connectionId: null, connectionName: null, operation: null, class: null, outcome: null, billable: null, count: 5, units: 5 },
    ]);
    const crossTenant = await gql(keyB, { ...vars, tenantId: a.tenant.id });
    expect(crossTenant.body.errors[0].extensions.code).toBe('not_found');
  });
});
