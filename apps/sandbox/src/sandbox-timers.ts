/**
 * Timers behind hangs and slow drips, tracked so closing the sandbox does not
 * wait for a fault to play out.
 */
export class SandboxTimers {
  private readonly pending = new Set<NodeJS.Timeout>();

  after(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      run();
    }, ms);
    this.pending.add(timer);
  }

  /** Resolves after `ms`, or early (false) when the client goes away or the sandbox closes. */
  wait(ms: number, abandoned: Promise<void>): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        resolve(true);
      }, ms);
      this.pending.add(timer);
      void abandoned.then(() => {
        clearTimeout(timer);
        this.pending.delete(timer);
        resolve(false);
      });
    });
  }

  clear(): void {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }
}
