/**
 * A per-connection circuit breaker: after `failureThreshold` consecutive transient
 * failures the circuit opens and calls fail fast for `openMs`; then one trial call
 * is let through (half-open) and its outcome closes or re-opens the circuit.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAtMs: number | null = null;
  private trialInFlight = false;

  constructor(
    private readonly failureThreshold: number,
    private readonly openMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when a call may proceed now. */
  allow(): boolean {
    if (this.openedAtMs === null) return true;
    if (this.now() - this.openedAtMs < this.openMs || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  /** Milliseconds until the next trial is allowed (0 when closed). */
  retryAfterMs(): number {
    return this.openedAtMs === null ? 0 : Math.max(0, this.openMs - (this.now() - this.openedAtMs));
  }

  succeeded(): void {
    this.failures = 0;
    this.openedAtMs = null;
    this.trialInFlight = false;
  }

  failed(): void {
    this.trialInFlight = false;
    this.failures += 1;
    if (this.failures >= this.failureThreshold) this.openedAtMs = this.now();
  }

  get state(): 'closed' | 'open' | 'half-open' {
    if (this.openedAtMs === null) return 'closed';
    return this.now() - this.openedAtMs < this.openMs ? 'open' : 'half-open';
  }
}
