import { deleteRedisKeys, testRedisPrefix } from '@sb/testing';
import { processEnv } from '@sb/config';
import { Redis } from 'ioredis';
import { RedisRequestBudget } from './redis-request-budget';

describe('RedisRequestBudget (real Redis)', () => {
  const prefix = testRedisPrefix('redis-request-budget');
  const url = processEnv().REDIS_URL ?? 'redis://127.0.0.1:6379';
  // Two connections stand for two processes (an api and a worker) sharing one budget.
  const a = new Redis(url);
  const b = new Redis(url);
  const budgetA = new RedisRequestBudget(a, prefix);
  const budgetB = new RedisRequestBudget(b, prefix);

  afterAll(async () => {
    await deleteRedisKeys(prefix);
    a.disconnect();
    b.disconnect();
  });

  it('hands out slots at the configured rate across processes, queueing instead of refusing', async () => {
    const rate = { ratePerSecond: 20, maxWaitMs: 5_000 };
    const start = Date.now();
    const done: number[] = [];
    await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? budgetA : budgetB).acquire('host:practice-1', rate).then(() => done.push(Date.now() - start))));
    done.sort((x, y) => x - y);
    // 10 slots 50 ms apart from the first (granted at or after start): the i-th cannot complete
    // before i × 50 ms. Lower bounds only — a stalled test process observes early slots late,
    // which once made gaps between observed completions look shorter than the budget's.
    done.forEach((at, i) => expect(at).toBeGreaterThanOrEqual(i * 50 - 20));
  });

  it('keeps practices apart', async () => {
    const rate = { ratePerSecond: 1, maxWaitMs: 0 };
    await budgetA.acquire('host:practice-2', rate);
    await expect(budgetA.acquire('host:practice-3', rate)).resolves.toBeUndefined();
  });

  it('refuses typed, with Retry-After, a request that would wait longer than the bound, without taking a slot', async () => {
    const rate = { ratePerSecond: 1, maxWaitMs: 500 };
    await budgetA.acquire('host:practice-4', rate);
    const refused = budgetB.acquire('host:practice-4', rate);
    await expect(refused).rejects.toMatchObject({ code: 'rate_limited', status: 429, details: { reason: 'request_budget', retryAfterSeconds: 1 } });
    // The refusal took nothing: the next slot is still ~1 s away, not 2 s.
    await expect(budgetB.acquire('host:practice-4', { ratePerSecond: 1, maxWaitMs: 1_100 })).resolves.toBeUndefined();
  });

  it('counts uses in a sliding window and refuses the one over the limit', async () => {
    const limit = { limit: 3, windowSeconds: 1 };
    await budgetA.countInWindow('tokens:client-1', limit);
    await budgetB.countInWindow('tokens:client-1', limit);
    await budgetA.countInWindow('tokens:client-1', limit);
    await expect(budgetB.countInWindow('tokens:client-1', limit)).rejects.toMatchObject({ code: 'rate_limited', details: { reason: 'token_budget', retryAfterSeconds: 1 } });
    await new Promise((r) => setTimeout(r, 1_050));
    await expect(budgetB.countInWindow('tokens:client-1', limit)).resolves.toBeUndefined();
  });

  it('keeps its keys under the deployment prefix, with an expiry', async () => {
    const keys = await a.keys(`${prefix}:budget:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(await a.pttl(key)).toBeGreaterThan(0);
  });
});
