import { createHash } from 'node:crypto';

/**
 * A short, stable identifier of a secret value, shown in metadata so an admin can
 * tell versions apart and check which value is set. It is a truncated SHA-256
 * (64 bits), domain-separated; for a private key the JWK thumbprint of its public
 * key is shown instead (it matches the kid hospitals see).
 */
export const fingerprintOf = (value: Buffer): string =>
  `sha256:${createHash('sha256').update('switchboard-secret-fingerprint\0').update(value).digest('hex').slice(0, 16)}`;
