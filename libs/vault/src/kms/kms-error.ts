import { ErrorCode, SbError } from '@sb/core';

/**
 * Why a KMS operation failed. The reason is the only detail a caller may branch
 * on: messages are static so that no key material, token or context value can
 * leak into logs or API responses through them.
 */
export const KmsErrorReason = {
  /** The wrapped key names a KEK (or KEK version) this provider does not hold. */
  UnknownKek: 'unknown_kek',
  /** The KEK version exists but is no longer allowed to decrypt (Vault min_decryption_version, disabled AWS key). */
  KekRetired: 'kek_retired',
  /** Authentication failed: tampered ciphertext, wrong context or wrong key. */
  UnwrapFailed: 'unwrap_failed',
  /** The KMS could not be reached, timed out, throttled or failed on its side. */
  Unavailable: 'unavailable',
  /** The KMS refused our credentials. */
  AccessDenied: 'access_denied',
  /** The KMS answered with something we do not understand. */
  BadResponse: 'bad_response',
  /** A caller passed something no KMS can accept (empty data key, malformed context). */
  InvalidInput: 'invalid_input',
  /** The provider's own settings are unusable (bad key length, non-derived transit key). */
  InvalidConfig: 'invalid_config',
} as const;
export type KmsErrorReason = (typeof KmsErrorReason)[keyof typeof KmsErrorReason];

const MESSAGES: Record<KmsErrorReason, string> = {
  unknown_kek: 'KEK unknown to the KMS provider',
  kek_retired: 'KEK version retired',
  unwrap_failed: 'Data key unwrap failed',
  unavailable: 'KMS unavailable',
  access_denied: 'KMS access denied',
  bad_response: 'KMS returned an unexpected response',
  invalid_input: 'Invalid KMS request',
  invalid_config: 'Invalid KMS configuration',
};

// A stored key that cannot be opened is our fault (500); a KMS that cannot be
// reached or refuses us is a dependency problem (503), which callers may retry.
const CODES: Record<KmsErrorReason, ErrorCode> = {
  unknown_kek: ErrorCode.Internal,
  kek_retired: ErrorCode.Internal,
  unwrap_failed: ErrorCode.Internal,
  unavailable: ErrorCode.DependencyUnavailable,
  access_denied: ErrorCode.DependencyUnavailable,
  bad_response: ErrorCode.DependencyUnavailable,
  invalid_input: ErrorCode.Internal,
  invalid_config: ErrorCode.Internal,
};

/** Safe details only: provider name, HTTP status, the KMS's error type name. */
export interface KmsErrorDetails {
  provider?: string;
  status?: number;
  kmsErrorType?: string;
}

export class KmsError extends SbError {
  constructor(
    readonly reason: KmsErrorReason,
    options: { details?: KmsErrorDetails; cause?: unknown } = {},
  ) {
    super(CODES[reason], MESSAGES[reason], { details: { reason, ...options.details }, cause: options.cause });
    this.name = 'KmsError';
  }
}

export const isKmsError = (e: unknown): e is KmsError => e instanceof KmsError;
