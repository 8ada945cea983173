import { budgetExhausted, slotIntervalMs, type RequestBudget, type RequestRate, type WindowLimit } from '@sb/adapters/contracts';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';

/**
 * GCRA reservation: the key holds the theoretical arrival time (ms) of the next free
 * slot. A caller whose slot is at most `maxWait` away takes it (the TAT moves one
 * interval on) and learns how long to wait; one further away takes nothing. Redis's
 * own clock (TIME) is the clock, so processes on hosts with skewed clocks agree.
 * Returns {taken (1|0), waitMs}.
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local maxWait = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - now
if wait > maxWait then return {0, math.ceil(wait)} end
local nextTat = tat + interval
redis.call('SET', KEYS[1], string.format('%.3f', nextTat), 'PX', math.ceil(nextTat - now) + 1000)
return {1, math.ceil(wait)}
`;

/**
 * Sliding-window log: one sorted-set member per counted use, scored by its time.
 * Returns {counted (1|0), retryAfterMs}.
 */
const COUNT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local windowMs = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - windowMs)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, math.max(1, tonumber(oldest[2]) + windowMs - now)}
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], windowMs)
return {1, 0}
`;

type ScriptReply = [number, number];
type BudgetCommands = Redis & {
  sbBudgetAcquire(key: string, intervalMs: string, maxWaitMs: string): Promise<ScriptReply>;
  sbBudgetCount(key: string, windowMs: string, limit: string, member: string): Promise<ScriptReply>;
};

/**
 * The request budget every api and worker process of a deployment shares: one Redis
 * script per operation (atomic, no lock), keys under the deployment's Redis prefix.
 */
export class RedisRequestBudget implements RequestBudget {
  private readonly redis: BudgetCommands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    if (!('sbBudgetAcquire' in redis)) {
      redis.defineCommand('sbBudgetAcquire', { numberOfKeys: 1, lua: ACQUIRE });
      redis.defineCommand('sbBudgetCount', { numberOfKeys: 1, lua: COUNT });
    }
    this.redis = redis as BudgetCommands;
  }

  async acquire(key: string, rate: RequestRate): Promise<void> {
    const [taken, waitMs] = await this.redis.sbBudgetAcquire(this.keyOf('rate', key), slotIntervalMs(rate.ratePerSecond).toFixed(3), String(Math.max(0, Math.floor(rate.maxWaitMs))));
    if (taken !== 1) throw budgetExhausted(waitMs, 'request_budget');
    if (waitMs > 0) await sleep(waitMs);
  }

  async countInWindow(key: string, limit: WindowLimit): Promise<void> {
    const [counted, retryAfterMs] = await this.redis.sbBudgetCount(this.keyOf('window', key), String(limit.windowSeconds * 1000), String(limit.limit), randomUUID());
    if (counted !== 1) throw budgetExhausted(retryAfterMs, 'token_budget');
  }

  private keyOf(kind: 'rate' | 'window', key: string): string {
    return `${this.prefix}:budget:${kind}:${key}`;
  }
}
