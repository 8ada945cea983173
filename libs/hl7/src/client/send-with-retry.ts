import { setTimeout as sleep } from 'node:timers/promises';
import type { AckCode } from '../hl7-ack';
import { isAccepted, type AckResult } from './ack-result';
import { Hl7AckTimeoutError, Hl7NegativeAckError, MllpTransportError, type MllpFailureReason } from './mllp-client-errors';
import type { MllpClient } from './mllp-client';

export interface MllpRetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** ACK wait per attempt, from the moment the message is written. */
  timeoutMs: number;
  /** Delay before the second attempt; doubles each time up to `maxDelayMs`, with jitter. */
  initialDelayMs: number;
  maxDelayMs: number;
  /**
   * Resend on AE/CE as well. Off by default: an application error usually reports
   * something wrong with the message itself, which a resend repeats, and the receiver may
   * have acted on part of it. Turn it on for receivers known to answer AE for passing
   * trouble (the Switchboard listener answers AE when it could not store a message and
   * asks for a resend). AR/CR are never resent: the receiver refuses the message as such.
   */
  retryOnApplicationError: boolean;
  /** Stops further attempts (the current one still completes). */
  signal?: AbortSignal;
  /** Called before each resend, e.g. for metrics; codes only. */
  onRetry?: (info: { attempt: number; reason: MllpFailureReason | 'AE' | 'CE'; delayMs: number }) => void;
}

/**
 * Defaults: 5 attempts over ≈ 2.5 minutes at worst (30 s ACK wait each, backoff 1 s → 8 s),
 * long enough to ride out a receiver restart, short enough that a queue worker's own
 * retry takes over for longer outages.
 */
export const DEFAULT_MLLP_RETRY_POLICY: Readonly<MllpRetryPolicy> = Object.freeze({
  maxAttempts: 5,
  timeoutMs: 30_000,
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  retryOnApplicationError: false,
});

/**
 * Sends a message until it is accepted, resending the same bytes — the same MSH-10 control
 * id — after an ACK timeout or a transport failure, so a receiver that deduplicates by
 * control id (HL7 v2.5.1 chapter 2, "Acknowledgment messages", duplicate detection) applies
 * it once. Resolves with the AA/CA acknowledgment.
 *
 * Throws `Hl7NegativeAckError` for AR/CR (never resent) and for AE/CE (resent only with
 * `retryOnApplicationError`, then thrown when attempts run out); `Hl7AckTimeoutError` when
 * every attempt ended without an ACK; and any other error (TLS failure, target refused by
 * policy, a message that cannot be framed, a closed client) at once.
 */
export async function sendWithRetry(client: MllpClient, message: string, policy: Partial<MllpRetryPolicy> = {}): Promise<AckResult> {
  const p: MllpRetryPolicy = { ...DEFAULT_MLLP_RETRY_POLICY, ...policy };
  if (!Number.isInteger(p.maxAttempts) || p.maxAttempts < 1) throw new RangeError('maxAttempts must be a positive integer');
  let lastFailure: { reason: MllpFailureReason; error: unknown } | undefined;
  for (let attempt = 1; ; attempt++) {
    let retryReason: MllpFailureReason | 'AE' | 'CE';
    let negative: Hl7NegativeAckError | undefined;
    try {
      const ack = await client.send(message, { timeoutMs: p.timeoutMs });
      if (isAccepted(ack.code)) return ack;
      negative = negativeAckError(ack);
      if (!(p.retryOnApplicationError && (ack.code === 'AE' || ack.code === 'CE'))) throw negative;
      retryReason = ack.code;
    } catch (error) {
      if (error === negative) throw error;
      const reason = retryableReason(error);
      if (reason === undefined) throw error;
      lastFailure = { reason, error };
      retryReason = reason;
    }
    if (attempt >= p.maxAttempts || p.signal?.aborted) {
      if (negative) throw negative;
      throw exhausted(attempt, lastFailure, p.timeoutMs);
    }
    const delayMs = backoffMs(attempt, p);
    p.onRetry?.({ attempt: attempt + 1, reason: retryReason, delayMs });
    try {
      await sleep(delayMs, undefined, { signal: p.signal, ref: false });
    } catch {
      // Aborted while waiting: report what the last attempt ran into.
      if (negative) throw negative;
      throw exhausted(attempt, lastFailure, p.timeoutMs);
    }
  }
}

/** The typed error for a non-accept ACK: codes and the receiver's own text only. */
export function negativeAckError(ack: AckResult): Hl7NegativeAckError {
  const first = ack.errors.find((e) => e.code !== undefined);
  const text = ack.errors.find((e) => e.text !== undefined)?.text;
  return new Hl7NegativeAckError(ack.code as Exclude<AckCode, 'AA' | 'CA'>, ack.controlId, first?.code, text);
}

function retryableReason(error: unknown): MllpFailureReason | undefined {
  if (error instanceof Hl7AckTimeoutError) return 'ack_timeout';
  // A certificate or handshake problem is configuration: resending only delays the report.
  if (error instanceof MllpTransportError && error.reason !== 'tls_failed') return error.reason;
  return undefined;
}

function exhausted(attempts: number, last: { reason: MllpFailureReason; error: unknown } | undefined, timeoutMs: number): Hl7AckTimeoutError {
  return new Hl7AckTimeoutError(attempts, last?.reason ?? 'ack_timeout', { timeoutMs, cause: last?.error });
}

/** Exponential with "equal jitter": at least half the nominal delay, so retries never bunch at zero. */
function backoffMs(attempt: number, p: MllpRetryPolicy): number {
  const nominal = Math.min(p.maxDelayMs, p.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(nominal / 2 + Math.random() * (nominal / 2));
}
