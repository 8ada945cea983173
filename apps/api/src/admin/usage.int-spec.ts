import type { INestApplication } from '@nestjs/common';
import { ConnectionService } from '@sb/connections';
import { CallRecordRepository, type Connection } from '@sb/db';
import { ApiKeyService } from '@sb/tenancy';
import { createTestingApp, deleteRedisKeys, Fixtures, testRedisPrefix, type TenantFixture } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AppModule } from '../app.module';

const redisPrefix = testRedisPrefix('usage-api');

let app: INestApplication;
let a: TenantFixture;
let b: TenantFixture;
let lab: Connection;
let keyA: string;
let keyB: string;
let noUsageKey: string;

async function usage(path: string, token: string, query: Record<string, string> = {}) {
  return request(app.getHttpServer()).get(`/v1/usage/${path}?${new URLSearchParams(query).toString()}`).set('authorization', `Bearer ${token}`);
}

/** Known synthetic usage rows, written the way the pipeline writes them. */
async function record(connection: Connection, at: string, operation: string, outcome: 'success' | 'error', times = 1) {
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

const MARCH = { from: '2026-03-01T00:00:00Z', to: '2026-03-04T00:00:00Z' };

beforeAll(async () => {
  const moduleRef = await createTestingApp([AppModule], { SB_REDIS_PREFIX: redisPrefix });
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  const fixtures = new Fixtures(moduleRef);
  [a, b] = [await fixtures.newTenant(), await fixtures.newTenant()];
  lab = await app.get(ConnectionService).create(a.tenant.id, { name: 'Lab feed', vendor: 'hl7v2', environment: 'sandbox', hl7SendingFacility: `LAB-${randomUUID().slice(0, 8)}`, mllpTls: false, hl7AckMode: 'original' });
  const apiKeys = app.get(ApiKeyService);
  keyA = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'finance', scopes: ['usage:read'] })).key;
  keyB = (await apiKeys.create(b.actor(), b.tenant.id, { name: 'finance', scopes: ['usage:read'] })).key;
  noUsageKey = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'connections', scopes: ['admin:connections'] })).key;

  await record(a.echo, '2026-02-28T23:59:59.999Z', 'read', 'success'); // the UTC day before the range
  await record(a.echo, '2026-03-01T10:00:00Z', 'read', 'success', 2);
  await record(a.echo, '2026-03-01T23:59:59.999Z', 'read', 'error');
  await record(lab, '2026-03-02T00:00:00Z', 'message.in', 'success');
  await record(a.echo, '2026-03-03T12:00:00Z', 'search', 'success');
  await record(a.echo, '2026-03-04T00:00:00Z', 'read', 'success'); // `to` is exclusive
  await record(b.echo, '2026-03-01T10:00:00Z', 'read', 'success', 5);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await deleteRedisKeys(redisPrefix);
});

describe('GET /v1/usage/daily', () => {
  it('counts per UTC day and connection, zero-filled over the range, with connection names', async () => {
    const res = await usage('daily', keyA, { ...MARCH, groupBy: 'connection' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: '2026-03-01T00:00:00.000Z', to: '2026-03-04T00:00:00.000Z', groupBy: 'connection' });
    const echo = { key: a.echo.id, name: a.echo.name };
    const labKey = { key: lab.id, name: 'Lab feed' };
    const expected = [
      { date: '2026-03-01', ...echo, count: 3 },
      { date: '2026-03-01', ...labKey, count: 0 },
      { date: '2026-03-02', ...echo, count: 0 },
      { date: '2026-03-02', ...labKey, count: 1 },
      { date: '2026-03-03', ...echo, count: 1 },
      { date: '2026-03-03', ...labKey, count: 0 },
    ];
    const sortKey = (d: { date: string; key: string }) => `${d.date} ${d.key}`;
    expect([...res.body.days].sort((x, y) => sortKey(x).localeCompare(sortKey(y)))).toEqual(expected.sort((x, y) => sortKey(x).localeCompare(sortKey(y))));
  });

  it.each([
    ['outcome', { success: [2, 1, 1], error: [1, 0, 0] }],
    ['operation', { read: [3, 0, 0], 'message.in': [0, 1, 0], search: [0, 0, 1] }],
    ['vendor', { echo: [3, 0, 1], hl7v2: [0, 1, 0] }],
  ])('groups by %s', async (groupBy, series) => {
    const res = await usage('daily', keyA, { ...MARCH, groupBy });
    expect(res.status).toBe(200);
    const got: Record<string, number[]> = {};
    for (const d of res.body.days as { date: string; key: string; name: string | null; count: number }[]) {
      expect(d.name).toBeNull();
      (got[d.key] ??= []).push(d.count);
    }
    expect(got).toEqual(series);
    expect(new Set(res.body.days.map((d: { date: string }) => d.date))).toEqual(new Set(['2026-03-01', '2026-03-02', '2026-03-03']));
  });

  it('buckets by UTC day whatever offset the range is given in', async () => {
    const res = await usage('daily', keyA, { from: '2026-03-01T00:00:00+02:00', to: '2026-03-01T13:00:00+02:00', groupBy: 'outcome' });
    expect(res.status).toBe(200);
    expect(res.body.days).toEqual([
      { date: '2026-02-28', key: 'success', name: null, count: 1 },
      { date: '2026-03-01', key: 'success', name: null, count: 2 },
    ]);
  });

  it('returns no days for a period without usage, and accepts exactly 366 days', async () => {
    expect((await usage('daily', keyA, { from: '2025-01-01T00:00:00Z', to: '2025-01-10T00:00:00Z' })).body.days).toEqual([]);
    const year = await usage('daily', keyA, { from: '2025-06-01T00:00:00Z', to: '2026-06-02T00:00:00Z', groupBy: 'outcome' });
    expect(year.status).toBe(200);
    expect(year.body.days.filter((d: { key: string }) => d.key === 'success')).toHaveLength(366);
  });

  it.each([
    ['no range', {}],
    ['no `to`', { from: MARCH.from }],
    ['from equal to to', { from: MARCH.from, to: MARCH.from }],
    ['from after to', { from: MARCH.to, to: MARCH.from }],
    ['more than 366 days', { from: '2025-01-01T00:00:00Z', to: '2026-01-02T00:00:01Z' }],
    ['a date without time', { from: '2026-03-01', to: MARCH.to }],
    ['an unknown groupBy', { ...MARCH, groupBy: 'day' }],
    ['an unknown parameter', { ...MARCH, tenantId: randomUUID() }],
  ])('refuses %s with 400 validation_failed', async (_name, query) => {
    const res = await usage('daily', keyA, query as Record<string, string>);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
  });

  it('needs usage:read', async () => {
    expect((await usage('daily', noUsageKey, MARCH)).status).toBe(403);
  });

  it('is tenant-scoped: each tenant counts only its own usage', async () => {
    const res = await usage('daily', keyB, { ...MARCH, groupBy: 'connection' });
    expect(res.body.days.filter((d: { count: number }) => d.count > 0)).toEqual([{ date: '2026-03-01', key: b.echo.id, name: b.echo.name, count: 5 }]);
    const ofA = await usage('daily', keyA, { ...MARCH, groupBy: 'connection' });
    expect(ofA.body.days.map((d: { key: string }) => d.key)).not.toContain(b.echo.id);
  });
});

describe('GET /v1/usage/totals', () => {
  it('gives counts per connection (with its name) × vendor × operation × outcome for the period', async () => {
    const res = await usage('totals', keyA, MARCH);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual(
      expect.arrayContaining([
        { connectionId: a.echo.id, connectionName: a.echo.name, vendor: 'echo', operation: 'read', outcome: 'success', count: 2 },
        { connectionId: a.echo.id, connectionName: a.echo.name, vendor: 'echo', operation: 'read', outcome: 'error', count: 1 },
        { connectionId: a.echo.id, connectionName: a.echo.name, vendor: 'echo', operation: 'search', outcome: 'success', count: 1 },
        { connectionId: lab.id, connectionName: 'Lab feed', vendor: 'hl7v2', operation: 'message.in', outcome: 'success', count: 1 },
      ]),
    );
    expect(res.body.items).toHaveLength(4);
  });

  it('validates the period like the daily series', async () => {
    expect((await usage('totals', keyA, { from: MARCH.to, to: MARCH.from })).body.code).toBe('validation_failed');
    expect((await usage('totals', keyA, { from: '2024-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' })).status).toBe(400);
  });

  it('is tenant-scoped', async () => {
    const res = await usage('totals', keyB, MARCH);
    expect(res.body.items).toEqual([{ connectionId: b.echo.id, connectionName: b.echo.name, vendor: 'echo', operation: 'read', outcome: 'success', count: 5 }]);
  });
});
