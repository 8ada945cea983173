/**
 * A key-encryption-key (KEK) service. Data keys are wrapped and unwrapped here;
 * the KEK itself never leaves the provider (except the local provider, whose KEK
 * is the configured master key).
 */
export interface KmsProvider {
  /** Stable provider name stored with every wrapped key: `local`, `aws-kms`, `vault-transit`. */
  readonly name: KmsProviderName;

  /** The KEK new data keys are wrapped under (id and version as the provider names them). */
  primaryKek(): Promise<KekRef>;

  /**
   * Wraps a plaintext data key under the primary KEK. `context` is bound to the
   * wrapped key (AAD / encryption context) so it cannot be unwrapped for another row.
   */
  wrap(dataKey: Buffer, context: WrapContext): Promise<WrappedKey>;

  /** Unwraps with whichever KEK version `wrapped.kek` names; fails if it is retired/unknown. */
  unwrap(wrapped: WrappedKey, context: WrapContext): Promise<Buffer>;
}

export type KmsProviderName = 'local' | 'aws-kms' | 'vault-transit';

export interface KekRef {
  /** Provider-specific key id (local: `local:<hash prefix>`, AWS: key ARN, Vault: transit key name). */
  id: string;
  /** Version of that key the material was wrapped under (`'1'`, `'2'`, …; AWS: `'0'` — AWS versions internally). */
  version: string;
}

export interface WrappedKey {
  kek: KekRef;
  /** Opaque ciphertext of the data key as the provider returned it. */
  ciphertext: Buffer;
}

/** Bound into every wrap so a wrapped key only opens for the secret version it belongs to. */
export interface WrapContext {
  tenantId: string;
  connectionId: string;
  secretName: string;
  version: number;
}
