import { ErrorCode, SbError } from '@sb/core';
import { setTimeout as sleep } from 'node:timers/promises';

/** A steady request rate with a bound on how long a caller queues for its turn. */
export interface RequestRate {
  ratePerSecond: number;
  /** A request that would wait longer than this fails at once (RateLimited, with Retry-After). */
  maxWaitMs: number;
}

/** At most `limit` uses in any `windowSeconds`-long stretch of time (a sliding window). */
export interface WindowLimit {
  limit: number;
  windowSeconds: number;
}

/**
 * Request budgets shared by every process of a deployment (the Redis one) or by one
 * process (the in-memory one, for unit tests). Keys name what is limited — e.g. one
 * vendor host and practice — and are chosen by the adapter.
 */
export interface RequestBudget {
  /**
   * Waits for the next request slot of `key` at `rate` (GCRA: slots are handed out
   * `1 / ratePerSecond` apart, first come first served, across processes), then
   * returns. Throws RateLimited (details.retryAfterSeconds) when the wait would be
   * longer than `rate.maxWaitMs`; a refused caller takes no slot.
   */
  acquire(key: string, rate: RequestRate): Promise<void>;
  /**
   * Counts one use of `key`, or throws RateLimited (details.retryAfterSeconds) when
   * `limit` uses were already counted in the last `windowSeconds` (the refused use is
   * not counted). A sliding window stays under any fixed-window limit of the same size.
   */
  countInWindow(key: string, limit: WindowLimit): Promise<void>;
}

/** The typed refusal every budget throws; `reason` says which budget ran out. */
export function budgetExhausted(retryAfterMs: number, reason: 'request_budget' | 'token_budget'): SbError {
  return new SbError(ErrorCode.RateLimited, 'The EHR request budget of this connection is exhausted; retry later', {
    details: { reason, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) },
  });
}

/** Milliseconds between two slots at a rate (a rate ≤ 0 is treated as one request a second). */
export const slotIntervalMs = (ratePerSecond: number): number => 1000 / (ratePerSecond > 0 ? ratePerSecond : 1);

/**
 * The same budgets inside one process, for unit tests and single-process tools.
 * Same algorithm as the Redis one: a theoretical arrival time per key (GCRA) and a
 * log of use times per window key.
 */
export class InMemoryRequestBudget implements RequestBudget {
  private readonly nextSlotMs = new Map<string, number>();
  private readonly uses = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  async acquire(key: string, rate: RequestRate): Promise<void> {
    const now = this.now();
    const slot = Math.max(this.nextSlotMs.get(key) ?? 0, now);
    const waitMs = slot - now;
    if (waitMs > rate.maxWaitMs) throw budgetExhausted(waitMs, 'request_budget');
    this.nextSlotMs.set(key, slot + slotIntervalMs(rate.ratePerSecond));
    if (waitMs > 0) await sleep(waitMs);
  }

  countInWindow(key: string, limit: WindowLimit): Promise<void> {
    const now = this.now();
    const windowMs = limit.windowSeconds * 1000;
    const recent = (this.uses.get(key) ?? []).filter((t) => t > now - windowMs);
    if (recent.length >= limit.limit) {
      this.uses.set(key, recent);
      return Promise.reject(budgetExhausted((recent[0] ?? now) + windowMs - now, 'token_budget'));
    }
    recent.push(now);
    this.uses.set(key, recent);
    return Promise.resolve();
  }
}
