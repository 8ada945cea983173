import type { TestingModule } from '@nestjs/testing';
import { TenancyModule } from '@sb/tenancy';
import { createTestingApp, Fixtures } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import { CallRecordRepository } from './call-record.repository';
import { UsageRepository } from './usage.repository';
import { AuditRepository } from './audit.repository';

describe('CallRecordRepository (real Postgres)', () => {
  let app: TestingModule;
  beforeAll(async () => {
    app = await createTestingApp([TenancyModule]);
  });
  afterAll(() => app.close());

  it('writes the usage event and the audit record of a call together, and a repeated call id meters once', async () => {
    const { tenant, echo } = await new Fixtures(app).newTenant();
    const transactionId = randomUUID();
    const occurredAt = new Date();
    const usage = { tenantId: tenant.id, connectionId: echo.id, transactionId, vendor: 'echo' as const, operation: 'read', resourceType: 'Patient', outcome: 'success' as const, durationMs: 3, occurredAt };
    const audit = { tenantId: tenant.id, transactionId, connectionId: echo.id, actorType: 'api-key', actorId: 'k', operation: 'read', resourceType: 'Patient', patientRef: 'Patient/1', purpose: null, outcome: 'success' as const, occurredAt };
    const calls = app.get(CallRecordRepository);
    await calls.record(usage, audit);
    await calls.record(usage, audit);
    const events = (await app.get(UsageRepository).list(tenant.id, { limit: 100 })).items.filter((e) => e.transactionId === transactionId);
    expect(events).toEqual([expect.objectContaining({ operation: 'read', resourceType: 'Patient', vendor: 'echo', outcome: 'success', durationMs: 3 })]);
    expect(await app.get(AuditRepository).countByTransaction(tenant.id, transactionId)).toBe(2);
  });
});
