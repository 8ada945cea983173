import { parseEasternDateTime as athenaServerStamp } from '@sb/adapters/athena';

/**
 * athena stamps change-feed records (`lastmodified`, `scheduleddatetime`…) as
 * `MM/DD/YYYY HH:mm:ss` in the practice host's Eastern time, with no offset; newer
 * fields use ISO 8601 with an offset. The adapter's wire module owns the parsing
 * (DST-correct); the poller needs instants.
 */
function instantOf(value: string): Date | null {
  const dateTime = athenaServerStamp(value);
  return dateTime ? new Date(dateTime) : null;
}

/** The instant an Eastern wall-clock `MM/DD/YYYY HH:mm[:ss]` names, or null when it is not one (or is not a real date). */
export function parseEasternDateTime(value: string): Date | null {
  return /^\d{1,2}\/\d{1,2}\/\d{4}\s/.test(value.trim()) ? instantOf(value) : null;
}

/** An athena timestamp: Eastern `MM/DD/YYYY HH:mm:ss`, or ISO 8601 with an offset (newer fields); else null. */
export function parseAthenaTimestamp(value: unknown): Date | null {
  return typeof value === 'string' && value.trim() !== '' ? instantOf(value) : null;
}
