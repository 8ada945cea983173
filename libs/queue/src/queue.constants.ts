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

/**
 * Names of jobs older versions made and this one no longer does: one still in Redis from before an upgrade (or
 * made by an older worker during a rolling one) completes without doing anything, instead of failing as unknown.
 * `maintenance.chain-audit`: audit chaining is a worker loop now (`AuditChainLoop`).
 */
export const RETIRED_JOB_NAMES: ReadonlySet<string> = new Set(['maintenance.chain-audit']);

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

/**
 * Redis pub/sub channel, after the deployment's key prefix (`${redisService.prefix}${HL7_APPLICATION_ACK_CHANNEL}`),
 * on which the worker hands an enhanced-mode HL7 application ACK to the mllp listener holding the
 * sender's socket. Payload: JSON {@link Hl7ApplicationAckNotice}. Best effort: the ACK is stored on the
 * message first; a listener that no longer holds the socket drops it.
 */
export const HL7_APPLICATION_ACK_CHANNEL = 'hl7:application-ack';

/** The full channel name for a key prefix. */
export const hl7ApplicationAckChannel = (redisPrefix: string): string => `${redisPrefix}${HL7_APPLICATION_ACK_CHANNEL}`;

/** What is published on {@link HL7_APPLICATION_ACK_CHANNEL}. */
export interface Hl7ApplicationAckNotice {
  /** The stored inbound message's id. */
  messageId: string;
  connectionId: string;
  /** The application ACK (AA/AE/AR) as HL7 text, unframed. */
  ack: string;
}
