import type { TestingModule } from '@nestjs/testing';
import { CallRecordRepository, Database, unwrapTx, type Connection } from '@sb/db';
import { TenancyModule } from '@sb/tenancy';
import { createTestingApp, Fixtures } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import { UsageRollupModule } from './usage-rollup.module';
import { UsageRollupService } from './usage-rollup.service';

let app: TestingModule;
let rollup: UsageRollupService;
let db: Database;

beforeAll(async () => {
  app = await createTestingApp([TenancyModule, UsageRollupModule]);
  rollup = app.get(UsageRollupService);
  db = app.get(Database);
});
afterAll(() => app.close());

const fixtures = () => new Fixtures(app);

interface Call {
  at: string;
  operation?: string;
  outcome?: 'success' | 'error';
  environment?: 'sandbox' | 'production';
  patients?: string[];
  units?: number;
}

/** One call recorded the way the pipeline records it (usage + audit + queue, one statement). */
async function record(connection: Connection, call: Call): Promise<string> {
  const transactionId = randomUUID();
  const occurredAt = new Date(call.at);
  const operation = call.operation ?? 'read';
  const outcome = call.outcome ?? 'success';
  await app.get(CallRecordRepository).record(
    {
      tenantId: connection.tenantId,
      connectionId: connection.id,
      transactionId,
      vendor: connection.vendor,
      operation,
      resourceType: 'Patient',
      outcome,
      durationMs: 1,
      occurredAt,
      environment: call.environment ?? 'production',
      units: call.units,
      actorType: 'system',
      actorId: 'rollup-test',
      purpose: null,
    },
    call.patients ?? [],
  );
  return transactionId;
}

/** `count` billable reads, one a second from `at`, written in one statement (and queued). */
async function recordMany(connection: Connection, at: string, count: number): Promise<void> {
  await db.transaction(
    (tx) => unwrapTx(tx).$executeRaw`
      WITH usage AS (
        INSERT INTO "UsageEvent" ("id", "tenantId", "connectionId", "transactionId", "vendor", "operation", "resourceType", "outcome", "durationMs", "occurredAt", "environment", "class", "units", "billable")
        SELECT gen_random_uuid(), ${connection.tenantId}::uuid, ${connection.id}::uuid, gen_random_uuid(), 'echo', 'read', 'Patient', 'success', 1,
               ${new Date(at)}::timestamptz + i * interval '1 second', 'production', 'fhir.read', 1, true
        FROM generate_series(0, ${count - 1}::int) AS i
        RETURNING "id")
      INSERT INTO "UsageRollupQueue" ("usageId") SELECT "id" FROM usage`,
  );
}

async function rollupsOf(tenantId: string) {
  const rows = await db.transaction((tx) => unwrapTx(tx).usageRollup.findMany({ where: { tenantId } }));
  return sorted(rows.map(({ bucketStart, operation, class: cls, environment, outcome, billable, count, units }) => ({ bucket: bucketStart.toISOString(), operation, class: cls, environment, outcome, billable, count, units })));
}

async function periodTotalsOf(tenantId: string) {
  const rows = await db.transaction((tx) => unwrapTx(tx).usagePeriodTotal.findMany({ where: { tenantId } }));
  return sorted(rows.map(({ periodStart, class: cls, environment, billable, count, units }) => ({ period: periodStart.toISOString(), class: cls, environment, billable, count, units })));
}

async function patientsOf(tenantId: string) {
  const rows = await db.transaction((tx) => unwrapTx(tx).usagePeriodPatient.findMany({ where: { tenantId } }));
  return sorted(rows.map(({ periodStart, patientToken, firstSeenAt }) => ({ period: periodStart.toISOString(), patientToken, firstSeenAt: firstSeenAt.toISOString() })));
}

async function queuedOf(tenantId: string): Promise<number> {
  const [row] = await db.transaction((tx) =>
    unwrapTx(tx).$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM "UsageRollupQueue" q JOIN "UsageEvent" e ON e."id" = q."usageId" WHERE e."tenantId" = ${tenantId}::uuid`,
  );
  return row?.n ?? 0;
}

/** A row of the tenant's billing terms history, as an assignment writes it. */
async function addTerms(tenantId: string, terms: { timezone: string; anchorDay: number; effectiveFrom: string }): Promise<void> {
  await db.transaction((tx) =>
    unwrapTx(tx).tenantBilling.create({
      data: { tenantId, planId: randomUUID(), planVersion: 1, currency: 'USD', createdBy: 'rollup-test', ...terms, effectiveFrom: new Date(terms.effectiveFrom) },
    }),
  );
}

/** Rows in one fixed order (JS string order of their values), for comparing sets of rows. */
function sorted<T extends object>(rows: T[]): T[] {
  const key = (r: T) => JSON.stringify(Object.values(r));
  return [...rows].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
}

const sum = (rows: { count: number }[]) => rows.reduce((n, r) => n + r.count, 0);

describe('UsageRollupService (real Postgres)', () => {
  it('rolls every event up exactly once while two drainers run at once', async () => {
    const { echo } = await fixtures().newTenant();
    await recordMany(echo, '2026-05-10T08:00:00Z', 3_000); // 50 minutes: buckets 08:00, 08:15, 08:30, 08:45
    const drain = async () => {
      let n = 0;
      for (let got = -1; got !== 0; ) n += got = await rollup.drainOnce(97);
      return n;
    };
    const [first, second] = await Promise.all([drain(), drain()]);
    expect(first + second).toBeGreaterThanOrEqual(3_000);
    expect(await queuedOf(echo.tenantId)).toBe(0);
    const buckets = await rollupsOf(echo.tenantId);
    expect(buckets.map((b) => [b.bucket, b.count])).toEqual([
      ['2026-05-10T08:00:00.000Z', 900],
      ['2026-05-10T08:15:00.000Z', 900],
      ['2026-05-10T08:30:00.000Z', 900],
      ['2026-05-10T08:45:00.000Z', 300],
    ]);
    expect(await periodTotalsOf(echo.tenantId)).toEqual([{ period: '2026-05-01T00:00:00.000Z', class: 'fhir.read', environment: 'production', billable: true, count: 3_000, units: 3_000 }]);
    // Nothing is left to count again.
    await rollup.drainAll();
    expect(sum(await rollupsOf(echo.tenantId))).toBe(3_000);
  });

  it('puts :14:59.999 in the :00 bucket and :15:00 in the next; every dimension is a key; units add up', async () => {
    const { echo } = await fixtures().newTenant();
    await record(echo, { at: '2026-05-10T10:14:59.999Z' });
    await record(echo, { at: '2026-05-10T10:15:00.000Z' });
    await record(echo, { at: '2026-05-10T10:29:59.999Z', units: 40, operation: 'bulk-export' });
    await record(echo, { at: '2026-05-10T10:20:00.000Z', outcome: 'error' });
    await record(echo, { at: '2026-05-10T10:21:00.000Z', environment: 'sandbox' });
    await record(echo, { at: '2026-05-10T10:22:00.000Z', operation: 'echo' });
    await rollup.drainAll();
    expect(await rollupsOf(echo.tenantId)).toEqual(sorted([
      { bucket: '2026-05-10T10:00:00.000Z', operation: 'read', class: 'fhir.read', environment: 'production', outcome: 'success', billable: true, count: 1, units: 1 },
      { bucket: '2026-05-10T10:15:00.000Z', operation: 'bulk-export', class: 'bulk.resource', environment: 'production', outcome: 'success', billable: true, count: 1, units: 40 },
      { bucket: '2026-05-10T10:15:00.000Z', operation: 'echo', class: '', environment: 'production', outcome: 'success', billable: false, count: 1, units: 1 },
      { bucket: '2026-05-10T10:15:00.000Z', operation: 'read', class: 'fhir.read', environment: 'production', outcome: 'error', billable: false, count: 1, units: 1 },
      { bucket: '2026-05-10T10:15:00.000Z', operation: 'read', class: 'fhir.read', environment: 'production', outcome: 'success', billable: true, count: 1, units: 1 },
      { bucket: '2026-05-10T10:15:00.000Z', operation: 'read', class: 'fhir.read', environment: 'sandbox', outcome: 'success', billable: false, count: 1, units: 1 },
    ]));
    const may = '2026-05-01T00:00:00.000Z';
    expect(await periodTotalsOf(echo.tenantId)).toEqual(sorted([
      { period: may, class: '', environment: 'production', billable: false, count: 1, units: 1 },
      { period: may, class: 'bulk.resource', environment: 'production', billable: true, count: 1, units: 40 },
      { period: may, class: 'fhir.read', environment: 'sandbox', billable: false, count: 1, units: 1 },
      { period: may, class: 'fhir.read', environment: 'production', billable: false, count: 1, units: 1 },
      { period: may, class: 'fhir.read', environment: 'production', billable: true, count: 2, units: 2 },
    ]));
  });

  it("keys period totals by the tenant's terms in force at each event's commit time", async () => {
    const { echo } = await fixtures().newTenant();
    // New York terms from local midnight of 15 March (EDT, UTC-4), anchor day 15.
    await addTerms(echo.tenantId, { timezone: 'America/New_York', anchorDay: 15, effectiveFrom: '2026-03-15T04:00:00Z' });
    await record(echo, { at: '2026-03-15T03:59:59.999Z' }); // before the terms: the UTC month, cut at the change
    await record(echo, { at: '2026-03-15T04:00:00.000Z' }); // first instant of the New York period
    await record(echo, { at: '2026-04-15T03:59:59.999Z' }); // 23:59:59.999 local on 14 April: still that period
    await record(echo, { at: '2026-04-15T04:00:00.000Z' }); // 00:00 local on 15 April: the next
    await rollup.drainAll();
    expect((await periodTotalsOf(echo.tenantId)).map((p) => [p.period, p.count])).toEqual([
      ['2026-03-01T00:00:00.000Z', 1],
      ['2026-03-15T04:00:00.000Z', 2],
      ['2026-04-15T04:00:00.000Z', 1],
    ]);
    expect((await rollupsOf(echo.tenantId)).map((b) => b.bucket)).toEqual([
      '2026-03-15T03:45:00.000Z',
      '2026-03-15T04:00:00.000Z',
      '2026-04-15T03:45:00.000Z',
      '2026-04-15T04:00:00.000Z',
    ]);
  });

  it('counts distinct patients of billable calls by keyed token, never storing the reference', async () => {
    const a = await fixtures().newTenant();
    const b = await fixtures().newTenant();
    await record(a.echo, { at: '2026-06-02T09:00:00Z', patients: ['Patient/1'] });
    await record(a.echo, { at: '2026-06-20T09:00:00Z', patients: ['Patient/1', 'Patient/2'] }); // a search over two patients
    await record(a.echo, { at: '2026-06-21T09:00:00Z', outcome: 'error', patients: ['Patient/3'] }); // failed: not billable
    await record(a.echo, { at: '2026-06-21T09:00:00Z', environment: 'sandbox', patients: ['Patient/4'] }); // sandbox: not billable
    await record(a.echo, { at: '2026-07-01T00:00:00Z', patients: ['Patient/1'] }); // the next period
    await record(b.echo, { at: '2026-06-02T09:00:00Z', patients: ['Patient/1'] });
    await rollup.drainAll();

    const june = '2026-06-01T00:00:00.000Z';
    const july = '2026-07-01T00:00:00.000Z';
    const token = (tenantId: string, ref: string) => rollup.patientToken(tenantId, ref);
    const expected = sorted([
      { period: june, patientToken: token(a.tenant.id, 'Patient/1'), firstSeenAt: '2026-06-02T09:00:00.000Z' },
      { period: june, patientToken: token(a.tenant.id, 'Patient/2'), firstSeenAt: '2026-06-20T09:00:00.000Z' },
      { period: july, patientToken: token(a.tenant.id, 'Patient/1'), firstSeenAt: '2026-07-01T00:00:00.000Z' },
    ]);
    expect(await patientsOf(a.tenant.id)).toEqual(expected);
    expect(await patientsOf(b.tenant.id)).toEqual([{ period: june, patientToken: token(b.tenant.id, 'Patient/1'), firstSeenAt: '2026-06-02T09:00:00.000Z' }]);
    // Same reference, two tenants: unrelated tokens; and no token is, or holds, the reference.
    expect(token(a.tenant.id, 'Patient/1')).not.toBe(token(b.tenant.id, 'Patient/1'));
    const [stored] = await db.transaction((tx) =>
      unwrapTx(tx).$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM "UsagePeriodPatient" WHERE "patientToken" LIKE '%Patient%' OR "patientToken" ~ '^[0-9]+$'`,
    );
    expect(stored?.n).toBe(0);
    expect(token(a.tenant.id, 'Patient/1')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('rebuilds period totals and patients equal to the incremental rollup, and re-keys them under new first terms', async () => {
    const { echo, tenant } = await fixtures().newTenant();
    await record(echo, { at: '2026-08-31T23:59:59.999Z', patients: ['Patient/9'] });
    await record(echo, { at: '2026-09-01T00:00:00Z', patients: ['Patient/1'] });
    await record(echo, { at: '2026-09-10T12:00:00Z', patients: ['Patient/2'] });
    await record(echo, { at: '2026-09-10T12:00:00Z', outcome: 'error', patients: ['Patient/3'] });
    await record(echo, { at: '2026-09-20T12:00:00Z', patients: ['Patient/1'], units: 5, operation: 'bulk-export' });
    await rollup.drainAll();
    const incremental = { totals: await periodTotalsOf(tenant.id), patients: await patientsOf(tenant.id) };
    expect(incremental.totals.map((t) => [t.period, t.class, t.billable, t.count])).toEqual([
      ['2026-08-01T00:00:00.000Z', 'fhir.read', true, 1],
      ['2026-09-01T00:00:00.000Z', 'bulk.resource', true, 1],
      ['2026-09-01T00:00:00.000Z', 'fhir.read', false, 1],
      ['2026-09-01T00:00:00.000Z', 'fhir.read', true, 2],
    ]);
    expect(incremental.patients).toHaveLength(3); // August: 9; September: 1 and 2

    // Same terms: the rebuild gives back exactly what the increments built.
    await rollup.rebuildFrom(tenant.id, new Date('2026-08-15T00:00:00Z'));
    expect({ totals: await periodTotalsOf(tenant.id), patients: await patientsOf(tenant.id) }).toEqual(incremental);

    // First terms from 10 September, Kolkata (UTC+5:30) local midnight, anchor 10: September is cut there.
    await addTerms(tenant.id, { timezone: 'Asia/Kolkata', anchorDay: 10, effectiveFrom: '2026-09-09T18:30:00Z' });
    await rollup.rebuildFrom(tenant.id, new Date('2026-09-09T18:30:00Z'));
    const rebuilt = { totals: await periodTotalsOf(tenant.id), patients: await patientsOf(tenant.id) };
    expect(rebuilt.totals.map((t) => [t.period, t.class, t.billable, t.count, t.units])).toEqual([
      ['2026-08-01T00:00:00.000Z', 'fhir.read', true, 1, 1],
      ['2026-09-01T00:00:00.000Z', 'fhir.read', true, 1, 1],
      ['2026-09-09T18:30:00.000Z', 'bulk.resource', true, 1, 5],
      ['2026-09-09T18:30:00.000Z', 'fhir.read', false, 1, 1],
      ['2026-09-09T18:30:00.000Z', 'fhir.read', true, 1, 1],
    ]);
    const t = (ref: string) => rollup.patientToken(tenant.id, ref);
    expect(rebuilt.patients).toEqual(
      sorted([
        { period: '2026-08-01T00:00:00.000Z', patientToken: t('Patient/9'), firstSeenAt: '2026-08-31T23:59:59.999Z' },
        { period: '2026-09-01T00:00:00.000Z', patientToken: t('Patient/1'), firstSeenAt: '2026-09-01T00:00:00.000Z' },
        // Patient/1 again after the cut: first seen in the new period on the 20th, not the 1st.
        { period: '2026-09-09T18:30:00.000Z', patientToken: t('Patient/1'), firstSeenAt: '2026-09-20T12:00:00.000Z' },
        { period: '2026-09-09T18:30:00.000Z', patientToken: t('Patient/2'), firstSeenAt: '2026-09-10T12:00:00.000Z' },
      ]),
    );

    // And the same as rolling every event up afresh under those terms.
    await db.transaction(async (tx) => {
      const q = unwrapTx(tx);
      await q.$executeRaw`DELETE FROM "UsageRollup" WHERE "tenantId" = ${tenant.id}::uuid`;
      await q.$executeRaw`DELETE FROM "UsagePeriodTotal" WHERE "tenantId" = ${tenant.id}::uuid`;
      await q.$executeRaw`DELETE FROM "UsagePeriodPatient" WHERE "tenantId" = ${tenant.id}::uuid`;
      await q.$executeRaw`INSERT INTO "UsageRollupQueue" ("usageId") SELECT "id" FROM "UsageEvent" WHERE "tenantId" = ${tenant.id}::uuid`;
    });
    await rollup.drainAll();
    expect({ totals: await periodTotalsOf(tenant.id), patients: await patientsOf(tenant.id) }).toEqual(rebuilt);
  });

  it('keeps the earliest first-seen instant across batches (a late-queued earlier event lowers it, a later one never raises it), as a rebuild does', async () => {
    const { echo, tenant } = await fixtures().newTenant();
    const t = rollup.patientToken(tenant.id, 'Patient/1');
    const seen = async () => (await patientsOf(tenant.id)).map((p) => [p.patientToken, p.firstSeenAt]);
    await record(echo, { at: '2026-10-10T10:00:00Z', patients: ['Patient/1'] });
    await rollup.drainAll();
    expect(await seen()).toEqual([[t, '2026-10-10T10:00:00.000Z']]);

    await record(echo, { at: '2026-10-05T08:30:00Z', patients: ['Patient/1'] }); // committed late, occurred earlier
    await rollup.drainAll();
    expect(await seen()).toEqual([[t, '2026-10-05T08:30:00.000Z']]);

    await record(echo, { at: '2026-10-20T10:00:00Z', patients: ['Patient/1'] });
    await record(echo, { at: '2026-10-01T00:00:00Z', outcome: 'error', patients: ['Patient/1'] }); // not billable: not seen
    await rollup.drainAll();
    expect(await seen()).toEqual([[t, '2026-10-05T08:30:00.000Z']]);

    const incremental = await patientsOf(tenant.id);
    await rollup.rebuildFrom(tenant.id, new Date('2026-10-01T00:00:00Z'));
    expect(await patientsOf(tenant.id)).toEqual(incremental);
  });

  it('says how fresh the rollups are: the oldest queued event, or now', async () => {
    await rollup.drainAll();
    const before = Date.now();
    expect((await rollup.refreshedAt()).getTime()).toBeGreaterThanOrEqual(before - 1_000);
    const { echo } = await fixtures().newTenant();
    await record(echo, { at: '2026-05-10T10:00:00Z' });
    const [queued] = await db.transaction((tx) =>
      unwrapTx(tx).$queryRaw<{ at: Date }[]>`
        SELECT q."enqueuedAt" AS "at" FROM "UsageRollupQueue" q JOIN "UsageEvent" e ON e."id" = q."usageId" WHERE e."tenantId" = ${echo.tenantId}::uuid`,
    );
    expect((await rollup.refreshedAt()).getTime()).toBeLessThanOrEqual(queued!.at.getTime());
    await rollup.drainAll();
    expect((await rollup.refreshedAt()).getTime()).toBeGreaterThan(queued!.at.getTime());
  });
});
