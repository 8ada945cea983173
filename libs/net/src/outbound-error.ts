import { ErrorCode, SbError } from '@sb/core';
import type { AddressClass } from './address-policy';

/**
 * Why an outbound call was refused or failed. Callers branch on the reason only;
 * messages are static so that a tenant URL's path, query or credentials can never
 * reach logs or API responses through them.
 */
export const OutboundReason = {
  InvalidUrl: 'invalid_url',
  SchemeNotAllowed: 'scheme_not_allowed',
  CredentialsInUrl: 'credentials_in_url',
  FragmentNotAllowed: 'fragment_not_allowed',
  /** The host is an IP literal written in an evasive encoding (hex, octal, integer, percent-escaped). */
  HostNotAllowed: 'host_not_allowed',
  /** The host is, or resolves to, an address the target policy refuses. */
  TargetNotAllowed: 'target_not_allowed',
  DnsFailed: 'dns_failed',
  ConnectFailed: 'connect_failed',
  TlsFailed: 'tls_failed',
  Timeout: 'timeout',
  TooLarge: 'too_large',
  /** The peer answered with something HTTP cannot represent (bad status line, headers). */
  InvalidResponse: 'invalid_response',
  /** The connection broke after the response had started. */
  ResponseFailed: 'response_failed',
  /** The caller's own AbortSignal fired. */
  Aborted: 'aborted',
} as const;
export type OutboundReason = (typeof OutboundReason)[keyof typeof OutboundReason];

const MESSAGES: Record<OutboundReason, string> = {
  invalid_url: 'Outbound URL is invalid',
  scheme_not_allowed: 'Outbound URL scheme is not allowed',
  credentials_in_url: 'Outbound URL must not contain credentials',
  fragment_not_allowed: 'Outbound URL must not contain a fragment',
  host_not_allowed: 'Outbound URL host is not allowed',
  target_not_allowed: 'Outbound target address is not allowed',
  dns_failed: 'Outbound host could not be resolved',
  connect_failed: 'Outbound connection failed',
  tls_failed: 'Outbound TLS handshake failed',
  timeout: 'Outbound request timed out',
  too_large: 'Outbound response exceeds the size limit',
  invalid_response: 'Outbound response is malformed',
  response_failed: 'Outbound response was interrupted',
  aborted: 'Outbound request was aborted',
};

// A refused URL is fixed by whoever configured it (400); everything else is the
// remote side misbehaving or being unreachable (503, retryable by callers).
const CODES: Record<OutboundReason, ErrorCode> = {
  invalid_url: ErrorCode.BadRequest,
  scheme_not_allowed: ErrorCode.BadRequest,
  credentials_in_url: ErrorCode.BadRequest,
  fragment_not_allowed: ErrorCode.BadRequest,
  host_not_allowed: ErrorCode.BadRequest,
  target_not_allowed: ErrorCode.BadRequest,
  dns_failed: ErrorCode.DependencyUnavailable,
  connect_failed: ErrorCode.DependencyUnavailable,
  tls_failed: ErrorCode.DependencyUnavailable,
  timeout: ErrorCode.DependencyUnavailable,
  too_large: ErrorCode.DependencyUnavailable,
  invalid_response: ErrorCode.DependencyUnavailable,
  response_failed: ErrorCode.DependencyUnavailable,
  aborted: ErrorCode.DependencyUnavailable,
};

/** Safe details only: never the URL's path, query or userinfo, never resolved addresses. */
export interface OutboundErrorDetails {
  host?: string;
  addressClass?: AddressClass;
  timeoutMs?: number;
  maxBodyBytes?: number;
}

export class OutboundError extends SbError {
  constructor(
    readonly reason: OutboundReason,
    options: { details?: OutboundErrorDetails; cause?: unknown } = {},
  ) {
    super(CODES[reason], MESSAGES[reason], { details: { reason, ...options.details }, cause: options.cause });
    this.name = 'OutboundError';
  }
}

export const isOutboundError = (e: unknown): e is OutboundError => e instanceof OutboundError;
