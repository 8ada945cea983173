import { randomInt } from 'node:crypto';
import { LOCAL_DEVELOPMENT_TARGETS, type TargetPolicy } from '@sb/net';
import type { Logger } from '@sb/telemetry';
import { z } from 'zod';
import type { SynthDataset } from '../dataset/dataset.types';
import { Hl7Receiver } from './hl7-receiver';
import { generateHl7Stream, HL7_STREAM_TYPES } from './hl7-stream';
import { Hl7StreamRuns, type StreamProgress } from './hl7-stream-runs';

/** Where the sandbox hospital takes orders and notes when SB_SANDBOX_MLLP_PORT is not set (the gateway's own listener is 2575). */
export const DEFAULT_SANDBOX_MLLP_PORT = 2576;
export const MAX_STREAM_COUNT = 1_000;

const hl7Name = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[^|^~\\&\r\n]+$/, 'must not contain HL7 delimiters (| ^ ~ \\ &) or line breaks');

export const streamRequestSchema = z.strictObject({
  /** The gateway's MLLP listener. */
  host: z
    .string()
    .min(1)
    .max(253)
    .regex(/^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?|\[?[0-9A-Fa-f:.]+\]?)$/, 'a host name or IP address'),
  port: z.int().min(1).max(65_535),
  /** MSH-4: the gateway routes messages by it (a connection's HL7 sending facility). */
  sendingFacility: hl7Name,
  /** MSH-3 */
  sendingApplication: hl7Name.default('SB_HIS'),
  receivingApplication: hl7Name.default('SWITCHBOARD'),
  receivingFacility: hl7Name.default('SWITCHBOARD'),
  count: z.int().min(1).max(MAX_STREAM_COUNT).default(20),
  types: z.array(z.enum(HL7_STREAM_TYPES)).min(1).max(HL7_STREAM_TYPES.length).optional(),
  /** The same seed sends the same messages, control ids included; a random one when absent. */
  seed: z.int().min(0).max(2 ** 32 - 1).optional(),
  ackTimeoutMs: z.int().min(50).max(120_000).default(10_000),
  maxAttempts: z.int().min(1).max(10).default(3),
});
export type StreamRequest = z.infer<typeof streamRequestSchema>;

/**
 * The sandbox's HL7 v2 hospital: it sends a synthetic feed to a gateway's MLLP listener
 * on request and receives the gateway's orders and notes on its own MLLP port.
 */
export class Hl7Site {
  readonly receiver: Hl7Receiver;
  readonly runs: Hl7StreamRuns;

  constructor(
    private readonly dataset: SynthDataset,
    logger: Logger,
    policy: TargetPolicy = LOCAL_DEVELOPMENT_TARGETS,
  ) {
    this.receiver = new Hl7Receiver(logger);
    this.runs = new Hl7StreamRuns(logger, policy);
  }

  listen(port: number, host: string, options: { fallbackToEphemeral?: boolean } = {}): Promise<number> {
    return this.receiver.listen(port, host, options);
  }

  startStream(request: StreamRequest): StreamProgress {
    const seed = request.seed ?? randomInt(0, 2 ** 32 - 1);
    const messages = generateHl7Stream(this.dataset, {
      seed,
      count: request.count,
      types: request.types ?? HL7_STREAM_TYPES,
      sendingFacility: request.sendingFacility,
      sendingApplication: request.sendingApplication,
      receivingApplication: request.receivingApplication,
      receivingFacility: request.receivingFacility,
    });
    const host = request.host.replace(/^\[(.*)\]$/, '$1');
    return this.runs.start(messages, seed, { host, port: request.port }, { ackTimeoutMs: request.ackTimeoutMs, maxAttempts: request.maxAttempts });
  }

  async close(): Promise<void> {
    await Promise.all([this.runs.close(), this.receiver.close()]);
  }
}
