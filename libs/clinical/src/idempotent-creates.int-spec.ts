import type { Resource } from '@medplum/fhirtypes';
import type { TestingModule } from '@nestjs/testing';
import { AuditModule, AuditService } from '@sb/audit';
import { ConnectionService, ConnectionsModule } from '@sb/connections';
import { ErrorCode } from '@sb/core';
import { IDEMPOTENCY_CLAIM_STALE_MS, IdempotencyRepository, UsageRepository, type Connection, type DbTransaction } from '@sb/db';
import { createTestingApp, Fixtures, type TenantFixture } from '@sb/testing';
import { TenancyModule } from '@sb/tenancy';
import { TransactionPipeline, TransactionsModule } from '@sb/transactions';
import { createHash, randomUUID } from 'node:crypto';
import { IdempotentCreates } from './idempotent-creates';

describe('Idempotency-Key replays are metered as duplicates (real Postgres)', () => {
  let app: TestingModule;
  let creates: IdempotentCreates;
  let pipeline: TransactionPipeline;
  let a: TenantFixture;
  let production: Connection;

  beforeAll(async () => {
    app = await createTestingApp([TenancyModule, TransactionsModule, ConnectionsModule, AuditModule]);
    pipeline = app.get(TransactionPipeline);
    creates = new IdempotentCreates(app.get(IdempotencyRepository), pipeline);
    a = await new Fixtures(app).newTenant();
    production = await app.get(ConnectionService).create(a.tenant.id, {
      name: 'Clinic EHR',
      vendor: 'hl7v2',
      environment: 'production',
      hl7SendingFacility: `CLINIC-${randomUUID().slice(0, 8)}`,
      mllpTls: false,
      hl7AckMode: 'original',
    });
  });
  afterAll(() => app.close());

  const note: Resource = { resourceType: 'DocumentReference', status: 'current', subject: { reference: 'Patient/p42' }, content: [] } as Resource;

  /** A create through the pipeline whose EHR call is counted, as ClinicalService does it. */
  function createOnce(calls: { n: number }, key: string) {
    const actor = a.actor();
    return creates.run({ tenantId: a.tenant.id, connectionId: production.id, key, request: { note }, actor, resourceType: 'DocumentReference' }, async (persist) => {
      const { result } = await pipeline.run(
        { tenantId: a.tenant.id, connectionId: production.id, operation: 'create', resourceType: 'DocumentReference', actor, patientRef: 'Patient/p42' },
        {
          call: () => {
            calls.n += 1;
            return Promise.resolve({ id: 'doc-1', resource: { ...note, id: 'doc-1' } as Resource });
          },
          persist: async (tx: DbTransaction, r) => persist?.(tx, r),
        },
      );
      return { ...result, replayed: false };
    });
  }

  it('bills the first create and counts each replay as non-billable fhir.write usage with its audit record', async () => {
    const calls = { n: 0 };
    const key = `k-${randomUUID()}`;
    expect(await createOnce(calls, key)).toMatchObject({ id: 'doc-1', replayed: false });
    expect(await createOnce(calls, key)).toMatchObject({ id: 'doc-1', replayed: true });
    expect(await createOnce(calls, key)).toMatchObject({ id: 'doc-1', replayed: true });
    expect(calls.n).toBe(1);

    const events = (await app.get(UsageRepository).list(a.tenant.id, { limit: 100 })).items.filter((e) => e.connectionId === production.id);
    expect(events.map((e) => [e.operation, e.class, e.outcome, e.billable, e.nonBillableReason]).sort((x, y) => Number(x[3]) - Number(y[3]))).toEqual([
      ['create', 'fhir.write', 'success', false, 'duplicate'],
      ['create', 'fhir.write', 'success', false, 'duplicate'],
      ['create', 'fhir.write', 'success', true, null],
    ]);
    const trail = await app.get(AuditService).list(a.tenant.id, { limit: 500 });
    for (const e of events) {
      // The replay disclosed the stored note again: its record names the patient, like the first.
      expect(trail.filter((r) => r.transactionId === e.transactionId).map((r) => [r.operation, r.resourceType, r.patientRef])).toEqual([['create', 'DocumentReference', 'Patient/p42']]);
    }
  });

  it('meters nothing for a refused repeat (a different body)', async () => {
    const key = `k-${randomUUID()}`;
    await createOnce({ n: 0 }, key);
    const before = (await app.get(UsageRepository).list(a.tenant.id, { limit: 500 })).items.length;
    await expect(
      creates.run({ tenantId: a.tenant.id, connectionId: production.id, key, request: { other: true }, actor: a.actor(), resourceType: 'DocumentReference' }, () =>
        Promise.reject(new Error('must not be called')),
      ),
    ).rejects.toMatchObject({ code: ErrorCode.Conflict });
    expect((await app.get(UsageRepository).list(a.tenant.id, { limit: 500 })).items).toHaveLength(before);
  });

  it('lets a repeat take over a claim left unfinished by a process that died, once it is stale, and not before', async () => {
    const records = app.get(IdempotencyRepository);
    const hashOf = (request: unknown) => createHash('sha256').update(JSON.stringify(request)).digest('hex');
    // A claim made by a process killed before it completed or released it.
    const staleKey = `k-${randomUUID()}`;
    expect(await records.claim(a.tenant.id, production.id, staleKey, hashOf({ note }), new Date(Date.now() - IDEMPOTENCY_CLAIM_STALE_MS - 1_000))).toEqual({ claimed: true });
    const calls = { n: 0 };
    expect(await createOnce(calls, staleKey)).toMatchObject({ id: 'doc-1', replayed: false });
    expect(await createOnce(calls, staleKey)).toMatchObject({ id: 'doc-1', replayed: true });
    expect(calls.n).toBe(1);

    // A recent unfinished claim is a request still running: the repeat is told to retry.
    const freshKey = `k-${randomUUID()}`;
    expect(await records.claim(a.tenant.id, production.id, freshKey, hashOf({ note }), new Date(Date.now() - 10_000))).toEqual({ claimed: true });
    await expect(createOnce({ n: 0 }, freshKey)).rejects.toMatchObject({ code: ErrorCode.Conflict, details: { retryAfterSeconds: 1 } });
    // A stale claim is never taken over by a different request.
    const otherKey = `k-${randomUUID()}`;
    await records.claim(a.tenant.id, production.id, otherKey, hashOf({ other: true }), new Date(Date.now() - IDEMPOTENCY_CLAIM_STALE_MS - 1_000));
    await expect(createOnce({ n: 0 }, otherKey)).rejects.toMatchObject({ code: ErrorCode.Conflict, message: 'Idempotency-Key was used for a different request' });
  });
});
