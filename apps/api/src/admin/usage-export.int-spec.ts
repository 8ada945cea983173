import type { INestApplication } from '@nestjs/common';
import { BillingSummaryExport, PlansService, TenantBillingService } from '@sb/billing';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { ConnectionService } from '@sb/connections';
import { CallRecordRepository, MAX_CONCURRENT_EXPORTS, PrismaService, type Connection } from '@sb/db';
import { ApiKeyService } from '@sb/tenancy';
import { createTestingApp, deleteRedisKeys, Fixtures, testRedisPrefix, type TenantFixture } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import { Agent, get, type ClientRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { AppModule } from '../app.module';

const redisPrefix = testRedisPrefix('usage-export');
const OPERATOR = { type: 'operator', id: 'operator' } as const;
const HEADER = 'transaction_id,time,connection_id,connection_name,class,operation,resource_type,environment,units';

let app: INestApplication;
let prisma: PrismaService;
let a: TenantFixture;
let b: TenantFixture;
let c: TenantFixture;
let lab: Connection;
let keyA: string;
let keyB: string;
let keyC: string;
let operatorToken: string;
const tx: Record<string, string> = {};

async function record(connection: Connection, at: string, operation: string, outcome: 'success' | 'error' = 'success', patientRefs: string[] = []): Promise<string> {
  const transactionId = randomUUID();
  const occurredAt = new Date(at);
  await app.get(CallRecordRepository).record(
    { tenantId: connection.tenantId, connectionId: connection.id, transactionId, vendor: connection.vendor, operation, resourceType: 'Patient', outcome, durationMs: 5, occurredAt, environment: connection.environment, actorType: 'system', actorId: 'export-test', purpose: null },
    patientRefs,
  );
  return transactionId;
}

/** The whole body as text, however the server streamed it. */
const csv = (token: string, query: Record<string, string>) =>
  request(app.getHttpServer())
    .get(`/v1/usage/export.csv?${new URLSearchParams(query).toString()}`)
    .set('authorization', `Bearer ${token}`)
    .buffer(true)
    .parse((res, done) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => done(null, text));
    });

const exportsOf = (tenantId: string) =>
  prisma.$queryRaw<{ actorType: string; objectRef: string; purpose: string; patientRef: string | null; connectionId: string | null }[]>`
    SELECT "actorType", "objectRef", "purpose", "patientRef", "connectionId"::text AS "connectionId" FROM "AuditRecord"
    WHERE "tenantId" = ${tenantId}::uuid AND "operation" = 'billing.export' ORDER BY "seq"`;

// New York, 2026-03-08: 01:59:59.999 EST is followed by 03:00 EDT.
const MARCH = { from: '2026-03-01T05:00:00Z', to: '2026-04-01T04:00:00Z' };

beforeAll(async () => {
  const moduleRef = await createTestingApp([AppModule], { SB_REDIS_PREFIX: redisPrefix });
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  prisma = app.get(PrismaService);
  operatorToken = app.get<AppConfig>(APP_CONFIG).adminToken;
  const fixtures = new Fixtures(moduleRef);
  [a, b, c] = [await fixtures.newTenant(), await fixtures.newTenant(), await fixtures.newTenant()];
  lab = await app.get(ConnectionService).create(a.tenant.id, { name: '=Lab, "main"', vendor: 'hl7v2', environment: 'production', hl7SendingFacility: `LAB-${randomUUID().slice(0, 8)}`, mllpTls: false, hl7AckMode: 'original' });
  const apiKeys = app.get(ApiKeyService);
  keyA = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'finance', scopes: ['usage:read'] })).key;
  keyB = (await apiKeys.create(b.actor(), b.tenant.id, { name: 'finance', scopes: ['usage:read'] })).key;
  keyC = (await apiKeys.create(c.actor(), c.tenant.id, { name: 'finance', scopes: ['usage:read'] })).key;
  const plan = await app.get(PlansService).create(OPERATOR, { name: `Export ${randomUUID().slice(0, 6)}`, currency: 'USD', components: [{ class: 'hl7.in', model: 'unit', unitPrice: '0.10' }] });
  await app.get(TenantBillingService).assign(OPERATOR, a.tenant.id, { planId: plan.id, timezone: 'America/New_York', anchorDay: 1, currency: 'USD', graceMinutes: 60 }, new Date('2026-03-10T12:00:00Z'));

  tx.beforeRange = await record(lab, '2026-03-01T04:59:59.999Z', 'message.in');
  tx.lastEst = await record(lab, '2026-03-08T06:59:59.999Z', 'message.in', 'success', ['Patient/p-123']);
  tx.firstEdt = await record(lab, '2026-03-08T07:00:00.000Z', 'message.out', 'success', ['Patient/p-456']);
  tx.failed = await record(lab, '2026-03-09T12:00:00Z', 'message.in', 'error');
  tx.sandbox = await record(a.echo, '2026-03-09T12:00:00Z', 'read');
  await record(b.echo, '2026-03-09T12:00:00Z', 'read');
}, 60_000);

afterAll(async () => {
  await app?.close();
  await deleteRedisKeys(redisPrefix);
});

describe('GET /v1/usage/export.csv?kind=detail', () => {
  it('has one row per billable transaction, times in the billing zone with their offset, RFC 4180 quoting and no patient data', async () => {
    const res = await csv(keyA, { kind: 'detail', ...MARCH });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="usage-detail-20260301T050000Z-20260401T040000Z.csv"');
    const name = `"'=Lab, ""main"""`; // quoted, quotes doubled, and no formula
    expect(res.body).toBe(
      [
        HEADER,
        `${tx.lastEst},2026-03-08T01:59:59.999-05:00,${lab.id},${name},hl7.in,message.in,Patient,production,1`,
        `${tx.firstEdt},2026-03-08T03:00:00.000-04:00,${lab.id},${name},hl7.out,message.out,Patient,production,1`,
        '',
      ].join('\r\n'),
    );
    expect(res.body).not.toMatch(/p-123|p-456|Patient\//);
  });

  it('writes a billing.export audit record in the tenant’s chain', async () => {
    const before = (await exportsOf(a.tenant.id)).length;
    await csv(keyA, { kind: 'detail', ...MARCH });
    const records = await exportsOf(a.tenant.id);
    expect(records).toHaveLength(before + 1);
    expect(records.at(-1)).toEqual({
      actorType: 'api-key',
      objectRef: 'billing/exports/detail?from=2026-03-01T05:00:00.000Z&to=2026-04-01T04:00:00.000Z',
      purpose: 'billing',
      patientRef: null,
      connectionId: null,
    });
  });

  it('streams every row of a large export exactly once (rows split across many socket chunks), in time order, across a DST change', async () => {
    const conn = await app.get(ConnectionService).create(c.tenant.id, { name: 'Bulk', vendor: 'hl7v2', environment: 'production', hl7SendingFacility: `BULK-${randomUUID().slice(0, 8)}`, mllpTls: false, hl7AckMode: 'original' });
    const plan = await app.get(PlansService).create(OPERATOR, { name: `Bulk ${randomUUID().slice(0, 6)}`, currency: 'USD', components: [{ class: 'hl7.in', model: 'unit', unitPrice: '0.01' }] });
    await app.get(TenantBillingService).assign(OPERATOR, c.tenant.id, { planId: plan.id, timezone: 'America/New_York', anchorDay: 1, currency: 'USD', graceMinutes: 60 }, new Date('2026-11-01T12:00:00Z'));
    const rows = 20_001;
    // Three instants only (01:30 EDT, then 01:00 and 01:30 EST), with thousands of rows at each.
    await prisma.$executeRaw`
      INSERT INTO "UsageEvent" ("id", "tenantId", "connectionId", "transactionId", "vendor", "operation", "resourceType", "outcome", "durationMs", "occurredAt", "environment", "class", "units", "billable")
      SELECT gen_random_uuid(), ${c.tenant.id}::uuid, ${conn.id}::uuid, gen_random_uuid(), 'hl7v2', 'message.in', 'ADT', 'success', 1,
             TIMESTAMPTZ '2026-11-01 05:30:00+00' + (i % 3) * interval '30 minutes', 'production', 'hl7.in', 1, true
      FROM generate_series(1, ${rows}) i`;
    const res = await csv(keyC, { kind: 'detail', from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z' });
    const lines = (res.body as string).split('\r\n');
    expect(lines[0]).toBe(HEADER);
    expect(lines.at(-1)).toBe('');
    const data = lines.slice(1, -1).map((l) => l.split(','));
    expect(data).toHaveLength(rows);
    expect(new Set(data.map((d) => d[0])).size).toBe(rows);
    const count = (time: string) => data.filter((d) => d[1] === time).length;
    // 20,001 rows = 3 × 6,667: i % 3 = 0, 1, 2 each 6,667 times.
    expect([count('2026-11-01T01:30:00.000-04:00'), count('2026-11-01T01:00:00.000-05:00'), count('2026-11-01T01:30:00.000-05:00')]).toEqual([6667, 6667, 6667]);
    // In time order: every EDT row, then the EST rows in their order.
    const order = data.map((d) => ['2026-11-01T01:30:00.000-04:00', '2026-11-01T01:00:00.000-05:00', '2026-11-01T01:30:00.000-05:00'].indexOf(d[1] as string));
    expect(order.every((v, i) => v >= 0 && (i === 0 || v >= (order[i - 1] as number)))).toBe(true);
  });

  it('a client that stops reading holds the COPY back, one that leaves ends its connection, and a fifth export at once is refused until one ends', async () => {
    const conn = await app.get(ConnectionService).create(c.tenant.id, { name: 'Slow reader', vendor: 'hl7v2', environment: 'production', hl7SendingFacility: `SLOW-${randomUUID().slice(0, 8)}`, mllpTls: false, hl7AckMode: 'original' });
    await prisma.$executeRaw`
      INSERT INTO "UsageEvent" ("id", "tenantId", "connectionId", "transactionId", "vendor", "operation", "resourceType", "outcome", "durationMs", "occurredAt", "environment", "class", "units", "billable")
      SELECT gen_random_uuid(), ${c.tenant.id}::uuid, ${conn.id}::uuid, gen_random_uuid(), 'hl7v2', 'message.in', 'ADT', 'success', 1,
             TIMESTAMPTZ '2026-12-10 00:00:00+00' + i * interval '1 second', 'production', 'hl7.in', 1, true
      FROM generate_series(1, 300000) i`;
    const exporting = async () =>
      (await prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS "n" FROM pg_stat_activity WHERE "query" LIKE 'COPY (%sb_export_names%' AND "pid" <> pg_backend_pid()`)[0]?.n;
    const audited = async () => (await exportsOf(c.tenant.id)).length;
    const server = app.getHttpServer() as Server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const agent = new Agent({ keepAlive: false });
    const open: ClientRequest[] = [];
    try {
      const { port } = server.address() as AddressInfo;
      const query = new URLSearchParams({ kind: 'detail', from: '2026-12-10T00:00:00Z', to: '2026-12-20T00:00:00Z' }).toString();
      /** An export whose reader takes one chunk and stops: ~45 MB of CSV cannot all fit in socket buffers, so its COPY waits. */
      const pausedExport = async () => {
        const req = get({ host: '127.0.0.1', port, agent, path: `/v1/usage/export.csv?${query}`, headers: { authorization: `Bearer ${keyC}` } });
        open.push(req);
        const res = await new Promise<IncomingMessage>((resolve) => req.once('response', resolve));
        if (res.statusCode === 200) {
          await new Promise((resolve) => res.once('data', resolve));
          res.pause();
        }
        return { req, res };
      };
      const before = await audited();
      const first = await pausedExport();
      expect(first.res.statusCode).toBe(200);
      await new Promise((r) => setTimeout(r, 500));
      expect(await exporting()).toBe(1);
      for (let i = 0; i < MAX_CONCURRENT_EXPORTS - 1; i++) expect((await pausedExport()).res.statusCode).toBe(200);
      expect(await exporting()).toBe(MAX_CONCURRENT_EXPORTS);
      expect(await audited()).toBe(before + MAX_CONCURRENT_EXPORTS);

      const refused = await csv(keyC, { kind: 'detail', from: '2026-12-10T00:00:00Z', to: '2026-12-20T00:00:00Z' });
      expect(refused.status).toBe(429);
      expect(JSON.parse(refused.body as string)).toMatchObject({ code: 'rate_limited', reason: 'exports_busy' });
      expect(await audited()).toBe(before + MAX_CONCURRENT_EXPORTS); // refused: no export, no audit record

      first.req.destroy();
      const deadline = Date.now() + 5_000;
      while ((await exporting()) !== MAX_CONCURRENT_EXPORTS - 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await exporting()).toBe(MAX_CONCURRENT_EXPORTS - 1);
      expect((await pausedExport()).res.statusCode).toBe(200);
    } finally {
      for (const req of open) req.destroy();
      agent.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
    const deadline = Date.now() + 5_000;
    while ((await exporting()) !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await exporting()).toBe(0);
  });
});

describe('GET /v1/usage/export.csv?kind=summary', () => {
  it('is the billing summary of the periods in the range, as an attachment, audited', async () => {
    const before = (await exportsOf(a.tenant.id)).length;
    const res = await csv(keyA, { kind: 'summary', ...MARCH });
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="usage-summary-20260301T050000Z-20260401T040000Z.csv"');
    expect(res.body).toBe(await app.get(BillingSummaryExport).csv(a.tenant.id, { from: new Date(MARCH.from), to: new Date(MARCH.to) }));
    expect((res.body as string).split('\r\n')[0]).toMatch(/^period_id,/);
    const records = await exportsOf(a.tenant.id);
    expect(records).toHaveLength(before + 1);
    expect(records.at(-1)?.objectRef).toBe('billing/exports/summary?from=2026-03-01T05:00:00.000Z&to=2026-04-01T04:00:00.000Z');
  });
});

describe('GET /v1/usage/export.csv: tenants and bad input', () => {
  it("never exports another tenant's rows", async () => {
    const ofA = (await exportsOf(a.tenant.id)).length;
    const res = await csv(keyB, { kind: 'detail', ...MARCH });
    expect(res.body).toBe(`${HEADER}\r\n`); // B's only transaction is a sandbox read
    expect((await csv(keyB, { kind: 'detail', ...MARCH, tenantId: a.tenant.id })).status).toBe(404);
    expect((await csv(keyB, { kind: 'summary', ...MARCH, tenantId: a.tenant.id })).status).toBe(404);
    expect(await exportsOf(a.tenant.id)).toHaveLength(ofA);
    expect(await exportsOf(b.tenant.id)).toHaveLength(1);
  });

  it('lets the operator export a tenant it names, and only then', async () => {
    const res = await csv(operatorToken, { kind: 'detail', ...MARCH, tenantId: a.tenant.id });
    expect(res.status).toBe(200);
    expect((res.body as string).split('\r\n')).toHaveLength(4);
    expect((await exportsOf(a.tenant.id)).at(-1)?.actorType).toBe('operator');
    const unnamed = await csv(operatorToken, { kind: 'detail', ...MARCH });
    expect(unnamed.status).toBe(400);
  });

  it.each([
    ['no kind', { ...MARCH }, 'kind'],
    ['an unknown kind', { ...MARCH, kind: 'full' }, 'kind'],
    ['no range', { kind: 'detail' }, 'from'],
    ['more than 366 days', { kind: 'detail', from: '2025-01-01T00:00:00Z', to: '2026-01-02T00:00:01Z' }, 'to'],
  ])('refuses %s with 400 validation_failed, and writes no audit record', async (_name, query, path) => {
    const before = (await exportsOf(a.tenant.id)).length;
    const res = await request(app.getHttpServer()).get(`/v1/usage/export.csv?${new URLSearchParams(query).toString()}`).set('authorization', `Bearer ${keyA}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.issues.map((i: { path: string }) => i.path)).toContain(path);
    expect(await exportsOf(a.tenant.id)).toHaveLength(before);
  });
});
