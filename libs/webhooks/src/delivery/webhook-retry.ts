/**
 * Delay before each retry, by the number of attempts already made (index 0: after the
 * first failure). Twelve retries over ≈ 3.3 days: 5 s, 30 s, 2 min, 10 min, 30 min,
 * 1 h, 2 h, 4 h, 8 h, 12 h, 24 h, 24 h. After the last, the delivery is a dead letter.
 */
export const WEBHOOK_RETRY_SCHEDULE_MS: readonly number[] = [
  5_000,
  30_000,
  2 * 60_000,
  10 * 60_000,
  30 * 60_000,
  60 * 60_000,
  2 * 3_600_000,
  4 * 3_600_000,
  8 * 3_600_000,
  12 * 3_600_000,
  24 * 3_600_000,
  24 * 3_600_000,
];
/** One first attempt plus one per scheduled retry. */
export const WEBHOOK_MAX_ATTEMPTS = WEBHOOK_RETRY_SCHEDULE_MS.length + 1;
/** Each delay is spread ±20 % so a recovering receiver is not hit by every retry at once. */
export const WEBHOOK_RETRY_JITTER = 0.2;
/** A receiver's `Retry-After` is honoured when it asks for longer than the schedule, up to this. */
export const WEBHOOK_RETRY_AFTER_MAX_MS = 24 * 3_600_000;
/** An endpoint failing without a single success for this long is disabled (`failing`). */
export const WEBHOOK_DISABLE_AFTER_FAILING_MS = 5 * 24 * 3_600_000;

/**
 * When to try again after a failed attempt, or null when the schedule is exhausted.
 * `attemptsMade` counts the attempt that just failed; `random` is in [0, 1).
 */
export function nextAttemptAt(attemptsMade: number, now: Date, retryAfterMs: number | null, random: () => number = Math.random): Date | null {
  const base = WEBHOOK_RETRY_SCHEDULE_MS[attemptsMade - 1];
  if (base === undefined) return null;
  const jittered = Math.round(base * (1 + WEBHOOK_RETRY_JITTER * (2 * random() - 1)));
  const asked = retryAfterMs === null ? 0 : Math.min(retryAfterMs, WEBHOOK_RETRY_AFTER_MAX_MS);
  return new Date(now.getTime() + Math.max(jittered, asked));
}

/** `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1_000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now.getTime());
}
