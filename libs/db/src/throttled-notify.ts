/**
 * Coalesces wake-ups on a busy path: the first call sends at once; calls within `windowMs`
 * of a send are folded into one more send at the end of the window, so the last of them is
 * never left to the listener's poll, and a burst costs at most one send per window. A failed
 * send is dropped (the listener still polls).
 */
export class ThrottledNotify {
  private lastSentAt = -Infinity;
  private trailing: NodeJS.Timeout | null = null;

  constructor(
    private readonly send: () => Promise<unknown>,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  notify(): void {
    if (this.trailing) return;
    const wait = this.lastSentAt + this.windowMs - this.now();
    if (wait <= 0) return this.fire();
    this.trailing = setTimeout(() => {
      this.trailing = null;
      this.fire();
    }, wait);
    this.trailing.unref();
  }

  /** Stops a pending trailing send (shutdown). */
  cancel(): void {
    if (this.trailing) clearTimeout(this.trailing);
    this.trailing = null;
  }

  private fire(): void {
    this.lastSentAt = this.now();
    void this.send().catch(() => undefined);
  }
}
