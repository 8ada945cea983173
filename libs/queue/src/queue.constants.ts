/** Queues; one BullMQ queue each. */
export enum QueueName {
  Diagnostics = 'diagnostics',
  Maintenance = 'maintenance',
}

/** Job names; every one has exactly one handler in the worker (checked at boot). */
export enum JobName {
  Ping = 'diagnostics.ping',
  PruneAssertionJtis = 'maintenance.prune-assertion-jtis',
  RotateKek = 'maintenance.rotate-kek',
}

export const QUEUE_OF: Record<JobName, QueueName> = {
  [JobName.Ping]: QueueName.Diagnostics,
  [JobName.PruneAssertionJtis]: QueueName.Maintenance,
  [JobName.RotateKek]: QueueName.Maintenance,
};

/** Default retry policy: 8 attempts, exponential from 2 s (2 s, 4 s, … ≈ 4 min total). */
export const DEFAULT_MAX_ATTEMPTS = 8;
export const DEFAULT_BACKOFF_MS = 2_000;
/** Completed jobs are kept briefly for inspection, failed ones longer for diagnosis. */
export const KEEP_COMPLETED_SECONDS = 3_600;
export const KEEP_FAILED_SECONDS = 7 * 86_400;
/** Expired assertion jtis are pruned this often. */
export const PRUNE_JTIS_EVERY_MS = 60 * 60_000;
