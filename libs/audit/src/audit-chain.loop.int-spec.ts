import type { TestingModule } from '@nestjs/testing';
import { AuditRepository, Database } from '@sb/db';
import { TenancyModule } from '@sb/tenancy';
import { createTestingApp, Fixtures, type TenantFixture } from '@sb/testing';
import { randomUUID } from 'node:crypto';
import { verifyAuditChain } from './audit-chain';
import { AUDIT_CHAIN_IDLE_MS, AuditChainLoop } from './audit-chain.loop';
import { AuditModule } from './audit.module';
import { AuditService } from './audit.service';

let app: TestingModule;
let tenants: TenantFixture[];

beforeAll(async () => {
  app = await createTestingApp([TenancyModule, AuditModule]);
  const fixtures = new Fixtures(app);
  tenants = [await fixtures.newTenant(), await fixtures.newTenant()];
});
afterAll(() => app.close());

/** Appends `n` unchained records for the tenant, each in its own transaction, as requests do. */
async function append(tenant: TenantFixture, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await app.get(Database).transaction((tx) =>
      app.get(AuditService).append(tx, {
        tenantId: tenant.tenant.id,
        transactionId: randomUUID(),
        connectionId: tenant.echo.id,
        actorType: 'api-key',
        actorId: randomUUID(),
        operation: `read-${i}`,
        resourceType: 'Patient',
        patientRef: null,
        purpose: 'TREAT',
        outcome: 'success',
        occurredAt: new Date(),
      }),
    );
  }
}

/** The tenant's chained records, read straight from the table (the service's reads would chain first). */
const chained = (tenant: TenantFixture) => app.get(AuditRepository).list(tenant.tenant.id, { limit: 1000 });

async function waitForChained(tenant: TenantFixture, count: number, withinMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < withinMs) {
    if ((await chained(tenant)).length >= count) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${count} records were not chained within ${withinMs} ms`);
}

describe('AuditChainLoop', () => {
  it('chains what every tenant has pending without a reader asking, at once and then after each idle pause', async () => {
    const [a, b] = tenants as [TenantFixture, TenantFixture];
    await append(a, 3);
    await append(b, 2);
    // The loop's own rounds, through the real chainer: e2e workers on this database chain too, so the records
    // being chained alone would not show that this loop did it.
    const audit = app.get(AuditService);
    const chainAll = audit.chainAll.bind(audit);
    const rounds: { startedAt: number; endedAt: number; more: boolean }[] = [];
    jest.spyOn(audit, 'chainAll').mockImplementation(async () => {
      const startedAt = Date.now();
      const result = await chainAll();
      rounds.push({ startedAt, endedAt: Date.now(), more: result.more });
      return result;
    });
    // Other suites' tenants may have records pending too (a hundred of them make a round reach its cap).
    const afterAnIdlePause = () => rounds.some((_, i) => i > 0 && !rounds[i - 1]!.more);

    const loop = app.get(AuditChainLoop);
    const startedAt = Date.now();
    loop.start();
    try {
      await waitForChained(a, 3, 10_000);
      await waitForChained(b, 2, 10_000);
      // Written after the first round: chained by a later one, after the idle pause at most.
      await append(b, 2);
      await waitForChained(b, 4, AUDIT_CHAIN_IDLE_MS + 10_000);
      while (!afterAnIdlePause()) await new Promise((r) => setTimeout(r, 100));
    } finally {
      await loop.stop();
    }
    expect(rounds[0]!.startedAt - startedAt).toBeLessThan(1_000);
    // After a round that reached its cap the next starts at once; after one that did not, after the idle pause.
    for (let i = 1; i < rounds.length; i++) {
      const gap = rounds[i]!.startedAt - rounds[i - 1]!.endedAt;
      if (rounds[i - 1]!.more) expect(gap).toBeLessThan(1_000);
      else expect(gap).toBeGreaterThanOrEqual(AUDIT_CHAIN_IDLE_MS - 100);
    }
    for (const tenant of [a, b]) {
      const records = await chained(tenant);
      expect(verifyAuditChain(records)).toEqual({ ok: true, checked: records.length });
      expect(records.map((r) => r.sequence)).toEqual(records.map((_, i) => i + 1));
    }
  }, 60_000);
});
