import type { INestApplication } from '@nestjs/common';
import { AuditService } from '@sb/audit';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { PrismaService } from '@sb/db';
import { ApiKeyService } from '@sb/tenancy';
import { createTestingApp, deleteRedisKeys, Fixtures, testRedisPrefix, type TenantFixture } from '@sb/testing';
import { createHash, randomUUID } from 'node:crypto';
import request from 'supertest';
import { AppModule } from '../app.module';

const redisPrefix = testRedisPrefix('billing-plans');

let app: INestApplication;
let operator: string;
let tenantKey: string;
let onPlan: TenantFixture;
let elsewhere: TenantFixture;

const http = () => request(app.getHttpServer());
const post = (path: string, body: unknown, token = operator) => http().post(path).set('authorization', `Bearer ${token}`).send(body as object);
const get = (path: string, token = operator) => http().get(path).set('authorization', `Bearer ${token}`);

/** Sorted keys, no whitespace: an independent canonical JSON for the data of these tests (ASCII strings, integers). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const GRADUATED = [
  { upTo: 1000, unitPrice: '0.10' },
  { upTo: 10000, unitPrice: '0.05' },
  { upTo: null, unitPrice: '0.01' },
];

async function planCount(): Promise<number> {
  return (await get('/v1/plans')).body.items.length;
}

beforeAll(async () => {
  const moduleRef = await createTestingApp([AppModule], { SB_REDIS_PREFIX: redisPrefix });
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  operator = app.get<AppConfig>(APP_CONFIG).adminToken;
  const fixtures = new Fixtures(moduleRef);
  [onPlan, elsewhere] = [await fixtures.newTenant(), await fixtures.newTenant()];
  tenantKey = (await app.get(ApiKeyService).create(onPlan.actor(), onPlan.tenant.id, { name: 'finance', scopes: ['usage:read'] })).key;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await deleteRedisKeys(redisPrefix);
});

describe('POST /v1/plans and quotes (golden numbers)', () => {
  it('prices 15,000 units through graduated tiers 1,000 @ 0.10 / 9,000 @ 0.05 / rest @ 0.01 at $600.00', async () => {
    const created = await post('/v1/plans', { name: 'Growth', currency: 'USD', components: [{ class: 'fhir.read', model: 'graduated', tiers: GRADUATED }] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ version: 1, name: 'Growth', currency: 'USD', definition: { currency: 'USD', components: [{ class: 'fhir.read', model: 'graduated', tiers: GRADUATED }] } });

    const quote = await post(`/v1/plans/${created.body.id}/quote`, { usage: { 'fhir.read': 15000 } });
    expect(quote.status).toBe(200);
    expect(quote.body).toMatchObject({ planId: created.body.id, version: 1, currency: 'USD', subtotal: '600.00', total: '600.00' });
    expect(quote.body.lines).toHaveLength(1);
    const [line] = quote.body.lines;
    expect(line).toMatchObject({ kind: 'usage', class: 'fhir.read', model: 'graduated', quantity: 15000, amount: '600.00' });
    // 1,000 × 0.10 = 100; 9,000 × 0.05 = 450; 5,000 × 0.01 = 50
    expect(line.tiers.map((t: { from: number; upTo: number | null; quantity: number; unitPrice: string }) => [t.from, t.upTo, t.quantity, t.unitPrice])).toEqual([
      [1, 1000, 1000, '0.10'],
      [1001, 10000, 9000, '0.05'],
      [10001, null, 5000, '0.01'],
    ]);
    expect(line.tiers.map((t: { amount: string }) => Number(t.amount))).toEqual([100, 450, 50]);
  });

  it('prices the same 15,000 units as volume tiers at $150.00 (all units at the 0.01 tier)', async () => {
    const created = await post('/v1/plans', { name: 'Volume', currency: 'USD', components: [{ class: 'fhir.read', model: 'volume', tiers: GRADUATED }] });
    const quote = await post(`/v1/plans/${created.body.id}/quote`, { usage: { 'fhir.read': 15000 } });
    expect(quote.body.total).toBe('150.00');
    expect(quote.body.lines[0]).toMatchObject({ quantity: 15000, amount: '150.00', tiers: [{ from: 10001, upTo: null, quantity: 15000, unitPrice: '0.01' }] });
  });

  it('bills a $20 true-up when 3 active connections at $10 fall under a $50 minimum', async () => {
    const created = await post('/v1/plans', { name: 'Minimum', currency: 'USD', components: [{ class: 'activeConnection', model: 'unit', unitPrice: '10.00' }], minimumCommitment: '50.00' });
    const quote = await post(`/v1/plans/${created.body.id}/quote`, { usage: {}, activeConnections: 3 });
    expect(quote.body.subtotal).toBe('30.00');
    expect(quote.body.total).toBe('50.00');
    expect(quote.body.lines).toEqual([
      expect.objectContaining({ kind: 'usage', class: 'activeConnection', quantity: 3, amount: '30.00' }),
      expect.objectContaining({ kind: 'minimumTrueUp', class: null, amount: '20.00' }),
    ]);
  });

  it('stores the definition hash as the SHA-256 of its canonical JSON', async () => {
    const body = { name: 'Hashed', currency: 'USD', components: [{ class: 'hl7.in', model: 'package', unitPrice: '5.00', packageSize: 100, includedUnits: 1000 }], cap: '900.00' };
    const created = await post('/v1/plans', body);
    const plan = await get(`/v1/plans/${created.body.id}`);
    expect(plan.status).toBe(200);
    const { name: _name, ...definition } = body;
    expect(plan.body.versions).toEqual([expect.objectContaining({ version: 1, definition, definitionHash: createHash('sha256').update(canonical(definition)).digest('hex'), createdBy: 'operator:operator' })]);
  });

  it.each([
    ['overlapping tiers', { components: [{ class: 'fhir.read', model: 'graduated', tiers: [{ upTo: 100, unitPrice: '0.10' }, { upTo: 50, unitPrice: '0.05' }, { upTo: null, unitPrice: '0.01' }] }] }, 'components.0.tiers.1.upTo'],
    ['a negative price', { components: [{ class: 'fhir.read', model: 'unit', unitPrice: '-0.10' }] }, 'components.0.unitPrice'],
    ['a price that is not a decimal string', { components: [{ class: 'fhir.read', model: 'unit', unitPrice: '1e-3' }] }, 'components.0.unitPrice'],
    ['a float price', { components: [{ class: 'fhir.read', model: 'unit', unitPrice: 0.1 }] }, 'components.0.unitPrice'],
    ['an unknown class', { components: [{ class: 'fhir.delete', model: 'unit', unitPrice: '0.10' }] }, 'components.0.class'],
    ['an unknown currency', { currency: 'XYZ', components: [] }, 'currency'],
    ['two components for one class', { components: [{ class: 'fhir.read', model: 'unit', unitPrice: '0.10' }, { class: 'fhir.read', model: 'unit', unitPrice: '0.20' }] }, 'components.1.class'],
    ['tiers on a unit price', { components: [{ class: 'fhir.read', model: 'unit', unitPrice: '0.10', tiers: GRADUATED }] }, 'components.0.tiers'],
    ['a last tier with a bound', { components: [{ class: 'fhir.read', model: 'volume', tiers: [{ upTo: 100, unitPrice: '0.10' }] }] }, 'components.0.tiers.0.upTo'],
  ])('refuses %s with 400 validation_failed naming the path, and writes nothing', async (_name, patch, path) => {
    const before = await planCount();
    const res = await post('/v1/plans', { name: 'Bad', currency: 'USD', ...patch });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.issues.map((i: { path: string }) => i.path)).toContain(path);
    expect(await planCount()).toBe(before);
  });

  it('is for the operator only', async () => {
    expect((await post('/v1/plans', { name: 'X', currency: 'USD', components: [] }, tenantKey)).status).toBe(403);
    expect((await get('/v1/plans', tenantKey)).status).toBe(403);
  });

  it('answers 404 for an unknown plan or version', async () => {
    expect((await get(`/v1/plans/${randomUUID()}`)).status).toBe(404);
    expect((await post(`/v1/plans/${randomUUID()}/quote`, { usage: {} })).status).toBe(404);
    const created = await post('/v1/plans', { name: 'One version', currency: 'USD', components: [] });
    expect((await post(`/v1/plans/${created.body.id}/quote`, { usage: {}, version: 2 })).status).toBe(404);
  });

  it('refuses a quote with an unknown class or a negative count', async () => {
    const created = await post('/v1/plans', { name: 'Q', currency: 'USD', components: [] });
    expect((await post(`/v1/plans/${created.body.id}/quote`, { usage: { 'fhir.nope': 1 } })).body.code).toBe('validation_failed');
    expect((await post(`/v1/plans/${created.body.id}/quote`, { usage: {}, activeConnections: -1 })).body.code).toBe('validation_failed');
  });
});

describe('POST /v1/plans/{id}/versions', () => {
  it('writes version 2; tenants on the plan keep version 1 for the current period and move to 2 from the next, with an audit record each', async () => {
    const created = await post('/v1/plans', { name: 'Versioned', currency: 'USD', components: [{ class: 'fhir.read', model: 'unit', unitPrice: '0.10' }] });
    const planId = created.body.id as string;
    const assigned = await http().put(`/v1/tenants/${onPlan.tenant.id}/billing`).set('authorization', `Bearer ${operator}`).send({ planId, timezone: 'UTC', anchorDay: 1, currency: 'USD' });
    expect(assigned.status).toBe(200);

    const v2 = await post(`/v1/plans/${planId}/versions`, { currency: 'USD', components: [{ class: 'fhir.read', model: 'unit', unitPrice: '0.20' }] });
    expect(v2.status).toBe(201);
    expect(v2.body).toEqual({ id: planId, version: 2 });

    const now = new Date();
    const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString();
    const billing = await get(`/v1/tenants/${onPlan.tenant.id}/billing`);
    expect(billing.body.current).toMatchObject({ planId, planVersion: 1 });
    expect(billing.body.upcoming).toMatchObject({ planId, planVersion: 2, effectiveFrom: nextMonth, timezone: 'UTC', anchorDay: 1, currency: 'USD', graceMinutes: 60 });

    const quoteV2 = await post(`/v1/plans/${planId}/quote`, { usage: { 'fhir.read': 10 } });
    expect(quoteV2.body).toMatchObject({ version: 2, total: '2.00' });
    expect((await post(`/v1/plans/${planId}/quote`, { usage: { 'fhir.read': 10 }, version: 1 })).body).toMatchObject({ version: 1, total: '1.00' });

    const audit = app.get(AuditService);
    const records = await audit.list(onPlan.tenant.id, { limit: 100 });
    expect(records.filter((r) => r.operation === 'billing.plan_version')).toEqual([
      expect.objectContaining({ objectRef: `billing/plans/${planId}/versions/2`, purpose: 'billing', patientRef: null, connectionId: null, actorType: 'operator' }),
    ]);
    expect((await audit.list(elsewhere.tenant.id, { limit: 100 })).filter((r) => r.operation.startsWith('billing.'))).toEqual([]);

    const plan = await get(`/v1/plans/${planId}`);
    expect(plan.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect(plan.body.latestVersion).toBe(2);
  });

  it('refuses a version in another currency (currency_mismatch) and an invalid one, writing nothing', async () => {
    const created = await post('/v1/plans', { name: 'Fixed currency', currency: 'USD', components: [] });
    const other = await post(`/v1/plans/${created.body.id}/versions`, { currency: 'EUR', components: [] });
    expect(other.status).toBe(400);
    expect(other.body.code).toBe('currency_mismatch');
    const bad = await post(`/v1/plans/${created.body.id}/versions`, { currency: 'USD', components: [{ class: 'fhir.read', model: 'unit' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
    expect((await get(`/v1/plans/${created.body.id}`)).body.versions).toHaveLength(1);
    expect((await post(`/v1/plans/${randomUUID()}/versions`, { currency: 'USD', components: [] })).status).toBe(404);
  });

  it('never changes a stored version (the database refuses)', async () => {
    const created = await post('/v1/plans', { name: 'Immutable', currency: 'USD', components: [] });
    const prisma = app.get(PrismaService);
    await expect(prisma.billingPlanVersion.updateMany({ where: { planId: created.body.id }, data: { definitionHash: 'x' } })).rejects.toThrow(/immutable/);
    await expect(prisma.billingPlanVersion.deleteMany({ where: { planId: created.body.id } })).rejects.toThrow(/immutable/);
  });
});
