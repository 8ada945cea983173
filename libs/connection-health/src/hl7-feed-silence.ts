import { inWallClockHours } from '@sb/core';
import type { Hl7Silence } from '@sb/db';

const MINUTE_MS = 60_000;
/** Finest and coarsest step of the walk back through the watched hours. */
const MIN_STEP_MINUTES = 1;
const MAX_STEP_MINUTES = 15;

/**
 * Whether an HL7 feed watched by `watch` is silent at `now`: `watch.minutes` of watched time
 * (inside its hours; all of it when it has none) passed since `quietSince` (the last message, or
 * when watching began if none came since). Unwatched time does not count, so the night before
 * 07:00 does not count against a feed watched 07:00–19:00: it is silent at 07:30 when nothing
 * came since 07:00, and a feed allowed 8 hours of silence from 06:00 to 23:00 is silent after 8
 * watched hours, wherever the nights fall. Watched time is counted in steps of a tenth of
 * `minutes` (1 to 15 minutes), walking back from `now`.
 */
export function feedIsSilent(watch: Hl7Silence, quietSince: Date | null, now: Date): boolean {
  const since = quietSince?.getTime() ?? Number.NEGATIVE_INFINITY;
  if (watch.hours === null) return now.getTime() - since >= watch.minutes * MINUTE_MS;
  const hours = watch.hours;
  const step = Math.min(MAX_STEP_MINUTES, Math.max(MIN_STEP_MINUTES, Math.floor(watch.minutes / 10))) * MINUTE_MS;
  // At most a week of wall clock beyond the allowance (a watch of a few minutes a day could otherwise walk far back).
  const oldest = Math.max(since, now.getTime() - watch.minutes * MINUTE_MS - 7 * 1440 * MINUTE_MS);
  let watched = 0;
  for (let end = now.getTime(); end - step >= oldest; end -= step) {
    if (inWallClockHours(hours, new Date(end - step / 2))) watched += step;
    if (watched >= watch.minutes * MINUTE_MS) return true;
  }
  return false;
}
