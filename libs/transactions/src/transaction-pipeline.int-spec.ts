import type { TestingModule } from '@nestjs/testing';
import { AuditModule, AuditService } from '@sb/audit';
import { ErrorCode, SbError } from '@sb/core';
import { AuditRepository, ConsoleUserRepository, PrismaService, UsageRepository } from '@sb/db';
import { TenancyModule } from '@sb/tenancy';
import { createTestingApp, Fixtures, lockTenantRow, type TenantFixture } from '@sb/testing';
import { EchoService } from './echo.service';
import { TransactionPipeline } from './transaction-pipeline';
import { TransactionsModule } from './transactions.module';

describe('TransactionPipeline (real Postgres)', () => {
  let app: TestingModule;
  let pipeline: TransactionPipeline;
  let usage: UsageRepository;
  let audit: AuditRepository;
  let a: TenantFixture;
  let b: TenantFixture;

  beforeAll(async () => {
    app = await createTestingApp([TenancyModule, TransactionsModule, AuditModule]);
    pipeline = app.get(TransactionPipeline);
    usage = app.get(UsageRepository);
    audit = app.get(AuditRepository);
    const fixtures = new Fixtures(app);
    a = await fixtures.newTenant();
    b = await fixtures.newTenant();
  });
  afterAll(() => app.close());

  const usageOf = async (tenantId: string, transactionId: string) =>
    (await usage.list(tenantId, { limit: 500 })).items.filter((e) => e.transactionId === transactionId);

  it('records exactly one usage event and one audit record per echo', async () => {
    const result = await app.get(EchoService).echo(a.actor(), a.tenant.id, a.echo.id, 'hello', 'Patient/p1');
    expect(result.echo.parameter[0]).toEqual({ name: 'message', valueString: 'hello' });

    const events = await usageOf(a.tenant.id, result.transactionId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ operation: 'echo', resourceType: 'Parameters', vendor: 'echo', outcome: 'success' });
    expect(await audit.countByTransaction(a.tenant.id, result.transactionId)).toBe(1);
    const [record] = (await app.get(AuditService).list(a.tenant.id, { limit: 500 })).filter((r) => r.transactionId === result.transactionId);
    expect(record).toMatchObject({ patientRef: 'Patient/p1', actorType: 'api-key', outcome: 'success' });
  });

  it('records a duplicate as non-billable usage with its audit record, without calling anything', async () => {
    const req = { tenantId: a.tenant.id, connectionId: a.echo.id, operation: 'create' as const, resourceType: 'DocumentReference', actor: a.actor() };
    const transactionId = await pipeline.recordDuplicate(req, ['Patient/p7']);
    const events = await usageOf(a.tenant.id, transactionId);
    expect(events).toEqual([expect.objectContaining({ operation: 'create', class: 'fhir.write', outcome: 'success', billable: false, nonBillableReason: 'duplicate' })]);
    const [record] = (await app.get(AuditService).list(a.tenant.id, { limit: 500 })).filter((r) => r.transactionId === transactionId);
    expect(record).toMatchObject({ operation: 'create', resourceType: 'DocumentReference', patientRef: 'Patient/p7', outcome: 'success' });
    // Authorized like any call: another tenant's credentials cannot record on this connection.
    await expect(pipeline.recordDuplicate({ ...req, tenantId: b.tenant.id, actor: b.actor() })).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });

  it('meters a retry whose work an earlier attempt had done (persist says alreadyDone) as a duplicate', async () => {
    const run = (done: boolean) =>
      pipeline.run(
        { tenantId: a.tenant.id, connectionId: a.echo.id, operation: 'message.in', resourceType: 'Patient', actor: a.actor() },
        { call: () => Promise.resolve('page'), persist: async (_tx, _page, ctx) => (done ? ctx.alreadyDone() : undefined) },
      );
    const first = await run(false);
    const retry = await run(true);
    expect((await usageOf(a.tenant.id, first.transactionId)).map((e) => e.nonBillableReason)).toEqual(['sandbox']);
    expect((await usageOf(a.tenant.id, retry.transactionId)).map((e) => [e.class, e.billable, e.nonBillableReason])).toEqual([['hl7.in', false, 'duplicate']]);
  });

  it('records a failed call once, as an error, and rethrows it', async () => {
    let transactionId = '';
    await expect(
      pipeline.run(
        { tenantId: a.tenant.id, connectionId: a.echo.id, operation: 'read', resourceType: 'Patient', actor: a.actor() },
        {
          call: (ctx) => {
            transactionId = ctx.transactionId;
            return Promise.reject(new SbError(ErrorCode.DependencyUnavailable, 'Vendor unavailable'));
          },
        },
      ),
    ).rejects.toMatchObject({ code: ErrorCode.DependencyUnavailable });
    const events = await usageOf(a.tenant.id, transactionId);
    expect(events.map((e) => e.outcome)).toEqual(['error']);
    expect(await audit.countByTransaction(a.tenant.id, transactionId)).toBe(1);
  });

  it("commits the work's own writes with its usage and audit rows, or none of them", async () => {
    const users = app.get(ConsoleUserRepository);
    let transactionId = '';
    await expect(
      pipeline.run(
        { tenantId: a.tenant.id, connectionId: a.echo.id, operation: 'create', resourceType: 'Basic', actor: a.actor() },
        {
          call: (ctx) => {
            transactionId = ctx.transactionId;
            return Promise.resolve('ok');
          },
          persist: async (tx) => {
            await users.create(tx, a.tenant.id, { email: 'rolled-back@example.test', name: 'Rolled Back', role: 'viewer' });
            throw new Error('write failed after the first insert');
          },
        },
      ),
    ).rejects.toThrow('write failed');
    expect((await users.list(a.tenant.id)).map((u) => u.email)).not.toContain('rolled-back@example.test');
    // The success rows rolled back with the write; the failure was then recorded once.
    expect((await usageOf(a.tenant.id, transactionId)).map((e) => e.outcome)).toEqual(['error']);
    expect(await audit.countByTransaction(a.tenant.id, transactionId)).toBe(1);
  });

  it("refuses another tenant's connection as not found and records nothing", async () => {
    const before = (await usage.list(b.tenant.id, { limit: 500 })).items.length;
    await expect(app.get(EchoService).echo(b.actor(), b.tenant.id, a.echo.id, 'x', null)).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
    expect((await usage.list(b.tenant.id, { limit: 500 })).items.length).toBe(before);
  });

  it('refuses a credential without the needed scope before calling', async () => {
    let called = false;
    await expect(
      pipeline.run(
        { tenantId: a.tenant.id, connectionId: a.echo.id, operation: 'create', resourceType: 'Patient', actor: a.actor(['system/Patient.rs']) },
        {
          call: () => {
            called = true;
            return Promise.resolve(null);
          },
        },
      ),
    ).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    expect(called).toBe(false);
  });

  it('refuses an actor of one tenant acting for another', async () => {
    await expect(app.get(EchoService).echo(b.actor(), a.tenant.id, a.echo.id, 'x', null)).rejects.toMatchObject({
      code: ErrorCode.Forbidden,
    });
  });

  it('keeps a gapless, verifiable audit chain under concurrent transactions', async () => {
    const echo = app.get(EchoService);
    await Promise.all(Array.from({ length: 20 }, (_, i) => echo.echo(a.actor(), a.tenant.id, a.echo.id, `m${i}`, null)));
    const records = await app.get(AuditService).list(a.tenant.id, { limit: 500 });
    expect(records.map((r) => r.sequence)).toEqual(records.map((_, i) => i + 1));
    expect(await app.get(AuditService).verify(a.tenant.id)).toEqual({ ok: true, checked: records.length });
  });
});

describe('TransactionPipeline when its usage record gives up waiting (real Postgres, SB_DB_STATEMENT_TIMEOUT_MS)', () => {
  let app: TestingModule;
  let a: TenantFixture;
  beforeAll(async () => {
    app = await createTestingApp([TenancyModule, TransactionsModule, AuditModule], { SB_DB_STATEMENT_TIMEOUT_MS: '1500' });
    a = await new Fixtures(app).newTenant();
  });
  afterAll(() => app.close());

  it('answers the failure without waiting as long again for its error record, which is still made once the lock is gone', async () => {
    const usageOf = async (transactionId: string) => (await app.get(UsageRepository).list(a.tenant.id, { limit: 500 })).items.filter((e) => e.transactionId === transactionId);
    // The tenant's row locked for update: the call's usage row (its foreign key) waits on it.
    const lock = await lockTenantRow(app.get(PrismaService), a.tenant.id);
    let transactionId = '';
    let failure: unknown;
    try {
      failure = await app
        .get(TransactionPipeline)
        .run(
          { tenantId: a.tenant.id, connectionId: a.echo.id, operation: 'read', resourceType: 'Patient', actor: a.actor() },
          {
            call: (ctx) => {
              transactionId = ctx.transactionId;
              return Promise.resolve('page');
            },
          },
        )
        .then(
          () => undefined,
          (error: unknown) => error,
        );
    } finally {
      // Released only once the call has answered: an error record it waited for would have given up too.
      await lock.release();
    }
    expect(failure).toMatchObject({ code: '57014' });
    for (const deadline = Date.now() + 15_000; (await usageOf(transactionId)).length === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
    expect((await usageOf(transactionId)).map((e) => e.outcome)).toEqual(['error']);
  });
});
