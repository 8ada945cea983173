import type { INestApplication } from '@nestjs/common';
import { PlansService, TenantBillingService } from '@sb/billing';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { ConnectionService } from '@sb/connections';
import { CallRecordRepository, PrismaService, type Connection } from '@sb/db';
import { UsageRollupService } from '@sb/metering';
import { ApiKeyService } from '@sb/tenancy';
import { createTestingApp, deleteRedisKeys, Fixtures, testRedisPrefix, type TenantFixture } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AppModule } from '../app.module';

const redisPrefix = testRedisPrefix('usage-reconciliation');
const OPERATOR = { type: 'operator', id: 'operator' } as const;

let app: INestApplication;
let prisma: PrismaService;
let a: TenantFixture;
let b: TenantFixture;
let ehr: Connection;
let keyA: string;
let keyB: string;
let operatorToken: string;
const tx: Record<string, string> = {};

/** Synthetic usage, written the way the pipeline writes it; returns the transaction id. */
async function record(connection: Connection, at: string, operation: string, outcome: 'success' | 'error' = 'success', patientRefs: string[] = []): Promise<string> {
  const transactionId = randomUUID();
  const occurredAt = new Date(at);
  await app.get(CallRecordRepository).record(
    { tenantId: connection.tenantId, connectionId: connection.id, transactionId, vendor: connection.vendor, operation, resourceType: 'Patient', outcome, durationMs: 5, occurredAt, environment: connection.environment, actorType: 'system', actorId: 'recon-test', purpose: null },
    patientRefs,
  );
  return transactionId;
}

const reconcile = (token: string, query: Record<string, string>) =>
  request(app.getHttpServer()).get(`/v1/usage/reconciliation?${new URLSearchParams(query).toString()}`).set('authorization', `Bearer ${token}`);

// Tenant A bills in New York from March 2026: the March period is [03-01T05:00Z, 04-01T04:00Z).
const MARCH = { from: '2026-03-01T05:00:00Z', to: '2026-04-01T04:00:00Z' };
const MARCH_PERIOD = { id: '2026-03', start: '2026-03-01T05:00:00.000Z', end: '2026-04-01T04:00:00.000Z' };

beforeAll(async () => {
  const moduleRef = await createTestingApp([AppModule], { SB_REDIS_PREFIX: redisPrefix });
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  prisma = app.get(PrismaService);
  operatorToken = app.get<AppConfig>(APP_CONFIG).adminToken;
  const fixtures = new Fixtures(moduleRef);
  [a, b] = [await fixtures.newTenant(), await fixtures.newTenant()];
  ehr = await app.get(ConnectionService).create(a.tenant.id, { name: 'Main EHR', vendor: 'hl7v2', environment: 'production', hl7SendingFacility: `EHR-${randomUUID().slice(0, 8)}`, mllpTls: false, hl7AckMode: 'original' });
  const apiKeys = app.get(ApiKeyService);
  keyA = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'finance', scopes: ['usage:read'] })).key;
  keyB = (await apiKeys.create(b.actor(), b.tenant.id, { name: 'finance', scopes: ['usage:read'] })).key;

  const plan = await app.get(PlansService).create(OPERATOR, { name: `Recon ${randomUUID().slice(0, 6)}`, currency: 'USD', components: [{ class: 'hl7.in', model: 'unit', unitPrice: '0.10' }] });
  await app.get(TenantBillingService).assign(OPERATOR, a.tenant.id, { planId: plan.id, timezone: 'America/New_York', anchorDay: 1, currency: 'USD', graceMinutes: 60 }, new Date('2026-03-10T12:00:00Z'));

  tx.first = await record(ehr, '2026-03-02T10:00:00Z', 'message.in', 'success', ['Patient/1']);
  tx.second = await record(ehr, '2026-03-02T10:05:00Z', 'message.in', 'success', ['Patient/2']);
  tx.third = await record(ehr, '2026-03-02T10:10:00Z', 'message.in', 'success', ['Patient/1']);
  tx.failed = await record(ehr, '2026-03-02T10:20:00Z', 'message.in', 'error');
  tx.later = await record(ehr, '2026-03-20T23:00:00Z', 'message.out');
  tx.echo = await record(a.echo, '2026-03-05T08:00:00Z', 'read');
  await record(b.echo, '2026-03-05T08:00:00Z', 'read');
  await app.get(UsageRollupService).drainAll();
}, 60_000);

afterAll(async () => {
  await app?.close();
  await deleteRedisKeys(redisPrefix);
});

const NO_DIFFERENCES = { missingUsage: [], extraUsage: [], mismatched: [], buckets: [], periodTotals: [], distinctPatients: [], preview: [], truncated: false };

describe('GET /v1/usage/reconciliation', () => {
  it('balances after normal traffic, with what it compared', async () => {
    const res = await reconcile(keyA, MARCH);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'balanced',
      tenantId: a.tenant.id,
      from: '2026-03-01T05:00:00.000Z',
      to: '2026-04-01T04:00:00.000Z',
      usageEvents: 6,
      auditTransactions: 6,
      // 10:00, 10:05 and 10:10 share the 10:00 bucket; 10:20, the echo read and the March 20 message one each.
      buckets: 4,
      periods: [MARCH_PERIOD],
      pending: { count: 0, transactionIds: [] },
      explained: [],
      differences: NO_DIFFERENCES,
    });
    expect(Date.parse(res.body.dataRefreshedAt)).not.toBeNaN();
  });

  it('reports exactly the transaction and the bucket of a usage event deleted behind the API’s back', async () => {
    const [row] = await prisma.$queryRaw<Record<string, unknown>[]>`SELECT * FROM "UsageEvent" WHERE "transactionId" = ${tx.second}::uuid`;
    await prisma.$executeRaw`DELETE FROM "UsageEvent" WHERE "transactionId" = ${tx.second}::uuid`;
    try {
      const res = await reconcile(keyA, MARCH);
      expect(res.body.status).toBe('unbalanced');
      const d = res.body.differences;
      expect(d.missingUsage).toEqual([tx.second]);
      expect(d.extraUsage).toEqual([]);
      expect(d.mismatched).toEqual([]);
      const key = { connectionId: ehr.id, class: 'hl7.in', environment: 'production', billable: true };
      expect(d.buckets).toEqual([
        { bucketStart: '2026-03-02T10:00:00.000Z', ...key, operation: 'message.in', resourceType: 'Patient', outcome: 'success', rollup: { count: 3, units: 3 }, recount: { count: 2, units: 2 } },
      ]);
      expect(d.periodTotals).toEqual([{ periodId: '2026-03', periodStart: MARCH_PERIOD.start, ...key, stored: { count: 3, units: 3 }, recount: { count: 2, units: 2 } }]);
      // Patient/2 was only in that transaction; the preview still bills its unit.
      expect(d.distinctPatients).toEqual([{ periodId: '2026-03', stored: 2, recount: 1 }]);
      expect(d.preview).toEqual([
        { periodId: '2026-03', quantity: 'hl7.in', preview: 3, expected: 2 },
        { periodId: '2026-03', quantity: 'distinctPatient', preview: 2, expected: 1 },
      ]);
      expect(res.body.usageEvents).toBe(5);
    } finally {
      await prisma.$executeRaw`INSERT INTO "UsageEvent" ("id", "tenantId", "connectionId", "transactionId", "vendor", "operation", "resourceType", "outcome", "durationMs", "occurredAt", "environment", "class", "units", "billable", "nonBillableReason")
        VALUES (${row?.id}::uuid, ${a.tenant.id}::uuid, ${ehr.id}::uuid, ${tx.second}::uuid, 'hl7v2', 'message.in', 'Patient', 'success', 5, ${row?.occurredAt as Date}, 'production', 'hl7.in', 1, true, NULL)`;
    }
    expect((await reconcile(keyA, MARCH)).body.status).toBe('balanced');
  });

  it('reports exactly the transaction and the bucket of a usage event inserted behind the API’s back', async () => {
    const forged = randomUUID();
    await prisma.$executeRaw`INSERT INTO "UsageEvent" ("id", "tenantId", "connectionId", "transactionId", "vendor", "operation", "resourceType", "outcome", "durationMs", "occurredAt", "environment", "class", "units", "billable", "nonBillableReason")
      VALUES (gen_random_uuid(), ${a.tenant.id}::uuid, ${ehr.id}::uuid, ${forged}::uuid, 'hl7v2', 'message.out', 'Patient', 'success', 5, ${new Date('2026-03-20T23:07:00Z')}, 'production', 'hl7.out', 1, true, NULL)`;
    try {
      const res = await reconcile(keyA, MARCH);
      expect(res.body.status).toBe('unbalanced');
      const d = res.body.differences;
      expect(d.extraUsage).toEqual([forged]);
      expect(d.missingUsage).toEqual([]);
      expect(d.mismatched).toEqual([]);
      const key = { connectionId: ehr.id, class: 'hl7.out', environment: 'production', billable: true };
      expect(d.buckets).toEqual([
        { bucketStart: '2026-03-20T23:00:00.000Z', ...key, operation: 'message.out', resourceType: 'Patient', outcome: 'success', rollup: { count: 1, units: 1 }, recount: { count: 2, units: 2 } },
      ]);
      expect(d.periodTotals).toEqual([{ periodId: '2026-03', periodStart: MARCH_PERIOD.start, ...key, stored: { count: 1, units: 1 }, recount: { count: 2, units: 2 } }]);
      expect(d.preview).toEqual([{ periodId: '2026-03', quantity: 'hl7.out', preview: 1, expected: 2 }]);
    } finally {
      await prisma.$executeRaw`DELETE FROM "UsageEvent" WHERE "transactionId" = ${forged}::uuid`;
    }
    expect((await reconcile(keyA, MARCH)).body.status).toBe('balanced');
  });

  it('reports a usage event that disagrees with its audit records as mismatched', async () => {
    await prisma.$executeRaw`UPDATE "UsageEvent" SET "operation" = 'message.out' WHERE "transactionId" = ${tx.failed}::uuid`;
    try {
      const res = await reconcile(keyA, MARCH);
      expect(res.body.differences.mismatched).toEqual([tx.failed]);
      expect(res.body.differences.missingUsage).toEqual([]);
      expect(res.body.differences.extraUsage).toEqual([]);
      // Its bucket moved: the rolled-up key lost it, a new key has it.
      expect(res.body.differences.buckets.map((x: { operation: string; rollup: object; recount: object }) => [x.operation, x.rollup, x.recount])).toEqual([
        ['message.in', { count: 1, units: 1 }, { count: 0, units: 0 }],
        ['message.out', { count: 0, units: 0 }, { count: 1, units: 1 }],
      ]);
    } finally {
      await prisma.$executeRaw`UPDATE "UsageEvent" SET "operation" = 'message.in' WHERE "transactionId" = ${tx.failed}::uuid`;
    }
  });

  it('reports events not yet rolled up as pending, not as differences', async () => {
    const queued = await record(ehr, '2026-03-25T12:00:00Z', 'message.in');
    try {
      const res = await reconcile(keyA, MARCH);
      expect(res.body).toMatchObject({ status: 'balanced', pending: { count: 1, transactionIds: [queued] }, usageEvents: 7, differences: NO_DIFFERENCES });
    } finally {
      await app.get(UsageRollupService).drainAll();
    }
    expect((await reconcile(keyA, MARCH)).body).toMatchObject({ status: 'balanced', pending: { count: 0 } });
  });

  it('lists adjustments as explained differences with their reason, not as errors', async () => {
    const id = randomUUID();
    await prisma.$executeRaw`INSERT INTO "UsageAdjustment" ("id", "tenantId", "requestId", "transactionId", "connectionId", "class", "environment", "occurredAt", "periodStart", "action", "unitsDelta", "reason", "actorType", "actorId")
      VALUES (${id}::uuid, ${a.tenant.id}::uuid, gen_random_uuid(), ${tx.third}::uuid, ${ehr.id}::uuid, 'hl7.in', 'production', ${new Date('2026-03-02T10:10:00Z')}, ${new Date(MARCH_PERIOD.start)}, 'void', -1, 'test message sent by mistake', 'operator', 'operator')`;
    const res = await reconcile(keyA, MARCH);
    expect(res.body.status).toBe('balanced');
    expect(res.body.differences).toEqual(NO_DIFFERENCES);
    expect(res.body.explained).toEqual([
      expect.objectContaining({ id, periodId: '2026-03', transactionId: tx.third, class: 'hl7.in', action: 'void', unitsDelta: -1, reason: 'test message sent by mistake', invoiceId: null }),
    ]);
  });

  it("is tenant-scoped: B reconciles its own usage, never A's, and cannot name A", async () => {
    const res = await reconcile(keyB, MARCH);
    expect(res.body).toMatchObject({ status: 'balanced', tenantId: b.tenant.id, usageEvents: 1, auditTransactions: 1, explained: [] });
    expect(JSON.stringify(res.body)).not.toContain(ehr.id);
    expect((await reconcile(keyB, { ...MARCH, tenantId: a.tenant.id })).status).toBe(404);
  });

  it('lets the operator reconcile a tenant it names, and only then', async () => {
    expect((await reconcile(operatorToken, { ...MARCH, tenantId: a.tenant.id })).body).toMatchObject({ status: 'balanced', tenantId: a.tenant.id, usageEvents: 7 });
    const unnamed = await reconcile(operatorToken, MARCH);
    expect(unnamed.status).toBe(400);
    expect(unnamed.body.issues).toEqual([expect.objectContaining({ path: 'tenantId' })]);
  });

  it.each([
    ['no range', {}, 'from'],
    ['more than 62 days', { from: '2026-01-01T00:00:00Z', to: '2026-03-04T00:00:01Z' }, 'to'],
    ['from after to', { from: MARCH.to, to: MARCH.from }, 'from'],
    ['a date without a time', { from: '2026-03-01', to: MARCH.to }, 'from'],
  ])('refuses %s with 400 validation_failed', async (_name, query, path) => {
    const res = await reconcile(keyA, query as Record<string, string>);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.issues.map((i: { path: string }) => i.path)).toContain(path);
  });
});
