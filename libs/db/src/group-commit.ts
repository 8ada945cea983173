const MAX_BATCH = 256;

interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Writes items submitted by concurrent callers together: whatever arrives while a batch is being written goes
 * in the next one, and each caller's promise settles when the batch holding its item has committed — so a
 * caller that was answered is as durable as if it had written alone. When a batch fails, its items are
 * written one by one, so one bad item fails only its own caller.
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
      const [only] = batch;
      if (batch.length === 1 && only) {
        only.reject(error);
        return;
      }
      for (const p of batch) await this.writeBatch([p]);
    }
  }
}
