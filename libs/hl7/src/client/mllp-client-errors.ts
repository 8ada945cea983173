import { ErrorCode, SbError } from '@sb/core';
import type { AckCode } from '../hl7-ack';

// Messages here are static: they never quote the HL7 message (PHI). What a caller
// needs to act on travels as codes, and as the ERR text the receiving site wrote.

/** Why one delivery attempt did not produce an acknowledgment. */
export type MllpFailureReason =
  /** Nothing matching MSH-10 arrived within `timeoutMs`. */
  | 'ack_timeout'
  /** The socket closed or failed after the message was written. */
  | 'connection_lost'
  /** Could not connect (refused, reset, connect timeout, DNS). */
  | 'connect_failed'
  /** TLS handshake or certificate verification failed. */
  | 'tls_failed';

/**
 * The receiver answered AE/AR (original mode) or CE/CR (enhanced mode), HL7 v2.5.1
 * chapter 2, "Acknowledgment messages" (table 0008). `errorCode` is ERR-3 (table 0357)
 * when sent; `text` is the receiver's own ERR/MSA-3 text.
 */
export class Hl7NegativeAckError extends SbError {
  constructor(
    readonly ackCode: Exclude<AckCode, 'AA' | 'CA'>,
    /** MSA-2 of the acknowledgment: the control id of the refused message. */
    readonly controlId: string,
    readonly errorCode: string | undefined,
    readonly text: string | undefined,
  ) {
    super(ErrorCode.VendorError, 'HL7 receiver refused the message', { details: { ackCode, errorCode, text } });
    this.name = 'Hl7NegativeAckError';
  }
}

/**
 * No acknowledgment for the message after every allowed attempt (or after the one
 * attempt of `MllpClient.send`). `lastReason` says what the final attempt ran into.
 */
export class Hl7AckTimeoutError extends SbError {
  constructor(
    readonly attempts: number,
    readonly lastReason: MllpFailureReason,
    options: { timeoutMs?: number; cause?: unknown } = {},
  ) {
    super(ErrorCode.VendorTimeout, 'No HL7 acknowledgment was received', {
      details: { attempts, reason: lastReason, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) },
      cause: options.cause,
    });
    this.name = 'Hl7AckTimeoutError';
  }
}

/**
 * One attempt failed on the transport (connect, TLS, dropped socket). Retryable:
 * `sendWithRetry` resends the same message. Target-policy refusals are not this
 * error but an `OutboundError` from `@sb/net`, and are never retried.
 */
export class MllpTransportError extends SbError {
  constructor(
    readonly reason: Exclude<MllpFailureReason, 'ack_timeout'>,
    options: { cause?: unknown; errno?: string } = {},
  ) {
    super(ErrorCode.DependencyUnavailable, MESSAGES[reason], { details: { reason, ...(options.errno ? { errno: options.errno } : {}) }, cause: options.cause });
    this.name = 'MllpTransportError';
  }
}

const MESSAGES: Record<Exclude<MllpFailureReason, 'ack_timeout'>, string> = {
  connection_lost: 'MLLP connection was lost before the acknowledgment',
  connect_failed: 'MLLP connection failed',
  tls_failed: 'MLLP TLS handshake failed',
};

/** The message to send has no usable MSH (MSH-10 is required to match the acknowledgment). */
export class Hl7OutboundMessageError extends SbError {
  constructor(readonly reason: string) {
    super(ErrorCode.BadRequest, 'HL7 message cannot be sent', { details: { reason } });
    this.name = 'Hl7OutboundMessageError';
  }
}

/** The client or pool was closed while the call was waiting, or before it started. */
export class MllpClientClosedError extends SbError {
  constructor() {
    super(ErrorCode.DependencyUnavailable, 'MLLP client is closed');
    this.name = 'MllpClientClosedError';
  }
}
