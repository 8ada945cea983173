import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { UsageRepository } from '@sb/db';
import { ProcessingLoop } from '@sb/queue';
import { ROLLUP_BATCH_SIZE, UsageRollupService } from './usage-rollup.service';

/**
 * Pause when the queue was not full: a commit is in the totals within about this plus one batch
 * (the goal is 5 s; measured p99 ≈ 1.5 s at 10,000 calls/s). An idle round is one cheap query
 * (is anything queued?); the claim's transaction runs only when something is.
 */
export const ROLLUP_IDLE_MS = 1_000;
/** Pause after a failed batch (the database is down, say); the batch rolled back, its events stay queued. */
export const ROLLUP_ERROR_PAUSE_MS = 2_000;

/**
 * Rolls queued usage events up: batch after batch while batches come back full, then every
 * {@link ROLLUP_IDLE_MS}. Started by the worker; several workers may run it at once (batches
 * claim disjoint rows). `stop()` (and module destroy) waits for the batch in flight.
 */
@Injectable()
export class UsageRollupLoop implements OnModuleDestroy {
  private readonly loop: ProcessingLoop;

  constructor(rollup: UsageRollupService, usage: UsageRepository) {
    // Only a full batch means more is waiting: a partial one sleeps, so an idle queue costs one query per pause.
    const step = async () => {
      if (!(await usage.hasQueuedRollups())) return 0;
      return (await rollup.drainBatch(ROLLUP_BATCH_SIZE)).claimed >= ROLLUP_BATCH_SIZE ? 1 : 0;
    };
    this.loop = new ProcessingLoop('usage-rollup', step, { idleMs: ROLLUP_IDLE_MS, errorMs: ROLLUP_ERROR_PAUSE_MS });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  onModuleDestroy(): Promise<void> {
    return this.stop();
  }
}
