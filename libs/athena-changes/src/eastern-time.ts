/**
 * athena stamps change-feed records (`lastmodified`, `scheduleddatetime`…) as
 * `MM/DD/YYYY HH:mm:ss` in the practice host's Eastern time, with no offset.
 * https://docs.athenahealth.com/api/guides/best-practices (dates and times)
 */
const EASTERN = 'America/New_York';
const EASTERN_DATETIME = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2})(?::(\d{2}))?$/;

const partsFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: EASTERN,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** Eastern's offset from UTC at `instant`, in ms (−4 h or −5 h). */
function easternOffsetMs(instant: number): number {
  const p = Object.fromEntries(partsFormat.formatToParts(new Date(instant)).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The instant an Eastern wall-clock `MM/DD/YYYY HH:mm[:ss]` names, or null when it is not one (or is not a real date). */
export function parseEasternDateTime(value: string): Date | null {
  const m = EASTERN_DATETIME.exec(value.trim());
  if (!m) return null;
  const [month, day, year, hour, minute] = m.slice(1, 6).map(Number) as [number, number, number, number, number];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(wall);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return null;
  // The offset at the guessed instant, then again at the corrected one (right across DST changes).
  const first = wall - easternOffsetMs(wall);
  return new Date(wall - easternOffsetMs(first));
}

/** An athena timestamp: Eastern `MM/DD/YYYY HH:mm:ss`, or ISO 8601 with an offset (newer fields); else null. */
export function parseAthenaTimestamp(value: unknown): Date | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  const eastern = parseEasternDateTime(value);
  if (eastern) return eastern;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value.trim())) return null;
  const parsed = new Date(value.trim());
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}
