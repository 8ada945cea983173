import { inWallClockHours } from '@sb/core';
import type { Hl7Silence } from '@sb/db';

const MINUTE_MS = 60_000;

/**
 * Whether an HL7 feed watched by `watch` is silent at `now`: no message since `quietSince` for
 * `watch.minutes`, with both ends of that stretch inside the watched hours, so the night before
 * 07:00 does not count against a feed watched 07:00–19:00 (it is silent at 07:30 when nothing
 * came since 07:00). `quietSince` is the last message, or when watching began if none came since.
 */
export function feedIsSilent(watch: Hl7Silence, quietSince: Date | null, now: Date): boolean {
  const start = new Date(now.getTime() - watch.minutes * MINUTE_MS);
  if (quietSince && quietSince.getTime() > start.getTime()) return false;
  return watch.hours === null || (inWallClockHours(watch.hours, start) && inWallClockHours(watch.hours, now));
}
