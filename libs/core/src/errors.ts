/**
 * One error base for the whole gateway. Messages are static (never carry PHI or
 * secrets); details travel separately and are rendered only where safe; the cause
 * is chained for logs. Renderers: problem+json (admin REST), OperationOutcome
 * (FHIR routes), GraphQL `extensions.code`, HL7 ACK ERR segments.
 */
export const ErrorCode = {
  BadRequest: 'bad_request',
  ValidationFailed: 'validation_failed',
  MalformedJson: 'malformed_json',
  Unauthenticated: 'unauthenticated',
  InvalidCredentials: 'invalid_credentials',
  InvalidClient: 'invalid_client',
  InvalidGrant: 'invalid_grant',
  InvalidScope: 'invalid_scope',
  UnsupportedGrantType: 'unsupported_grant_type',
  Forbidden: 'forbidden',
  CsrfFailed: 'csrf_failed',
  NotFound: 'not_found',
  Conflict: 'conflict',
  /** A billing currency that is not the plan's. */
  CurrencyMismatch: 'currency_mismatch',
  /** A billing period that has not ended cannot be finalized. */
  PeriodOpen: 'period_open',
  /** A billing period that already has its invoice. */
  AlreadyClosed: 'already_closed',
  InviteExpired: 'invite_expired',
  PayloadTooLarge: 'payload_too_large',
  RateLimited: 'rate_limited',
  TooManyAttempts: 'too_many_attempts',
  NotSupported: 'not_supported',
  VendorError: 'vendor_error',
  VendorTimeout: 'vendor_timeout',
  DependencyUnavailable: 'dependency_unavailable',
  /** An `Idempotency-Key` already used for a request with a different body. */
  IdempotencyKeyReused: 'idempotency_key_reused',
  Internal: 'internal_error',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  malformed_json: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  invalid_client: 401,
  invalid_grant: 400,
  invalid_scope: 400,
  unsupported_grant_type: 400,
  forbidden: 403,
  csrf_failed: 403,
  not_found: 404,
  conflict: 409,
  currency_mismatch: 400,
  period_open: 409,
  already_closed: 409,
  invite_expired: 410,
  payload_too_large: 413,
  rate_limited: 429,
  too_many_attempts: 429,
  not_supported: 501,
  vendor_error: 502,
  vendor_timeout: 504,
  dependency_unavailable: 503,
  idempotency_key_reused: 409,
  internal_error: 500,
};

/** A field-level problem; `path` names the field, never its value. */
export interface FieldIssue {
  path: string;
  message: string;
}

export interface SbErrorOptions {
  /** Safe, PHI-free structured details (field issues, limits, ids). */
  details?: Record<string, unknown>;
  issues?: FieldIssue[];
  cause?: unknown;
}

export class SbError extends Error {
  readonly status: number;
  readonly details?: Record<string, unknown>;
  readonly issues?: FieldIssue[];

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: SbErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SbError';
    this.status = STATUS_BY_CODE[code];
    this.details = options.details;
    this.issues = options.issues;
  }
}

export const notFound = (what: string): SbError => new SbError(ErrorCode.NotFound, `${what} not found`);

export const isSbError = (e: unknown): e is SbError => e instanceof SbError;

export const statusForCode = (code: ErrorCode): number => STATUS_BY_CODE[code];

/** Returns the value, or throws `not_found` naming what was missing. */
export function foundOrFail<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw notFound(what);
  return value;
}
