import type { INestApplication } from '@nestjs/common';
import { AuditService } from '@sb/audit';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { ConnectionService } from '@sb/connections';
import { BillingPlanRepository, CallRecordRepository, Database, InvoiceRepository, UsageAdjustmentRepository, type Connection } from '@sb/db';
import { ApiKeyService } from '@sb/tenancy';
import { createTestingApp, deleteRedisKeys, Fixtures, testRedisPrefix, type TenantFixture } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AppModule } from '../app.module';

const redisPrefix = testRedisPrefix('usage-adjustments');

let app: INestApplication;
let fixtures: Fixtures;
let a: TenantFixture;
let b: TenantFixture;
let lab: Connection;
let operator: string;
let keyA: string;
let keyB: string;

/** One usage event written the way the pipeline writes it; returns its transaction id. */
async function usage(connection: Connection, at: string, options: { operation?: string; outcome?: 'success' | 'error'; environment?: 'sandbox' | 'production'; units?: number } = {}): Promise<string> {
  const transactionId = randomUUID();
  const occurredAt = new Date(at);
  const operation = options.operation ?? 'read';
  const outcome = options.outcome ?? 'success';
  await app.get(CallRecordRepository).record(
    {
      tenantId: connection.tenantId,
      connectionId: connection.id,
      transactionId,
      vendor: connection.vendor,
      operation,
      resourceType: 'Patient',
      outcome,
      durationMs: 5,
      occurredAt,
      environment: options.environment ?? 'production',
      units: options.units,
      actorType: 'system',
      actorId: 'adjustment-test',
      purpose: null,
    },
    [],
  );
  return transactionId;
}

const adjust = (body: Record<string, unknown>, key: string | null = randomUUID(), token = operator) => {
  const req = request(app.getHttpServer()).post('/v1/usage/adjustments').set('authorization', `Bearer ${token}`);
  return (key === null ? req : req.set('idempotency-key', key)).send(body);
};
const list = (query: Record<string, string>, token = operator) =>
  request(app.getHttpServer()).get(`/v1/usage/adjustments?${new URLSearchParams(query).toString()}`).set('authorization', `Bearer ${token}`);

/** Σ unitsDelta written for one transaction of tenant A (straight from the table). */
async function netDelta(transactionId: string): Promise<number> {
  return app.get(Database).transaction(async (tx) => (await app.get(UsageAdjustmentRepository).deltasByTransaction(tx, a.tenant.id, [transactionId])).get(transactionId) ?? 0);
}
const rowsOf = async (tenantId: string) => (await app.get(UsageAdjustmentRepository).list(tenantId, { limit: 10_000 })).length;

const MARCH = '2026-03-01T00:00:00.000Z';
const REASON = 'duplicate read billed twice';

beforeAll(async () => {
  const moduleRef = await createTestingApp([AppModule], { SB_REDIS_PREFIX: redisPrefix });
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  operator = app.get<AppConfig>(APP_CONFIG).adminToken;
  fixtures = new Fixtures(moduleRef);
  [a, b] = [await fixtures.newTenant(), await fixtures.newTenant()];
  lab = await app.get(ConnectionService).create(a.tenant.id, { name: 'Lab feed', vendor: 'hl7v2', environment: 'production', hl7SendingFacility: `LAB-${randomUUID().slice(0, 8)}`, mllpTls: false, hl7AckMode: 'original' });
  const apiKeys = app.get(ApiKeyService);
  keyA = (await apiKeys.create(a.actor(), a.tenant.id, { name: 'finance', scopes: ['usage:read'] })).key;
  keyB = (await apiKeys.create(b.actor(), b.tenant.id, { name: 'finance', scopes: ['usage:read'] })).key;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await deleteRedisKeys(redisPrefix);
});

describe('POST /v1/usage/adjustments: arithmetic', () => {
  it('voids a billable read once: a second void of the same transaction adds nothing', async () => {
    const t = await usage(a.echo, '2026-03-10T12:00:00Z');
    const first = await adjust({ tenantId: a.tenant.id, transactionIds: [t], action: 'void', reason: REASON });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      requestId: expect.any(String),
      replayed: false,
      adjustments: [{ id: expect.any(String), transactionId: t, unitsDelta: -1, periodStart: MARCH, lands: 'draft' }],
      skipped: [],
    });
    const second = await adjust({ tenantId: a.tenant.id, transactionIds: [t], action: 'void', reason: REASON });
    expect(second.status).toBe(201);
    expect(second.body.adjustments).toEqual([]);
    expect(second.body.skipped).toEqual([{ transactionId: t, reason: 'unchanged' }]);
    expect(await netDelta(t)).toBe(-1);
  });

  it('amends against the effective units: 1 → 3 is +2, 3 → 3 writes nothing, 3 → 0 is −3, and a voided one amended to 2 is +2', async () => {
    const t = await usage(a.echo, '2026-03-11T12:00:00Z');
    const amend = async (units: number) => (await adjust({ tenantId: a.tenant.id, transactionIds: [t], action: 'amend', units, reason: 'resource count corrected' })).body;
    expect((await amend(3)).adjustments).toEqual([expect.objectContaining({ transactionId: t, unitsDelta: 2 })]);
    expect((await amend(3)).skipped).toEqual([{ transactionId: t, reason: 'unchanged' }]);
    expect((await amend(0)).adjustments).toEqual([expect.objectContaining({ unitsDelta: -3 })]);
    expect(await netDelta(t)).toBe(-1);

    const voided = await usage(a.echo, '2026-03-11T13:00:00Z');
    await adjust({ tenantId: a.tenant.id, transactionIds: [voided], action: 'void', reason: REASON });
    const back = await adjust({ tenantId: a.tenant.id, transactionIds: [voided], action: 'amend', units: 2, reason: 'voided by mistake' });
    expect(back.body.adjustments).toEqual([expect.objectContaining({ unitsDelta: 2 })]);
    expect(await netDelta(voided)).toBe(1); // 1 − 1 + 2: two effective units
  });

  it('voids every unit of a multi-unit event (a bulk export of 250 resources)', async () => {
    const t = await usage(a.echo, '2026-03-12T12:00:00Z', { operation: 'bulk-export', units: 250 });
    const res = await adjust({ tenantId: a.tenant.id, transactionIds: [t], action: 'void', reason: 'export re-run by support' });
    expect(res.body.adjustments).toEqual([expect.objectContaining({ unitsDelta: -250 })]);
  });

  it('skips non-billable events, naming why, and writes rows for the billable ones only', async () => {
    const billable = await usage(a.echo, '2026-03-13T12:00:00Z');
    const failed = await usage(a.echo, '2026-03-13T12:01:00Z', { outcome: 'error' });
    const sandbox = await usage(a.echo, '2026-03-13T12:02:00Z', { environment: 'sandbox' });
    const echoPing = await usage(a.echo, '2026-03-13T12:03:00Z', { operation: 'echo' });
    const res = await adjust({ tenantId: a.tenant.id, transactionIds: [failed, billable, sandbox, echoPing], action: 'void', reason: REASON });
    expect(res.status).toBe(201);
    expect(res.body.adjustments.map((r: { transactionId: string }) => r.transactionId)).toEqual([billable]);
    expect(res.body.skipped).toEqual([
      { transactionId: failed, reason: 'failed' },
      { transactionId: sandbox, reason: 'sandbox' },
      { transactionId: echoPing, reason: 'unclassified' },
    ]);
    expect(await netDelta(failed)).toBe(0);
  });

  it('corrects one connection’s events in [from, to): `to` is exclusive, other connections untouched', async () => {
    const inside = [await usage(lab, '2026-03-14T00:00:00Z', { operation: 'message.in' }), await usage(lab, '2026-03-14T23:59:59.999Z', { operation: 'message.in' })];
    const atTo = await usage(lab, '2026-03-15T00:00:00Z', { operation: 'message.in' });
    const otherConnection = await usage(a.echo, '2026-03-14T12:00:00Z');
    const res = await adjust({ tenantId: a.tenant.id, connectionId: lab.id, from: '2026-03-14T00:00:00Z', to: '2026-03-15T00:00:00Z', action: 'void', reason: 'feed replayed by the site' });
    expect(res.status).toBe(201);
    expect(res.body.adjustments.map((r: { transactionId: string }) => r.transactionId)).toEqual(inside);
    expect(res.body.adjustments.every((r: { unitsDelta: number }) => r.unitsDelta === -1)).toBe(true);
    expect(await netDelta(atTo)).toBe(0);
    expect(await netDelta(otherConnection)).toBe(0);
  });

  it('two concurrent voids of one transaction (different keys) void it once', async () => {
    const t = await usage(a.echo, '2026-03-16T12:00:00Z');
    const results = await Promise.all([1, 2, 3].map(() => adjust({ tenantId: a.tenant.id, transactionIds: [t], action: 'void', reason: REASON })));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(results.flatMap((r) => r.body.adjustments)).toHaveLength(1);
    expect(await netDelta(t)).toBe(-1);
  });
});

describe('POST /v1/usage/adjustments: periods', () => {
  it('files each row under the event’s billing period in the tenant’s zone: 23:59:59.999 and 00:00 local fall in different periods', async () => {
    const c = await fixtures.newTenant();
    await app.get(Database).transaction((tx) =>
      app.get(BillingPlanRepository).insertTerms(tx, {
        tenantId: c.tenant.id,
        planId: randomUUID(),
        planVersion: 1,
        timezone: 'America/New_York',
        anchorDay: 15,
        currency: 'USD',
        graceMinutes: 60,
        effectiveFrom: new Date('2026-01-15T05:00:00Z'),
        createdBy: 'adjustment-test',
      }),
    );
    // New York is on EDT (UTC−4) from 2026-03-08: 03:59:59.999Z is 23:59:59.999 on the 14th, 04:00Z is 00:00 on the 15th.
    const lastOfFebPeriod = await usage(c.echo, '2026-03-15T03:59:59.999Z');
    const firstOfMarPeriod = await usage(c.echo, '2026-03-15T04:00:00.000Z');
    const res = await adjust({ tenantId: c.tenant.id, transactionIds: [lastOfFebPeriod, firstOfMarPeriod], action: 'void', reason: REASON });
    expect(res.status).toBe(201);
    expect(res.body.adjustments).toEqual([
      expect.objectContaining({ transactionId: lastOfFebPeriod, periodStart: '2026-02-15T05:00:00.000Z' }), // Feb 15 00:00 EST
      expect.objectContaining({ transactionId: firstOfMarPeriod, periodStart: '2026-03-15T04:00:00.000Z' }), // Mar 15 00:00 EDT
    ]);
  });

  it('lands on the next invoice when the event’s period already has an invoice, on the draft otherwise', async () => {
    const february = await usage(a.echo, '2026-02-20T12:00:00Z');
    const march = await usage(a.echo, '2026-03-20T12:00:00Z');
    await app.get(Database).transaction((tx) =>
      app.get(InvoiceRepository).insert(tx, {
        id: randomUUID(),
        tenantId: a.tenant.id,
        number: `TEST-${randomUUID()}`,
        periodId: '2026-02',
        periodStart: new Date('2026-02-01T00:00:00Z'),
        periodEnd: new Date(MARCH),
        timezone: 'UTC',
        currency: 'USD',
        planId: randomUUID(),
        planVersion: 1,
        total: '0.00',
        sha256: '0'.repeat(64),
        finalizedAt: new Date(),
        document: '{}',
        pdf: Buffer.from('%PDF-1.4'),
      }),
    );
    const res = await adjust({ tenantId: a.tenant.id, transactionIds: [march, february], action: 'void', reason: REASON });
    expect(res.body.adjustments).toEqual([
      expect.objectContaining({ transactionId: february, periodStart: '2026-02-01T00:00:00.000Z', lands: 'next-invoice' }),
      expect.objectContaining({ transactionId: march, periodStart: MARCH, lands: 'draft' }),
    ]);
  });
});

describe('POST /v1/usage/adjustments: Idempotency-Key', () => {
  it('a repeat with the same key and body gets the first answer (200, replayed) and writes nothing more', async () => {
    const t = await usage(a.echo, '2026-03-21T12:00:00Z');
    const key = randomUUID();
    const body = { tenantId: a.tenant.id, transactionIds: [t], action: 'amend', units: 4, reason: 'four resources, not one' };
    const first = await adjust(body, key);
    expect(first.status).toBe(201);
    const before = await rowsOf(a.tenant.id);
    const again = await adjust(body, key);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, replayed: true });
    expect(await rowsOf(a.tenant.id)).toBe(before);
    expect(await netDelta(t)).toBe(3);
  });

  it('the same key with another body is a 409 idempotency_key_reused, and nothing is written', async () => {
    const t = await usage(a.echo, '2026-03-21T13:00:00Z');
    const key = randomUUID();
    expect((await adjust({ tenantId: a.tenant.id, transactionIds: [t], action: 'void', reason: REASON }, key)).status).toBe(201);
    const before = await rowsOf(a.tenant.id);
    const other = await adjust({ tenantId: a.tenant.id, transactionIds: [t], action: 'amend', units: 2, reason: REASON }, key);
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('idempotency_key_reused');
    expect(await rowsOf(a.tenant.id)).toBe(before);
    expect(await netDelta(t)).toBe(-1);
  });

  it('keys are per tenant: tenant B may use a key tenant A used', async () => {
    const key = randomUUID();
    const ta = await usage(a.echo, '2026-03-22T12:00:00Z');
    const tb = await usage(b.echo, '2026-03-22T12:00:00Z');
    expect((await adjust({ tenantId: a.tenant.id, transactionIds: [ta], action: 'void', reason: REASON }, key)).status).toBe(201);
    const res = await adjust({ tenantId: b.tenant.id, transactionIds: [tb], action: 'void', reason: REASON }, key);
    expect(res.status).toBe(201);
    expect(res.body.adjustments).toEqual([expect.objectContaining({ transactionId: tb })]);
  });
});

describe('POST /v1/usage/adjustments: tenancy and audit', () => {
  it('another tenant’s transaction is a 404 that names nothing of it, and nothing is written (not even the own one)', async () => {
    const own = await usage(a.echo, '2026-03-23T12:00:00Z');
    const theirs = await usage(b.echo, '2026-03-23T12:00:00Z');
    const before = [await rowsOf(a.tenant.id), await rowsOf(b.tenant.id)];
    const res = await adjust({ tenantId: a.tenant.id, transactionIds: [own, theirs], action: 'void', reason: REASON });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('not_found');
    expect(JSON.stringify(res.body)).not.toContain(theirs);
    expect(JSON.stringify(res.body)).not.toContain(b.tenant.id);
    expect([await rowsOf(a.tenant.id), await rowsOf(b.tenant.id)]).toEqual(before);
    expect(await netDelta(own)).toBe(0);
    // An unknown id answers exactly the same way.
    const unknown = await adjust({ tenantId: a.tenant.id, transactionIds: [own, randomUUID()], action: 'void', reason: REASON });
    expect([unknown.status, unknown.body.title]).toEqual([404, res.body.title]);
  });

  it('another tenant’s connection in a range is a 404', async () => {
    const res = await adjust({ tenantId: b.tenant.id, connectionId: lab.id, from: '2026-03-01T00:00:00Z', to: '2026-03-31T00:00:00Z', action: 'void', reason: REASON });
    expect(res.status).toBe(404);
    expect(res.body.title).toBe('Connection not found');
  });

  it('an unknown tenant is a 404', async () => {
    const res = await adjust({ tenantId: randomUUID(), transactionIds: [randomUUID()], action: 'void', reason: REASON });
    expect([res.status, res.body.title]).toEqual([404, 'Tenant not found']);
  });

  it('writes one billing.adjust audit record in the tenant’s chain, by the operator, naming the request and no patient', async () => {
    const t = await usage(a.echo, '2026-03-24T12:00:00Z');
    const res = await adjust({ tenantId: a.tenant.id, transactionIds: [t], action: 'void', reason: REASON });
    const records = (await app.get(AuditService).list(a.tenant.id, { order: 'desc', limit: 50 })).filter((r) => r.transactionId === res.body.requestId);
    expect(records).toEqual([
      expect.objectContaining({
        tenantId: a.tenant.id,
        operation: 'billing.adjust',
        actorType: 'operator',
        connectionId: null,
        patientRef: null,
        purpose: 'billing',
        objectRef: `billing/adjustments/${res.body.requestId}`,
        outcome: 'success',
      }),
    ]);
    expect((await app.get(AuditService).verify(a.tenant.id)).ok).toBe(true);
  });

  it('is operator only: a tenant key, even with usage:read, gets 403', async () => {
    const t = await usage(a.echo, '2026-03-25T12:00:00Z');
    expect((await adjust({ tenantId: a.tenant.id, transactionIds: [t], action: 'void', reason: REASON }, randomUUID(), keyA)).status).toBe(403);
  });
});

describe('POST /v1/usage/adjustments: bad input', () => {
  const ok = () => ({ tenantId: a.tenant.id, transactionIds: [randomUUID()], action: 'void', reason: REASON });
  it.each<[string, () => Record<string, unknown>, string]>([
    ['amend without units', () => ({ ...ok(), action: 'amend' }), 'units'],
    ['void with units', () => ({ ...ok(), units: 1 }), 'units'],
    ['negative units', () => ({ ...ok(), action: 'amend', units: -1 }), 'units'],
    ['fractional units', () => ({ ...ok(), action: 'amend', units: 1.5 }), 'units'],
    ['no reason', () => ({ ...ok(), reason: undefined }), 'reason'],
    ['a two-letter reason', () => ({ ...ok(), reason: 'no' }), 'reason'],
    ['a reason over 500 characters', () => ({ ...ok(), reason: 'x'.repeat(501) }), 'reason'],
    ['an unknown action', () => ({ ...ok(), action: 'delete' }), 'action'],
    ['no target', () => ({ ...ok(), transactionIds: undefined }), 'transactionIds'],
    ['an empty transaction list', () => ({ ...ok(), transactionIds: [] }), 'transactionIds'],
    ['1001 transactions', () => ({ ...ok(), transactionIds: Array.from({ length: 1001 }, () => randomUUID()) }), 'transactionIds'],
    ['a transaction id that is not a uuid', () => ({ ...ok(), transactionIds: ['42'] }), 'transactionIds.0'],
    ['both targets', () => ({ ...ok(), connectionId: lab.id, from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z' }), 'transactionIds'],
    ['a range without `to`', () => ({ ...ok(), transactionIds: undefined, connectionId: lab.id, from: '2026-03-01T00:00:00Z' }), 'to'],
    ['a range ending before it starts', () => ({ ...ok(), transactionIds: undefined, connectionId: lab.id, from: '2026-03-02T00:00:00Z', to: '2026-03-01T00:00:00Z' }), 'from'],
    ['a date without an offset', () => ({ ...ok(), transactionIds: undefined, connectionId: lab.id, from: '2026-03-01', to: '2026-03-02T00:00:00Z' }), 'from'],
    ['no tenantId', () => ({ ...ok(), tenantId: undefined }), 'tenantId'],
    ['an unknown field', () => ({ ...ok(), force: true }), ''],
  ])('refuses %s with 400 validation_failed naming the field', async (_name, body, path) => {
    const res = await adjust(body());
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    if (path) expect(res.body.issues.map((i: { path: string }) => i.path)).toContain(path);
  });

  it.each([
    ['missing', null],
    ['empty', ''],
    ['with a space', 'two words'],
    ['over 255 characters', 'k'.repeat(256)],
  ])('refuses an Idempotency-Key %s', async (_name, key) => {
    const res = await adjust(ok(), key);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.issues).toEqual([expect.objectContaining({ path: 'Idempotency-Key' })]);
  });
});

describe('GET /v1/usage/adjustments', () => {
  let d: TenantFixture;
  let keyD: string;
  beforeAll(async () => {
    d = await fixtures.newTenant();
    keyD = (await app.get(ApiKeyService).create(d.actor(), d.tenant.id, { name: 'finance', scopes: ['usage:read'] })).key;
    const ts = [await usage(d.echo, '2026-03-01T01:00:00Z'), await usage(d.echo, '2026-03-01T02:00:00Z'), await usage(d.echo, '2026-03-01T03:00:00Z')];
    for (const t of ts) await adjust({ tenantId: d.tenant.id, transactionIds: [t], action: 'void', reason: REASON });
  });

  it('the operator pages through a tenant’s adjustments, newest first, with a cursor', async () => {
    const first = await list({ tenantId: d.tenant.id, limit: '2' });
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(2);
    expect(first.body.next).toEqual(expect.any(String));
    const second = await list({ tenantId: d.tenant.id, limit: '2', cursor: first.body.next });
    expect(second.body.data).toHaveLength(1);
    expect(second.body.next).toBeNull();
    const all = [...first.body.data, ...second.body.data];
    expect(new Set(all.map((r: { id: string }) => r.id)).size).toBe(3);
    expect(all.map((r: { occurredAt: string }) => r.occurredAt)).toEqual(['2026-03-01T03:00:00.000Z', '2026-03-01T02:00:00.000Z', '2026-03-01T01:00:00.000Z']);
    expect(all[0]).toEqual(expect.objectContaining({ tenantId: d.tenant.id, connectionId: d.echo.id, class: 'fhir.read', environment: 'production', action: 'void', unitsDelta: -1, reason: REASON, actorType: 'operator', invoiceId: null, periodStart: MARCH }));
  });

  it('a tenant with usage:read sees its own, with or without naming itself; naming another tenant is a 404', async () => {
    const own = await list({}, keyD);
    expect(own.status).toBe(200);
    expect(own.body.data).toHaveLength(3);
    expect((await list({ tenantId: d.tenant.id }, keyD)).body.data).toHaveLength(3);
    const other = await list({ tenantId: d.tenant.id }, keyB);
    expect(other.status).toBe(404);
    expect((await list({}, keyB)).body.data.map((r: { tenantId: string }) => r.tenantId).filter((id: string) => id !== b.tenant.id)).toEqual([]);
  });

  it('filters by when the adjustment was written, [from, to)', async () => {
    expect((await list({ tenantId: d.tenant.id, to: '2020-01-01T00:00:00Z' })).body.data).toEqual([]);
    expect((await list({ tenantId: d.tenant.id, from: '2020-01-01T00:00:00Z' })).body.data).toHaveLength(3);
  });

  it('the operator must name the tenant; a bad cursor or range is a 400', async () => {
    expect((await list({})).body).toEqual(expect.objectContaining({ code: 'validation_failed', issues: [expect.objectContaining({ path: 'tenantId' })] }));
    expect((await list({ tenantId: d.tenant.id, cursor: 'nonsense' })).status).toBe(400);
    expect((await list({ tenantId: d.tenant.id, from: '2026-03-02T00:00:00Z', to: '2026-03-01T00:00:00Z' })).status).toBe(400);
  });
});
