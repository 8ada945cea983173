/**
 * Remembers, per API process, how clients poll each export's status: more than `burst` polls in
 * a row each sooner than `minIntervalMs` after the previous one are refused (429) until the client
 * waits. A client that honours Retry-After is never refused. Kept in memory, not in the database:
 * a status poll stays a read (the bench's status latency), and pacing abusive clients needs no
 * durability; with several api processes each paces the polls it sees.
 */
export class PollPacer {
  private readonly polls = new Map<string, { lastMs: number; early: number }>();

  constructor(
    private readonly minIntervalMs: number,
    private readonly burst: number,
    private readonly maxEntries = 10_000,
  ) {}

  allow(key: string, nowMs = Date.now()): boolean {
    const seen = this.polls.get(key);
    if (!seen) {
      if (this.polls.size >= this.maxEntries) this.polls.delete(this.polls.keys().next().value as string);
      this.polls.set(key, { lastMs: nowMs, early: 0 });
      return true;
    }
    const early = nowMs - seen.lastMs < this.minIntervalMs;
    if (early && seen.early >= this.burst) return false;
    seen.early = early ? seen.early + 1 : 0;
    seen.lastMs = nowMs;
    return true;
  }
}
