import { Injectable } from '@nestjs/common';
import { UsageRepository } from '@sb/db';
import { ProcessingLoop, ProcessingLoopService } from '@sb/queue';
import { ROLLUP_BATCH_SIZE, UsageRollupService } from './usage-rollup.service';

/**
 * Pause after a batch that was not full: under load, a commit is in the totals within about this plus
 * one batch (the goal is 5 s; measured p99 ≈ 1.5 s at 10,000 calls/s).
 */
export const ROLLUP_TRICKLE_PAUSE_MS = 1_000;
/**
 * Pause when nothing was queued: the first commit after a quiet spell is in the totals within about
 * this. An idle round is one cheap query (is anything queued?); the claim's transaction runs only when
 * something is. At 1 s that query was a fifth of an idle worker's CPU.
 */
export const ROLLUP_IDLE_MS = 2_000;
/** Pause after a failed batch (the database is down, say); the batch rolled back, its events stay queued. */
export const ROLLUP_ERROR_PAUSE_MS = 2_000;

/**
 * Rolls queued usage events up: batch after batch while batches come back full, then every
 * {@link ROLLUP_TRICKLE_PAUSE_MS} while events come, every {@link ROLLUP_IDLE_MS} when none do. Started by the worker; several workers may run it at once (batches
 * claim disjoint rows). `stop()` (and module destroy) waits for the batch in flight.
 */
@Injectable()
export class UsageRollupLoop extends ProcessingLoopService {
  protected readonly loop: ProcessingLoop;

  constructor(rollup: UsageRollupService, usage: UsageRepository) {
    super();
    // Only a full batch means more is waiting: a partial one pauses, so an idle queue costs one query per pause.
    const step = async () => ((await usage.hasQueuedRollups()) ? (await rollup.drainBatch(ROLLUP_BATCH_SIZE)).claimed : 0);
    this.loop = new ProcessingLoop('usage-rollup', step, {
      idleMs: ROLLUP_IDLE_MS,
      errorMs: ROLLUP_ERROR_PAUSE_MS,
      linger: { ms: ROLLUP_TRICKLE_PAUSE_MS, after: (claimed) => claimed < ROLLUP_BATCH_SIZE },
    });
  }
}
