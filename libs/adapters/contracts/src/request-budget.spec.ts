import { InMemoryRequestBudget } from './request-budget';

describe('InMemoryRequestBudget', () => {
  it('spaces requests at the rate and refuses one that would wait past the bound', async () => {
    const budget = new InMemoryRequestBudget();
    const start = Date.now();
    await Promise.all([1, 2, 3].map(() => budget.acquire('k', { ratePerSecond: 20, maxWaitMs: 1_000 })));
    expect(Date.now() - start).toBeGreaterThanOrEqual(90);
    await expect(budget.acquire('k', { ratePerSecond: 1, maxWaitMs: 0 })).rejects.toMatchObject({ code: 'rate_limited', details: { reason: 'request_budget' } });
  });

  it('counts in a sliding window', async () => {
    let now = 0;
    const budget = new InMemoryRequestBudget(() => now);
    await budget.countInWindow('t', { limit: 2, windowSeconds: 60 });
    now = 30_000;
    await budget.countInWindow('t', { limit: 2, windowSeconds: 60 });
    await expect(budget.countInWindow('t', { limit: 2, windowSeconds: 60 })).rejects.toMatchObject({ details: { reason: 'token_budget', retryAfterSeconds: 30 } });
    now = 60_001;
    await expect(budget.countInWindow('t', { limit: 2, windowSeconds: 60 })).resolves.toBeUndefined();
  });
});
