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
  ChainAudit = 'maintenance.chain-audit',
}

export const QUEUE_OF: Record<JobName, QueueName> = {
  [JobName.Ping]: QueueName.Diagnostics,
  [JobName.PruneAssertionJtis]: QueueName.Maintenance,
  [JobName.RotateKek]: QueueName.Maintenance,
  [JobName.ChainAudit]: QueueName.Maintenance,
};

/** Default retry policy: 8 attempts, exponential from 2 s (2 s, 4 s, … ≈ 4 min total). */
export const DEFAULT_MAX_ATTEMPTS = 8;
export const DEFAULT_BACKOFF_MS = 2_000;
/** Completed jobs are kept briefly for inspection, failed ones longer for diagnosis. */
export const KEEP_COMPLETED_SECONDS = 3_600;
export const KEEP_FAILED_SECONDS = 7 * 86_400;
/** Audit records are linked into their tenant's hash chain within about this long of being written. */
export const CHAIN_AUDIT_EVERY_MS = 1_000;
/** Expired assertion jtis are pruned this often. */
export const PRUNE_JTIS_EVERY_MS = 60 * 60_000;
