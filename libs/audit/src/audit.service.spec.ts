import type { AuditRepository } from '@sb/db';
import { AuditService, CHAIN_TENANTS_PER_RUN } from './audit.service';

/** The repository's chaining over an in-memory set of tenants with one pending record each. */
function tenantsPending(count: number, failing: ReadonlySet<string> = new Set()) {
  const pending = new Set(Array.from({ length: count }, (_, i) => `t-${String(i).padStart(4, '0')}`));
  const chainedInOrder: string[] = [];
  const records = {
    tenantsWithPending: (limit: number, after: string | null) =>
      Promise.resolve([...pending].sort().filter((id) => after === null || id > after).slice(0, limit)),
    chainPending: (tenantId: string) => {
      if (failing.has(tenantId)) return Promise.reject(new Error('chain refused'));
      if (!pending.delete(tenantId)) return Promise.resolve(0);
      chainedInOrder.push(tenantId);
      return Promise.resolve(1);
    },
  } as unknown as AuditRepository;
  return { service: new AuditService(records), pending, chainedInOrder };
}

describe('AuditService.chainAll', () => {
  it('goes on after the last tenant of a round that reached its cap, then starts again from the first', async () => {
    const { service, pending } = tenantsPending(CHAIN_TENANTS_PER_RUN * 2 + 50);
    expect(await service.chainAll()).toEqual({ linked: CHAIN_TENANTS_PER_RUN, more: true });
    // Tenants early in id order write again meanwhile: they wait for the next pass, not the ones after them.
    pending.add('t-0000');
    expect(await service.chainAll()).toEqual({ linked: CHAIN_TENANTS_PER_RUN, more: true });
    expect(await service.chainAll()).toEqual({ linked: 50, more: false });
    expect([...pending]).toEqual(['t-0000']);
    expect(await service.chainAll()).toEqual({ linked: 1, more: false });
  });

  it('chains the other tenants when one tenant cannot be chained', async () => {
    const { service, chainedInOrder } = tenantsPending(5, new Set(['t-0001']));
    expect(await service.chainAll()).toEqual({ linked: 4, more: false });
    expect(chainedInOrder).toEqual(['t-0000', 't-0002', 't-0003', 't-0004']);
  });
});
