import type { INestApplication } from '@nestjs/common';
import { AuditService } from '@sb/audit';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { CallRecordRepository, ConnectionRepository, Database, PrismaService, type Connection } from '@sb/db';
import { UsageRollupService } from '@sb/metering';
import { ApiKeyService } from '@sb/tenancy';
import { createTestingApp, deleteRedisKeys, Fixtures, testRedisPrefix, type TenantFixture } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AppModule } from '../app.module';

const redisPrefix = testRedisPrefix('billing-tenant-terms');

let app: INestApplication;
let fixtures: Fixtures;
let operator: string;
let usdPlan: string;
let eurPlan: string;
let a: TenantFixture;
let b: TenantFixture;
let keyA: string;
let keyB: string;

const http = () => request(app.getHttpServer());
const put = (tenantId: string, body: object, token = operator) => http().put(`/v1/tenants/${tenantId}/billing`).set('authorization', `Bearer ${token}`).send(body);
const get = (path: string, token = operator) => http().get(path).set('authorization', `Bearer ${token}`);

const HOUR_MS = 3_600_000;
/** The start of the calendar month holding `now` in a zone with a fixed offset (hours east of UTC), as a UTC instant. */
function monthStartAtOffset(now: Date, offsetHours: number, monthsAhead = 0): string {
  const local = new Date(now.getTime() + offsetHours * HOUR_MS);
  return new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + monthsAhead, 1) - offsetHours * HOUR_MS).toISOString();
}

async function termsRows(tenantId: string): Promise<number> {
  return app.get(PrismaService).tenantBilling.count({ where: { tenantId } });
}

beforeAll(async () => {
  const moduleRef = await createTestingApp([AppModule], { SB_REDIS_PREFIX: redisPrefix });
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  operator = app.get<AppConfig>(APP_CONFIG).adminToken;
  fixtures = new Fixtures(moduleRef);
  [a, b] = [await fixtures.newTenant(), await fixtures.newTenant()];
  const keys = app.get(ApiKeyService);
  keyA = (await keys.create(a.actor(), a.tenant.id, { name: 'finance', scopes: ['usage:read'] })).key;
  keyB = (await keys.create(b.actor(), b.tenant.id, { name: 'finance', scopes: ['usage:read'] })).key;
  const plan = (currency: string) =>
    http().post('/v1/plans').set('authorization', `Bearer ${operator}`).send({ name: `Plan ${currency}`, currency, components: [{ class: 'fhir.read', model: 'unit', unitPrice: '0.10' }] });
  usdPlan = (await plan('USD')).body.id;
  eurPlan = (await plan('EUR')).body.id;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await deleteRedisKeys(redisPrefix);
});

describe('PUT /v1/tenants/{id}/billing', () => {
  it('applies a tenant’s first terms from the start of the current period under the new schedule, recounting its usage there', async () => {
    // A billable read a minute ago, rolled up under the default schedule (UTC months) before any terms.
    const prod = await app.get(Database).transaction((tx) => app.get(ConnectionRepository).create(tx, a.tenant.id, { name: 'EHR', vendor: 'fhir', environment: 'production', status: 'draft' }));
    await read(prod, new Date(Date.now() - 60_000));
    await app.get(UsageRollupService).drainAll();

    const now = new Date();
    const res = await put(a.tenant.id, { planId: usdPlan, timezone: 'Asia/Kolkata', anchorDay: 1, currency: 'USD' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      tenantId: a.tenant.id,
      planId: usdPlan,
      planVersion: 1,
      timezone: 'Asia/Kolkata',
      anchorDay: 1,
      currency: 'USD',
      graceMinutes: 60,
      effectiveFrom: monthStartAtOffset(now, 5.5), // local 00:00 of the 1st in Kolkata (UTC+05:30)
    });

    const preview = await get('/v1/billing/invoices/preview', keyA);
    expect(preview.body.period).toMatchObject({ start: monthStartAtOffset(now, 5.5), end: monthStartAtOffset(now, 5.5, 1), timezone: 'Asia/Kolkata' });
    expect(preview.body.quantities.usage).toEqual({ 'fhir.read': 1 });
    expect(preview.body).toMatchObject({ plan: { id: usdPlan, version: 1 }, total: '0.10' });

    const records = await app.get(AuditService).list(a.tenant.id, { limit: 100 });
    expect(records.filter((r) => r.operation === 'billing.assign')).toEqual([expect.objectContaining({ purpose: 'billing', patientRef: null, connectionId: null, actorType: 'operator', objectRef: expect.stringMatching(/^billing\/terms\//) })]);
  });

  it('applies any later change from the next period, and GET shows current, upcoming and history', async () => {
    const now = new Date();
    const res = await put(a.tenant.id, { planId: usdPlan, timezone: 'America/New_York', anchorDay: 15, currency: 'USD', graceMinutes: 0 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ timezone: 'America/New_York', anchorDay: 15, graceMinutes: 0, effectiveFrom: monthStartAtOffset(now, 5.5, 1) });

    const billing = await get(`/v1/tenants/${a.tenant.id}/billing`, keyA);
    expect(billing.status).toBe(200);
    expect(billing.body.current).toMatchObject({ timezone: 'Asia/Kolkata', anchorDay: 1 });
    expect(billing.body.upcoming).toMatchObject({ timezone: 'America/New_York', anchorDay: 15, effectiveFrom: monthStartAtOffset(now, 5.5, 1) });
    expect(billing.body.history).toHaveLength(2);
    expect(billing.body.currentPeriod).toMatchObject({ start: monthStartAtOffset(now, 5.5), end: monthStartAtOffset(now, 5.5, 1), timezone: 'Asia/Kolkata' });
    expect((await get(`/v1/tenants/${a.tenant.id}/billing`)).status).toBe(200);
  });

  it.each([
    ['a timezone that is not IANA', { timezone: 'EST5EDT' }, 'timezone'],
    ['an offset as timezone', { timezone: '+05:00' }, 'timezone'],
    ['anchor day 0', { anchorDay: 0 }, 'anchorDay'],
    ['anchor day 32', { anchorDay: 32 }, 'anchorDay'],
    ['a grace over 3 days', { graceMinutes: 4321 }, 'graceMinutes'],
    ['a negative grace', { graceMinutes: -1 }, 'graceMinutes'],
    ['an unknown currency', { currency: 'ABC' }, 'currency'],
    ['a malformed plan id', { planId: 'plan-1' }, 'planId'],
  ])('refuses %s with 400 validation_failed and writes nothing', async (_name, patch, path) => {
    const rows = await termsRows(b.tenant.id);
    const res = await put(b.tenant.id, { planId: usdPlan, timezone: 'UTC', anchorDay: 1, currency: 'USD', ...patch });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.issues.map((i: { path: string }) => i.path)).toContain(path);
    expect(await termsRows(b.tenant.id)).toBe(rows);
  });

  it('refuses a currency that is not the plan’s with 400 currency_mismatch, an unknown plan or tenant with 404', async () => {
    const mismatch = await put(b.tenant.id, { planId: eurPlan, timezone: 'UTC', anchorDay: 1, currency: 'USD' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.code).toBe('currency_mismatch');
    expect((await put(b.tenant.id, { planId: randomUUID(), timezone: 'UTC', anchorDay: 1, currency: 'USD' })).status).toBe(404);
    expect((await put(randomUUID(), { planId: usdPlan, timezone: 'UTC', anchorDay: 1, currency: 'USD' })).status).toBe(404);
    expect(await termsRows(b.tenant.id)).toBe(0);
  });

  it('is for the operator only; a tenant reads its own billing and gets 404 for another’s', async () => {
    expect((await put(a.tenant.id, { planId: usdPlan, timezone: 'UTC', anchorDay: 1, currency: 'USD' }, keyA)).status).toBe(403);
    expect((await get(`/v1/tenants/${a.tenant.id}/billing`, keyB)).status).toBe(404);
    const own = await get(`/v1/tenants/${b.tenant.id}/billing`, keyB);
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ tenantId: b.tenant.id, current: null, upcoming: null, history: [], currentPeriod: { timezone: 'UTC', start: monthStartAtOffset(new Date(), 0) } });
  });
});

async function read(connection: Connection, occurredAt: Date): Promise<void> {
  const transactionId = randomUUID();
  await app.get(CallRecordRepository).record(
    { tenantId: connection.tenantId, connectionId: connection.id, transactionId, vendor: connection.vendor, operation: 'read', resourceType: 'Patient', outcome: 'success', durationMs: 5, occurredAt, environment: connection.environment, actorType: 'system', actorId: 'billing-test', purpose: null },
    [],
  );
}
