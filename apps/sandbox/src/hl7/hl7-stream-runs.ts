import { randomUUID } from 'node:crypto';
import { Hl7AckTimeoutError, Hl7NegativeAckError, MllpClient, MllpClientClosedError, MllpTransportError, sendWithRetry, type MllpRetryPolicy } from '@sb/hl7';
import { isOutboundError, LOCAL_DEVELOPMENT_TARGETS, type TargetPolicy } from '@sb/net';
import type { Logger } from '@sb/telemetry';
import type { Hl7StreamMessage } from './hl7-stream';

export interface StreamTarget {
  host: string;
  port: number;
}

export interface StreamDelivery {
  /** ACK wait per attempt. */
  ackTimeoutMs: number;
  /** Attempts per message (AE and timeouts are resent; AR never). */
  maxAttempts: number;
}

/** Why a run stopped before the end. */
export type StreamRunError = 'no_ack' | 'connect_failed' | 'connection_lost' | 'tls_failed' | 'target_not_allowed' | 'invalid_target' | 'cancelled' | 'internal_error';

export interface StreamNack {
  controlId: string;
  type: string;
  ackCode: string;
  errorCode?: string;
  text?: string;
}

export interface StreamProgress {
  runId: string;
  seed: number;
  target: StreamTarget;
  total: number;
  /** Messages written to the connection at least once (counted when each settles). */
  sent: number;
  /** Accepted (AA/CA). */
  acked: number;
  /** Refused (AR/CR), or still AE/CE after every attempt. */
  nacked: number;
  /** No acknowledgment after every attempt (the run stops there, as an interface engine holds its queue). */
  failed: number;
  /** Messages not yet settled (the rest of the run, when it stopped early). */
  pending: number;
  /** Resends after AE, a timeout or a dropped connection. */
  retries: number;
  done: boolean;
  error?: StreamRunError;
  startedAt: string;
  finishedAt?: string;
  nacks: StreamNack[];
}

/** Finished runs kept for progress queries. */
const MAX_RUNS = 100;
const MAX_NACKS_LISTED = 50;

interface Run {
  progress: StreamProgress;
  abort: AbortController;
  client: MllpClient;
}

/**
 * Runs the sandbox hospital's outbound feeds: each run owns one MLLP connection and sends
 * its messages in order, one at a time, waiting for each ACK (`sendWithRetry` with AE
 * resends: the sandbox plays a typical interface engine). Targets are vetted like any
 * outbound call; the sandbox allows loopback and private addresses (it runs beside the
 * gateway), never metadata or unroutable ones.
 */
export class Hl7StreamRuns {
  private readonly runs = new Map<string, Run>();

  constructor(
    private readonly logger: Logger,
    private readonly policy: TargetPolicy = LOCAL_DEVELOPMENT_TARGETS,
  ) {}

  start(messages: readonly Hl7StreamMessage[], seed: number, target: StreamTarget, delivery: StreamDelivery): StreamProgress {
    this.prune();
    const runId = randomUUID();
    const client = new MllpClient({ host: target.host, port: target.port, policy: this.policy, connectTimeoutMs: Math.max(1_000, delivery.ackTimeoutMs), idleTimeoutMs: 30_000 });
    const run: Run = {
      client,
      abort: new AbortController(),
      progress: {
        runId,
        seed,
        target,
        total: messages.length,
        sent: 0,
        acked: 0,
        nacked: 0,
        failed: 0,
        pending: messages.length,
        retries: 0,
        done: false,
        startedAt: new Date().toISOString(),
        nacks: [],
      },
    };
    this.runs.set(runId, run);
    this.execute(run, messages, delivery).catch((error: unknown) => {
      this.logger.error({ err: error, runId }, 'sandbox HL7 stream failed');
      this.finish(run, 'internal_error');
    });
    return this.snapshot(run);
  }

  get(runId: string): StreamProgress | undefined {
    const run = this.runs.get(runId);
    return run ? this.snapshot(run) : undefined;
  }

  /** Stops every run; their sockets close. */
  async close(): Promise<void> {
    const runs = [...this.runs.values()];
    for (const run of runs) run.abort.abort();
    await Promise.all(runs.map((run) => run.client.close()));
  }

  private async execute(run: Run, messages: readonly Hl7StreamMessage[], delivery: StreamDelivery): Promise<void> {
    const p = run.progress;
    const policy: Partial<MllpRetryPolicy> = {
      maxAttempts: delivery.maxAttempts,
      timeoutMs: delivery.ackTimeoutMs,
      initialDelayMs: 100,
      maxDelayMs: 2_000,
      retryOnApplicationError: true,
      signal: run.abort.signal,
      onRetry: () => {
        p.retries += 1;
      },
    };
    for (const message of messages) {
      if (run.abort.signal.aborted) return this.finish(run, 'cancelled');
      const writtenBefore = run.client.stats.messagesWritten;
      try {
        await sendWithRetry(run.client, message.raw, policy);
        p.acked += 1;
      } catch (error) {
        if (error instanceof Hl7NegativeAckError) {
          p.nacked += 1;
          if (p.nacks.length < MAX_NACKS_LISTED) p.nacks.push({ controlId: message.controlId, type: message.type, ackCode: error.ackCode, errorCode: error.errorCode, text: error.text });
        } else {
          if (error instanceof Hl7AckTimeoutError) p.failed += 1;
          if (run.client.stats.messagesWritten > writtenBefore) p.sent += 1;
          p.pending = p.total - p.acked - p.nacked - p.failed;
          return this.finish(run, run.abort.signal.aborted ? 'cancelled' : stopReason(error));
        }
      }
      if (run.client.stats.messagesWritten > writtenBefore) p.sent += 1;
      p.pending = p.total - p.acked - p.nacked - p.failed;
    }
    this.finish(run);
  }

  private finish(run: Run, error?: StreamRunError): void {
    const p = run.progress;
    if (p.done) return;
    p.done = true;
    p.finishedAt = new Date().toISOString();
    if (error) p.error = error;
    this.logger.info({ runId: p.runId, total: p.total, acked: p.acked, nacked: p.nacked, failed: p.failed, retries: p.retries, error }, 'sandbox HL7 stream finished');
    void run.client.close();
  }

  private snapshot(run: Run): StreamProgress {
    return { ...run.progress, target: { ...run.progress.target }, nacks: run.progress.nacks.map((n) => ({ ...n })) };
  }

  private prune(): void {
    if (this.runs.size < MAX_RUNS) return;
    for (const [id, run] of this.runs) {
      if (this.runs.size < MAX_RUNS) break;
      if (run.progress.done) this.runs.delete(id);
    }
  }
}

function stopReason(error: unknown): StreamRunError {
  if (error instanceof Hl7AckTimeoutError) return error.lastReason === 'ack_timeout' ? 'no_ack' : error.lastReason;
  if (isOutboundError(error)) return error.reason === 'target_not_allowed' ? 'target_not_allowed' : 'invalid_target';
  if (error instanceof MllpTransportError) return error.reason;
  if (error instanceof MllpClientClosedError) return 'cancelled';
  return 'internal_error';
}
