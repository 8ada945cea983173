/**
 * Billing-period helpers the console needs beyond what the API answers. Period ids are the
 * API's: `YYYY-MM` for a natural period, `YYYY-MM-DD` for one cut short or started late by a
 * change of terms.
 */

/** The id of the natural period before a natural period (`2026-01` → `2025-12`); null for a cut period's id. */
export function previousPeriodId(id: string): string | null {
  const m = /^(\d{4})-(\d{2})$/.exec(id);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  return month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, '0')}`;
}

/** The rollups count in 15-minute buckets: a "same point" is compared on whole buckets. */
export const BUCKET_MS = 15 * 60_000;

/**
 * [start, start + elapsed) of the last period, where `elapsed` is how far the current period
 * has run at `now`, in whole 15-minute buckets (and never past the last period's end).
 */
export function samePointRanges(current: { start: string }, last: { start: string; end: string }, now: Date): { current: { from: string; to: string }; last: { from: string; to: string } } | null {
  const curStart = new Date(current.start).getTime();
  const lastStart = new Date(last.start).getTime();
  const lastEnd = new Date(last.end).getTime();
  const elapsed = Math.floor((now.getTime() - curStart) / BUCKET_MS) * BUCKET_MS;
  if (elapsed <= 0) return null;
  const lastTo = Math.min(lastStart + elapsed, lastEnd);
  return {
    current: { from: new Date(curStart).toISOString(), to: new Date(curStart + elapsed).toISOString() },
    last: { from: new Date(lastStart).toISOString(), to: new Date(lastTo).toISOString() },
  };
}
