const BUCKET_MS = 15 * 60_000;

/**
 * Formats instants as the wall clock of one IANA zone with its explicit offset, to the
 * millisecond (`2026-03-08T01:59:59.999-05:00`; UTC is `+00:00`), fast enough for millions of
 * rows: the zone's offset is looked up once per 15-minute UTC bucket (offsets change only at
 * bucket boundaries in today's zones; a bucket whose two ends disagree is resolved per instant).
 */
export class ZonedTimestampFormatter {
  private readonly offsets: Intl.DateTimeFormat;
  private bucket = Number.NaN;
  /** Offset of the current bucket in minutes, or null when it changes inside the bucket. */
  private bucketOffset: number | null = null;

  constructor(timezone: string) {
    this.offsets = new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: 'longOffset', year: 'numeric' });
  }

  format(instant: Date): string {
    const ms = instant.getTime();
    const bucket = Math.floor(ms / BUCKET_MS);
    if (bucket !== this.bucket) {
      const start = this.offsetMinutes(bucket * BUCKET_MS);
      this.bucketOffset = start === this.offsetMinutes(bucket * BUCKET_MS + BUCKET_MS - 1) ? start : null;
      this.bucket = bucket;
    }
    const offset = this.bucketOffset ?? this.offsetMinutes(ms);
    return new Date(ms + offset * 60_000).toISOString().slice(0, 23) + offsetSuffix(offset);
  }

  /** The zone's offset from UTC at `ms`, in minutes (`GMT-05:00` → -300; `GMT` → 0). */
  private offsetMinutes(ms: number): number {
    const name = this.offsets.formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    const m = /^GMT([+-])(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(name);
    if (!m) return 0;
    const minutes = Number(m[2]) * 60 + Number(m[3]);
    return m[1] === '-' ? -minutes : minutes;
  }
}

function offsetSuffix(minutes: number): string {
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
