const MAX_BATCH = 256;

interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Whether a Postgres statement gave up waiting, whatever rows it carried: a statement timeout or cancel (57014),
 * a lock not available (55P03), an idle transaction ended (25P03). Writing its rows again one by one would only
 * wait as long again for each. Other failures (a deadlock, a lost connection, a bad row) are worth the retry
 * that writing them one by one is.
 */
export function statementGaveUpWaiting(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '57014' || code === '55P03' || code === '25P03';
}

/**
 * Writes items submitted by concurrent callers together: whatever arrives while a batch is being written goes
 * in the next one, and each caller's promise settles when the batch holding its item has committed — so a
 * caller that was answered is as durable as if it had written alone. When a batch fails, its items are written
 * one by one, so one bad item fails only its own caller — unless the statement gave up waiting
 * ({@link statementGaveUpWaiting}): then every caller of the batch gets that error at once.
 */
export class GroupCommit<T> {
  private pending: Pending<T>[] = [];
  private writing = false;

  constructor(private readonly write: (items: T[]) => Promise<void>) {}

  submit(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      // Callers in the same turn of the event loop join the first batch.
      if (!this.writing && this.pending.length === 1) setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_BATCH);
        await this.writeBatch(batch);
      }
    } finally {
      this.writing = false;
    }
  }

  private async writeBatch(batch: Pending<T>[]): Promise<void> {
    try {
      await this.write(batch.map((p) => p.item));
      for (const p of batch) p.resolve();
    } catch (error) {
      if (batch.length === 1 || statementGaveUpWaiting(error)) {
        for (const p of batch) p.reject(error);
        return;
      }
      for (const p of batch) await this.writeBatch([p]);
    }
  }
}
