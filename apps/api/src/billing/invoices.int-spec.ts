import type { INestApplication } from '@nestjs/common';
import { AuditService } from '@sb/audit';
import { BillingSummaryExport, InvoiceCloser } from '@sb/billing';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { ConnectionService } from '@sb/connections';
import { BillingPlanRepository, CallRecordRepository, ConnectionRepository, Database, PrismaService, type Connection } from '@sb/db';
import { UsageRollupService } from '@sb/metering';
import { ApiKeyService } from '@sb/tenancy';
import { createTestingApp, deleteRedisKeys, Fixtures, testRedisPrefix, type TenantFixture } from '@sb/testing';
import { createHash, randomUUID } from 'node:crypto';
import request from 'supertest';
import { AppModule } from '../app.module';

const redisPrefix = testRedisPrefix('billing-invoices');

let app: INestApplication;
let fixtures: Fixtures;
let operator: string;
let a: TenantFixture;
let b: TenantFixture;
let keyA: string;
let keyB: string;
let planId: string;
let prod1: Connection;
let prod2: Connection;
/** prod1's Oct reads, in the order written (the first four get voided after the close). */
const octReads: string[] = [];
let novRead: string;

const http = () => request(app.getHttpServer());
const as = (token: string) => ({
  get: (path: string) => http().get(path).set('authorization', `Bearer ${token}`),
  post: (path: string, body: object) => http().post(path).set('authorization', `Bearer ${token}`).send(body),
});

/** One usage event (and its audit record) written the way the pipeline writes them. */
async function record(connection: Connection, at: string, operation: string, options: { outcome?: 'success' | 'error'; patients?: string[] } = {}): Promise<string> {
  const transactionId = randomUUID();
  const occurredAt = new Date(at);
  const outcome = options.outcome ?? 'success';
  await app.get(CallRecordRepository).record(
    { tenantId: connection.tenantId, connectionId: connection.id, transactionId, vendor: connection.vendor, operation, resourceType: 'Patient', outcome, durationMs: 5, occurredAt, environment: connection.environment, actorType: 'system', actorId: 'billing-test', purpose: null },
    options.patients ?? [],
  );
  return transactionId;
}

async function productionConnection(tenantId: string, name: string): Promise<Connection> {
  return app.get(Database).transaction((tx) => app.get(ConnectionRepository).create(tx, tenantId, { name, vendor: 'fhir', environment: 'production', status: 'draft' }));
}

/** Terms written straight into the history with a past effectiveFrom (the API only ever sets now or the next period). */
async function termsFrom(tenantId: string, effectiveFrom: string, schedule: { timezone: string; anchorDay: number }) {
  const plans = app.get(BillingPlanRepository);
  await app.get(Database).transaction(async (tx) => {
    await plans.lockTenant(tx, tenantId);
    await plans.insertTerms(tx, { tenantId, planId, planVersion: 1, ...schedule, currency: 'USD', graceMinutes: 60, effectiveFrom: new Date(effectiveFrom), createdBy: 'test' });
  });
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const invoiceSeq = (number: string) => Number(/^SB-(\d{6,})$/.exec(number)?.[1]);

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

  const plan = await as(operator).post('/v1/plans', {
    name: 'Hospital network',
    currency: 'USD',
    components: [
      { class: 'fhir.read', model: 'graduated', tiers: [{ upTo: 2, unitPrice: '1.00' }, { upTo: null, unitPrice: '0.50' }] },
      { class: 'fhir.search', model: 'unit', unitPrice: '0.25', includedUnits: 1 },
      { class: 'activeConnection', model: 'unit', unitPrice: '10.00' },
      { class: 'distinctPatient', model: 'unit', unitPrice: '0.10' },
      { class: 'connectionGoLive', model: 'unit', unitPrice: '100.00' },
    ],
    minimumCommitment: '20.00',
  });
  planId = plan.body.id;
  // New York, anchor 1, from September 2026: Sep [09-01T04:00Z, 10-01T04:00Z), Oct [.., 11-01T04:00Z), Nov [.., 12-01T05:00Z) (DST ends Nov 1).
  await termsFrom(a.tenant.id, '2026-09-01T04:00:00Z', { timezone: 'America/New_York', anchorDay: 1 });

  prod1 = await productionConnection(a.tenant.id, 'Main EHR');
  prod2 = await productionConnection(a.tenant.id, 'Clinic EHR');
  await app.get(PrismaService).connection.update({ where: { id: prod2.id }, data: { wentLiveAt: new Date('2026-10-15T12:00:00Z') } });

  await record(prod1, '2026-10-01T03:59:59.999Z', 'read'); // Sep 30 23:59:59.999 EDT: September
  octReads.push(await record(prod1, '2026-10-01T04:00:00.000Z', 'read', { patients: ['Patient/a'] })); // Oct 1 00:00 EDT: October
  octReads.push(await record(prod1, '2026-10-02T10:00:00Z', 'read', { patients: ['Patient/b'] }));
  octReads.push(await record(prod1, '2026-10-03T10:00:00Z', 'read', { patients: ['Patient/a'] }));
  octReads.push(await record(prod1, '2026-10-04T10:00:00Z', 'read'));
  octReads.push(await record(prod1, '2026-10-05T10:00:00Z', 'read'));
  await record(prod1, '2026-10-06T10:00:00Z', 'search');
  await record(prod1, '2026-10-07T10:00:00Z', 'search');
  await record(prod2, '2026-10-20T12:00:00Z', 'read');
  await record(prod1, '2026-10-21T12:00:00Z', 'read', { outcome: 'error' }); // failed: never billable
  await record(a.echo, '2026-10-22T12:00:00Z', 'read'); // sandbox: never billable
  novRead = await record(prod1, '2026-11-01T04:00:00Z', 'read'); // Nov 1 00:00 EDT
  await record(prod1, '2026-12-01T04:59:59.999Z', 'read'); // Nov 30 23:59:59.999 EST: November
  await record(prod1, '2026-12-01T05:00:00Z', 'read'); // Dec 1 00:00 EST: December
  await app.get(UsageRollupService).drainAll();
}, 120_000);

afterAll(async () => {
  await app?.close();
  await deleteRedisKeys(redisPrefix);
});

const OCT_LINES = [
  { kind: 'usage', class: 'fhir.read', model: 'graduated', quantity: 6, amount: '4.00' }, // 2 × 1.00 + 4 × 0.50
  { kind: 'usage', class: 'fhir.search', model: 'unit', quantity: 2, includedUnits: 1, amount: '0.25' }, // (2 − 1) × 0.25
  { kind: 'usage', class: 'activeConnection', model: 'unit', quantity: 2, amount: '20.00' },
  { kind: 'usage', class: 'distinctPatient', model: 'unit', quantity: 2, amount: '0.20' },
  { kind: 'usage', class: 'connectionGoLive', model: 'unit', quantity: 1, amount: '100.00' },
];

describe('GET /v1/billing/invoices/preview', () => {
  it('is the hand-computed draft of a period: billable units per class, active connections, distinct patients, connections gone live', async () => {
    const res = await as(keyA).get('/v1/billing/invoices/preview?period=2026-10');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      tenantId: a.tenant.id,
      status: 'draft',
      invoice: null,
      period: { id: '2026-10', start: '2026-10-01T04:00:00.000Z', end: '2026-11-01T04:00:00.000Z', timezone: 'America/New_York' },
      plan: { id: planId, name: 'Hospital network', version: 1 },
      currency: 'USD',
      quantities: { usage: { 'fhir.read': 6, 'fhir.search': 2 }, activeConnections: 2, distinctPatients: 2, newLiveConnections: 1 },
      subtotal: '124.45',
      total: '124.45',
    });
    expect(res.body.lines).toEqual(OCT_LINES.map((l) => expect.objectContaining(l)));
    expect(res.body.lines[0].tiers).toEqual([
      expect.objectContaining({ from: 1, upTo: 2, quantity: 2, unitPrice: '1.00' }),
      expect.objectContaining({ from: 3, upTo: null, quantity: 4, unitPrice: '0.50' }),
    ]);
    expect(Date.parse(res.body.dataRefreshedAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('adds the minimum-commitment true-up to a small period (September: 1 read, 1 active connection)', async () => {
    const res = await as(operator).get(`/v1/billing/invoices/preview?period=2026-09&tenantId=${a.tenant.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ period: { id: '2026-09', start: '2026-09-01T04:00:00.000Z', end: '2026-10-01T04:00:00.000Z' }, subtotal: '11.00', total: '20.00' });
    expect(res.body.lines.at(-1)).toMatchObject({ kind: 'minimumTrueUp', amount: '9.00' });
  });

  it('shows a tenant without billing terms plan null, no lines and a total of 0 in USD', async () => {
    const res = await as(keyB).get('/v1/billing/invoices/preview');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tenantId: b.tenant.id, status: 'draft', plan: null, currency: 'USD', lines: [], subtotal: '0', total: '0' });
  });

  it('needs a tenantId from the operator, and refuses a malformed or future period', async () => {
    expect((await as(operator).get('/v1/billing/invoices/preview')).status).toBe(400);
    expect((await as(keyA).get('/v1/billing/invoices/preview?period=2026-13')).status).toBe(404);
    expect((await as(keyA).get('/v1/billing/invoices/preview?period=March')).body.code).toBe('validation_failed');
    expect((await as(keyA).get('/v1/billing/invoices/preview?period=2099-01')).status).toBe(404);
  });
});

describe('closing periods', () => {
  let sep: { id: string; number: string };
  let oct: { id: string; number: string; sha256: string };

  it('refuses a period that has not ended with 409 period_open', async () => {
    const res = await as(operator).post('/v1/billing/invoices/close', { tenantId: a.tenant.id, period: '2099-01' });
    expect(res.status).toBe(404);
    const current = (await as(keyA).get('/v1/billing/invoices/preview')).body.period.id as string;
    const open = await as(operator).post('/v1/billing/invoices/close', { tenantId: a.tenant.id, period: current });
    expect(open.status).toBe(409);
    expect(open.body.code).toBe('period_open');
  });

  it('finalizes with sequential numbers, the SHA-256 of the stored canonical document and a PDF', async () => {
    const first = await as(operator).post('/v1/billing/invoices/close', { tenantId: a.tenant.id, period: '2026-09' });
    expect(first.status).toBe(201);
    const second = await as(operator).post('/v1/billing/invoices/close', { tenantId: a.tenant.id, period: '2026-10' });
    expect(second.status).toBe(201);
    sep = first.body;
    oct = second.body;
    expect(invoiceSeq(oct.number)).toBe(invoiceSeq(sep.number) + 1);
    expect(second.body).toMatchObject({ tenantId: a.tenant.id, period: { id: '2026-10', timezone: 'America/New_York' }, currency: 'USD', planId, planVersion: 1, total: '124.45' });

    const detail = await as(keyA).get(`/v1/billing/invoices/${oct.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.sha256).toBe(sha256(detail.body.document));
    expect(detail.body.lines).toEqual(OCT_LINES.map((l) => expect.objectContaining(l)));
    const doc = JSON.parse(detail.body.document);
    expect(doc).toMatchObject({ number: oct.number, tenant: { id: a.tenant.id }, period: { id: '2026-10' }, plan: { id: planId, version: 1 }, currency: 'USD', total: '124.45' });
    expect(Object.keys(doc)).toEqual([...Object.keys(doc)].sort()); // canonical: sorted keys

    const pdf = await as(keyA).get(`/v1/billing/invoices/${oct.id}/pdf`).buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const pdfText = (pdf.body as Buffer).toString('latin1');
    expect(pdfText.startsWith('%PDF-')).toBe(true);
    expect(pdfText).toContain(oct.number);
    expect(pdfText).toContain(detail.body.sha256); // the document it was rendered from

    const records = await app.get(AuditService).list(a.tenant.id, { limit: 500 });
    expect(records.filter((r) => r.operation === 'billing.close').map((r) => r.objectRef)).toEqual([`billing/invoices/${sep.id}`, `billing/invoices/${oct.id}`]);
  });

  it('refuses a second close with 409 already_closed, and the preview of a closed period is its invoice', async () => {
    const again = await as(operator).post('/v1/billing/invoices/close', { tenantId: a.tenant.id, period: '2026-10' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('already_closed');
    const preview = await as(keyA).get('/v1/billing/invoices/preview?period=2026-10');
    expect(preview.body).toMatchObject({ status: 'final', invoice: { id: oct.id, number: oct.number, sha256: oct.sha256 }, total: '124.45' });
  });

  it('lets only one of two concurrent closes of a period through', async () => {
    const tenant = await fixtures.newTenant();
    await termsFrom(tenant.tenant.id, '2026-11-01T00:00:00Z', { timezone: 'UTC', anchorDay: 1 });
    const close = () => as(operator).post('/v1/billing/invoices/close', { tenantId: tenant.tenant.id, period: '2026-11' });
    const statuses = (await Promise.all([close(), close()])).map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409]);
    expect((await as(operator).get(`/v1/billing/invoices?tenantId=${tenant.tenant.id}`)).body.items).toHaveLength(1);
  });

  it('never changes an invoice: after a later adjustment it is unchanged and the next draft carries a correction line linked to it', async () => {
    const before = (await as(keyA).get(`/v1/billing/invoices/${oct.id}`)).body;
    const voided = await as(operator)
      .post('/v1/usage/adjustments', { tenantId: a.tenant.id, transactionIds: octReads.slice(0, 4), action: 'void', reason: 'duplicate reads sent by the EHR' })
      .set('idempotency-key', randomUUID());
    expect(voided.status).toBeLessThan(300);
    const amended = await as(operator)
      .post('/v1/usage/adjustments', { tenantId: a.tenant.id, transactionIds: [novRead], action: 'amend', units: 5, reason: 'a bulk read of five' })
      .set('idempotency-key', randomUUID());
    expect(amended.status).toBeLessThan(300);

    const after = (await as(keyA).get(`/v1/billing/invoices/${oct.id}`)).body;
    expect(after).toEqual(before);
    await expect(app.get(PrismaService).invoice.updateMany({ where: { id: oct.id }, data: { total: '0.00' } })).rejects.toThrow(/immutable/);

    // November: reads 1 (amended to 5) + 1 = 6 → 4.00; 1 active connection 10.00; subtotal 14.00, true-up 6.00.
    // October re-rated without 4 voided reads: 2 reads → 2.00 instead of 4.00: a −2.00 correction.
    const nov = await as(keyA).get('/v1/billing/invoices/preview?period=2026-11');
    expect(nov.body).toMatchObject({ status: 'draft', quantities: { usage: { 'fhir.read': 6 }, activeConnections: 1 }, subtotal: '14.00', total: '18.00' });
    expect(nov.body.lines.filter((l: { kind: string }) => l.kind !== 'usage')).toEqual([
      expect.objectContaining({ kind: 'minimumTrueUp', amount: '6.00' }),
      expect.objectContaining({ kind: 'correction', class: 'fhir.read', quantity: -4, amount: '-2.00', invoiceId: oct.id, period: '2026-10' }),
    ]);
  });

  it('the closer finalizes every period due (grace over), oldest first, once; the correction goes with the first invoice', async () => {
    const closer = app.get(InvoiceCloser);
    expect(await closer.closeDue()).toBeGreaterThanOrEqual(1);
    expect(await closer.closeDue()).toBe(0);
    const list = await as(keyA).get('/v1/billing/invoices');
    expect(list.body.items.map((i: { period: { id: string } }) => i.period.id).slice(0, 3)).toEqual(['2026-11', '2026-10', '2026-09']);
    const novId = list.body.items[0].id as string;
    const nov = (await as(keyA).get(`/v1/billing/invoices/${novId}`)).body;
    expect(nov).toMatchObject({ total: '18.00', subtotal: '14.00' });
    expect(invoiceSeq(nov.number)).toBeGreaterThan(invoiceSeq(oct.number));
    expect(nov.lines.at(-1)).toMatchObject({ kind: 'correction', invoiceId: oct.id, amount: '-2.00' });

    const december = await as(keyA).get('/v1/billing/invoices/preview');
    expect(december.body.lines.filter((l: { kind: string }) => l.kind === 'correction')).toEqual([]);
  });

  it('counts a production connection going live once, in the period it first went live', async () => {
    const connections = app.get(ConnectionService);
    const live = await productionConnection(a.tenant.id, 'Lab EHR');
    const tested = new Date();
    await app.get(ConnectionRepository).recordHealth(a.tenant.id, live.id, { lastTestedAt: tested, lastSuccessAt: tested });
    await connections.setStatus(a.tenant.id, live.id, 'testing');
    await connections.setStatus(a.tenant.id, live.id, 'live');
    const first = await app.get(PrismaService).connection.findUniqueOrThrow({ where: { id: live.id } });
    expect(first.wentLiveAt).not.toBeNull();
    await connections.setStatus(a.tenant.id, live.id, 'testing');
    await connections.setStatus(a.tenant.id, live.id, 'live');
    expect((await app.get(PrismaService).connection.findUniqueOrThrow({ where: { id: live.id } })).wentLiveAt).toEqual(first.wentLiveAt);
    // the sandbox echo connection never counts
    expect((await app.get(PrismaService).connection.findUniqueOrThrow({ where: { id: a.echo.id } })).wentLiveAt).toBeNull();
    const december = await as(keyA).get('/v1/billing/invoices/preview');
    expect(december.body.quantities.newLiveConnections).toBe(1);
    expect(december.body.lines).toContainEqual(expect.objectContaining({ class: 'connectionGoLive', quantity: 1, amount: '100.00' }));
  });

  it('exports the billing summary as CSV whose line amounts sum to each invoice total to the cent', async () => {
    const csv = await app.get(BillingSummaryExport).csv(a.tenant.id, { from: new Date('2026-09-01T04:00:00Z'), to: new Date('2027-01-01T00:00:00Z') });
    const rows = csv.split('\r\n');
    expect(rows[0]).toBe('period_id,period_start,period_end,line_kind,class,quantity,included_units,tier_from,tier_up_to,tier_quantity,unit_price,tier_amount,line_amount,currency,invoice_number');
    expect(rows.at(-1)).toBe('');
    const body = rows.slice(1, -1).map((r) => r.split(','));
    const cents = new Map<string, number>();
    for (const r of body) if (r[12] !== '') cents.set(r[0], (cents.get(r[0]) ?? 0) + Math.round(Number(r[12]) * 100));
    expect(cents.get('2026-09')).toBe(2000);
    expect(cents.get('2026-10')).toBe(12445);
    expect(cents.get('2026-11')).toBe(1800);
    const octRead = body.filter((r) => r[0] === '2026-10' && r[4] === 'fhir.read');
    expect(octRead).toEqual([
      ['2026-10', '2026-10-01T00:00:00-04:00', '2026-11-01T00:00:00-04:00', 'usage', 'fhir.read', '6', '', '1', '2', '2', '1.00', expect.any(String), '4.00', 'USD', oct.number],
      ['2026-10', '2026-10-01T00:00:00-04:00', '2026-11-01T00:00:00-04:00', 'usage', 'fhir.read', '6', '', '3', '', '4', '0.50', expect.any(String), '', 'USD', oct.number],
    ]);
    expect(body.find((r) => r[0] === '2026-11')?.[2]).toBe('2026-12-01T00:00:00-05:00');
    const draftRows = body.filter((r) => r[0] === '2026-12');
    expect(draftRows.length).toBeGreaterThan(0);
    expect(draftRows.every((r) => r[14] === '')).toBe(true);
  });
});

describe('tenant isolation', () => {
  it('answers 404 to another tenant on every tenant-readable billing route', async () => {
    const [invoice] = (await as(keyA).get('/v1/billing/invoices')).body.items as { id: string }[];
    expect((await as(keyB).get(`/v1/billing/invoices/${invoice.id}`)).status).toBe(404);
    expect((await as(keyB).get(`/v1/billing/invoices/${invoice.id}/pdf`)).status).toBe(404);
    expect((await as(keyB).get(`/v1/billing/invoices?tenantId=${a.tenant.id}`)).status).toBe(404);
    expect((await as(keyB).get(`/v1/billing/invoices/preview?tenantId=${a.tenant.id}`)).status).toBe(404);
    expect((await as(keyB).get(`/v1/tenants/${a.tenant.id}/billing`)).status).toBe(404);
    expect((await as(keyB).get('/v1/billing/invoices')).body.items).toEqual([]);
  });

  it('keeps closing and plan routes for the operator', async () => {
    expect((await as(keyA).post('/v1/billing/invoices/close', { tenantId: a.tenant.id, period: '2026-09' })).status).toBe(403);
  });
});

describe('GET /v1/billing/invoices/preview?asOf= (spend at the same point)', () => {
  let c: TenantFixture;
  let keyC: string;
  const MAY = { id: '2026-05', start: '2026-05-01T04:00:00.000Z', end: '2026-06-01T04:00:00.000Z' };
  // 12:07: the 12:00 bucket starts before it and counts whole (15-minute resolution); the 12:15 one does not.
  const AS_OF = '2026-05-10T12:07:00.000Z';
  const preview = (query: string, key = keyC) => as(key).get(`/v1/billing/invoices/preview?period=2026-05&${query}`);

  beforeAll(async () => {
    c = await fixtures.newTenant();
    keyC = (await app.get(ApiKeyService).create(c.actor(), c.tenant.id, { name: 'finance', scopes: ['usage:read'] })).key;
    await termsFrom(c.tenant.id, '2026-05-01T04:00:00Z', { timezone: 'America/New_York', anchorDay: 1 });
    const early = await productionConnection(c.tenant.id, 'Early EHR');
    const late = await productionConnection(c.tenant.id, 'Late EHR');
    const prisma = app.get(PrismaService);
    await prisma.connection.update({ where: { id: early.id }, data: { wentLiveAt: new Date('2026-05-03T00:00:00Z') } });
    await prisma.connection.update({ where: { id: late.id }, data: { wentLiveAt: new Date('2026-05-20T00:00:00Z') } }); // goes live after asOf

    await record(early, '2026-05-02T10:00:00Z', 'read', { patients: ['Patient/x'] });
    await record(early, '2026-05-03T10:00:00Z', 'read', { outcome: 'error', patients: ['Patient/w'] }); // failed: never billable
    await record(early, '2026-05-05T10:00:00Z', 'read', { patients: ['Patient/x'] });
    await record(early, '2026-05-08T10:00:00Z', 'search', { patients: ['Patient/y'] });
    await record(early, '2026-05-10T12:10:00Z', 'read'); // after asOf, in the bucket starting before it: counted
    await record(early, '2026-05-10T12:20:00Z', 'read'); // the next bucket: not counted
    await record(early, '2026-05-15T10:00:00Z', 'read', { patients: ['Patient/z'] }); // a patient seen only after asOf
    await record(late, '2026-05-22T10:00:00Z', 'read', { patients: ['Patient/x'] }); // a connection active only after asOf
    await app.get(UsageRollupService).drainAll();
  });

  // Full May: 6 reads (2 × 1.00 + 4 × 0.50), 1 search (included), 2 active connections, patients x, y, z, 2 go-lives.
  const FULL = { quantities: { usage: { 'fhir.read': 6, 'fhir.search': 1 }, activeConnections: 2, distinctPatients: 3, newLiveConnections: 2 }, total: '224.30' };
  // As of 12:07 on the 10th: 3 reads (2 × 1.00 + 1 × 0.50), 1 search, 1 active connection, patients x and y, 1 go-live.
  const AT_POINT = { quantities: { usage: { 'fhir.read': 3, 'fhir.search': 1 }, activeConnections: 1, distinctPatients: 2, newLiveConnections: 1 }, subtotal: '112.70', total: '112.70' };

  it('rates only what happened before asOf, by hand less than the whole period', async () => {
    const full = await preview('');
    expect(full.status).toBe(200);
    expect(full.body).toMatchObject({ ...FULL, asOf: null });

    const res = await preview(`asOf=${AS_OF}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tenantId: c.tenant.id, status: 'draft', invoice: null, period: MAY, plan: { id: planId, version: 1 }, currency: 'USD', asOf: AS_OF, ...AT_POINT });
    expect(res.body.lines).toEqual([
      expect.objectContaining({ class: 'fhir.read', quantity: 3, amount: '2.50' }),
      expect.objectContaining({ class: 'fhir.search', quantity: 1, amount: '0.00' }),
      expect.objectContaining({ class: 'activeConnection', quantity: 1, amount: '10.00' }),
      expect.objectContaining({ class: 'distinctPatient', quantity: 2, amount: '0.20' }),
      expect.objectContaining({ class: 'connectionGoLive', quantity: 1, amount: '100.00' }),
    ]);
    // At the period's end it is the whole period (there are no adjustments to leave out).
    expect((await preview(`asOf=${MAY.end}`)).body).toMatchObject({ ...FULL, asOf: MAY.end });
  });

  it('rates a closed period afresh from its rollups: still a draft, not the stored invoice', async () => {
    const closed = await as(operator).post('/v1/billing/invoices/close', { tenantId: c.tenant.id, period: '2026-05' });
    expect(closed.status).toBe(201);
    expect((await preview('')).body).toMatchObject({ status: 'final', ...FULL });
    expect((await preview(`asOf=${AS_OF}`)).body).toMatchObject({ status: 'draft', invoice: null, asOf: AS_OF, ...AT_POINT });
  });

  it('refuses an asOf that is not an ISO instant, or outside (start, end] of the period, with 400 and nothing else', async () => {
    for (const bad of ['yesterday', '2026-05-10', '2026-05-10T12:07:00']) {
      const res = await preview(`asOf=${bad}`);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.total).toBeUndefined();
    }
    for (const outside of [MAY.start, '2026-04-20T00:00:00.000Z', '2026-06-01T04:00:00.001Z']) {
      const res = await preview(`asOf=${outside}`);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'validation_failed' });
      expect(res.body.total).toBeUndefined();
    }
  });

  it('answers 404 to another tenant, asOf or not', async () => {
    expect((await preview(`tenantId=${c.tenant.id}&asOf=${AS_OF}`, keyB)).status).toBe(404);
    expect((await preview(`tenantId=${c.tenant.id}&asOf=${AS_OF}`, operator)).status).toBe(200);
  });
});
