/** Largest secret value accepted (PEM keys, certificate chains and client secrets fit easily). */
export const MAX_SECRET_BYTES = 64 * 1024;

/** Secret names: what they are for, never what they contain. */
export const SECRET_NAME = /^[a-z0-9][a-z0-9_.:-]{0,127}$/;

export const KMS_PROVIDER = Symbol('KMS_PROVIDER');

/** Audit operations the vault records. */
export const SecretAuditOperation = {
  Write: 'secret.write',
  Decrypt: 'secret.decrypt',
  Delete: 'secret.delete',
} as const;
