import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Binds a ciphertext to the row it belongs to; moved to another row, it fails to decrypt. */
export interface SecretAad {
  tenantId: string;
  connectionId: string;
  name: string;
  version: number;
}

export interface SealedValue {
  ciphertext: Buffer;
  nonce: Buffer;
  authTag: Buffer;
}

const ALGORITHM = 'aes-256-gcm';
export const DATA_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Unambiguous encoding of the AAD: a versioned JSON array (no field can bleed into another). */
export const encodeAad = (aad: SecretAad): Buffer =>
  Buffer.from(JSON.stringify(['sb-secret-v1', aad.tenantId, aad.connectionId, aad.name, aad.version]), 'utf8');

export const newDataKey = (): Buffer => randomBytes(DATA_KEY_BYTES);

/**
 * Encrypts one secret version with its own data key: AES-256-GCM with a random
 * 96-bit nonce and the row identity as associated data (NIST SP 800-38D).
 */
export function sealValue(plaintext: Buffer, dataKey: Buffer, aad: SecretAad): SealedValue {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, dataKey, nonce);
  cipher.setAAD(encodeAad(aad));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, nonce, authTag: cipher.getAuthTag() };
}

/** Decrypts and authenticates; throws when any byte of ciphertext, nonce, tag or AAD differs. */
export function openValue(sealed: SealedValue, dataKey: Buffer, aad: SecretAad): Buffer {
  // Without a fixed tag length Node accepts truncated (4–15 byte) tags, weakening forgery resistance.
  const decipher = createDecipheriv(ALGORITHM, dataKey, sealed.nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(encodeAad(aad));
  decipher.setAuthTag(sealed.authTag);
  return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
}
