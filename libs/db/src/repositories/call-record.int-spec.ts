import type { TestingModule } from '@nestjs/testing';
import { AuditModule, AuditService } from '@sb/audit';
import { TenancyModule } from '@sb/tenancy';
import { createTestingApp, Fixtures } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import { CallRecordRepository } from './call-record.repository';
import { UsageRepository } from './usage.repository';
import { AuditRepository } from './audit.repository';
import { PrismaService } from '../prisma.service';

describe('CallRecordRepository (real Postgres)', () => {
  let app: TestingModule;
  beforeAll(async () => {
    app = await createTestingApp([TenancyModule, AuditModule]);
  });
  afterAll(() => app.close());

  it('writes the usage event and the audit record of a call together, and a repeated call id meters once', async () => {
    const { tenant, echo } = await new Fixtures(app).newTenant();
    const transactionId = randomUUID();
    const occurredAt = new Date();
    const call = { tenantId: tenant.id, connectionId: echo.id, transactionId, vendor: 'echo' as const, operation: 'read', resourceType: 'Patient', outcome: 'success' as const, durationMs: 3, occurredAt, environment: 'sandbox' as const, actorType: 'api-key', actorId: 'k', purpose: null };
    const calls = app.get(CallRecordRepository);
    await calls.record(call, ['Patient/1']);
    await calls.record(call, ['Patient/1']);
    const events = (await app.get(UsageRepository).list(tenant.id, { limit: 100 })).items.filter((e) => e.transactionId === transactionId);
    expect(events).toEqual([expect.objectContaining({ operation: 'read', resourceType: 'Patient', vendor: 'echo', outcome: 'success', durationMs: 3 })]);
    expect(await app.get(AuditRepository).countByTransaction(tenant.id, transactionId)).toBe(2);
  });

  it('stores what the call bills, and queues it for the rollup once', async () => {
    const { tenant, echo } = await new Fixtures(app).newTenant();
    const calls = app.get(CallRecordRepository);
    const prisma = app.get(PrismaService);
    const occurredAt = new Date();
    const write = async (operation: string, outcome: 'success' | 'error', environment: 'sandbox' | 'production', duplicate = false) => {
      const transactionId = randomUUID();
      const call = { tenantId: tenant.id, connectionId: echo.id, transactionId, vendor: 'echo' as const, operation, resourceType: 'Patient', outcome, durationMs: 1, occurredAt, environment, duplicate, actorType: 'api-key', actorId: 'k', purpose: null };
      await calls.record(call, []);
      await calls.record(call, []);
      return prisma.usageEvent.findUniqueOrThrow({ where: { transactionId }, select: { id: true, class: true, billable: true, nonBillableReason: true } });
    };
    const rows = [
      await write('read', 'success', 'production'),
      await write('search', 'error', 'production'),
      await write('create', 'success', 'sandbox'),
      await write('message.in', 'success', 'production', true),
      await write('echo', 'success', 'production'),
    ];
    expect(rows.map(({ id: _id, ...r }) => r)).toEqual([
      { class: 'fhir.read', billable: true, nonBillableReason: null },
      { class: 'fhir.search', billable: false, nonBillableReason: 'failed' },
      { class: 'fhir.write', billable: false, nonBillableReason: 'sandbox' },
      { class: 'hl7.in', billable: false, nonBillableReason: 'duplicate' },
      { class: null, billable: false, nonBillableReason: 'unclassified' },
    ]);
    expect(await prisma.usageRollupQueue.count({ where: { usageId: { in: rows.map((r) => r.id) } } })).toBe(rows.length);
  });

  it('audits a call once per distinct patient it touched, or once without a patient', async () => {
    const { tenant, echo } = await new Fixtures(app).newTenant();
    const occurredAt = new Date();
    const calls = app.get(CallRecordRepository);
    const base = { tenantId: tenant.id, connectionId: echo.id, actorType: 'api-key', actorId: 'k', operation: 'search', resourceType: 'Observation', purpose: null, outcome: 'success' as const, occurredAt };
    const call = (transactionId: string) => ({ ...base, transactionId, vendor: 'echo' as const, durationMs: 1, environment: 'sandbox' as const });
    const many = randomUUID();
    await calls.record(call(many), ['Patient/1', 'Patient/2', 'Patient/1']);
    const none = randomUUID();
    await calls.record(call(none), []);
    const records = await app.get(AuditService).list(tenant.id, { limit: 100 });
    expect(records.filter((r) => r.transactionId === many).map((r) => r.patientRef).sort()).toEqual(['Patient/1', 'Patient/2']);
    expect(records.filter((r) => r.transactionId === none).map((r) => r.patientRef)).toEqual([null]);
  });

  it('commits concurrent calls together, each with its own patients, and fails only the call that cannot be written', async () => {
    const { tenant, echo } = await new Fixtures(app).newTenant();
    const calls = app.get(CallRecordRepository);
    const occurredAt = new Date();
    const call = (transactionId: string, connectionId = echo.id) => ({ tenantId: tenant.id, connectionId, transactionId, vendor: 'echo' as const, operation: 'read', resourceType: 'Patient', outcome: 'success' as const, durationMs: 1, occurredAt, environment: 'sandbox' as const, actorType: 'api-key', actorId: 'k', purpose: null });
    const ids = Array.from({ length: 20 }, () => randomUUID());
    const orphan = randomUUID();
    // Started in one turn of the event loop: they share a statement, and the orphan (no such connection) breaks it.
    const settled = await Promise.allSettled([...ids.map((id, i) => calls.record(call(id), [`Patient/${i}`, `Patient/x${i}`])), calls.record(call(orphan, randomUUID()), [])]);
    expect(settled.slice(0, ids.length).every((s) => s.status === 'fulfilled')).toBe(true);
    expect(settled.at(-1)?.status).toBe('rejected');
    const prisma = app.get(PrismaService);
    expect(await prisma.usageEvent.count({ where: { transactionId: { in: [...ids, orphan] } } })).toBe(ids.length);
    const audits = await prisma.auditRecord.findMany({ where: { transactionId: { in: [...ids, orphan] } }, select: { transactionId: true, patientRef: true } });
    expect(audits).toHaveLength(ids.length * 2);
    ids.forEach((id, i) => expect(audits.filter((a) => a.transactionId === id).map((a) => a.patientRef).sort()).toEqual([`Patient/${i}`, `Patient/x${i}`]));
  });
});
