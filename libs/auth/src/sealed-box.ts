import type { AppConfig } from '@sb/config';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM sealing of small platform secrets (the gateway's signing keys, webhook
 * endpoint secrets) under the master key. `context` is bound as associated data, so a
 * sealed value copied to another row fails to open. Format: v1.<iv>.<tag>.<ciphertext> (base64url).
 */
export function seal(masterKey: Buffer, plaintext: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', masterKey, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), body].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

function openWith(key: Buffer, sealed: string, context: string): string {
  const [version, iv, tag, body] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('Unrecognized sealed value format');
  // A fixed tag length: Node would otherwise accept a truncated tag.
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}

/** Opens with the first key that can, tried in order; throws the first key's error when none can. */
export function open(keys: readonly Buffer[], sealed: string, context: string): string {
  let firstError: unknown = new Error('No key to open a sealed value with');
  for (const [i, key] of keys.entries()) {
    try {
      return openWith(key, sealed, context);
    } catch (e) {
      if (i === 0) firstError = e;
    }
  }
  throw firstError;
}

/** The keys sealed values are opened with: the master key first, then the previous ones (SB_VAULT_PREVIOUS_MASTER_KEYS). */
export const masterKeys = (config: Pick<AppConfig, 'vaultMasterKey' | 'previousMasterKeys'>): readonly Buffer[] => [config.vaultMasterKey, ...config.previousMasterKeys];

/**
 * The value sealed under the master key, or null when it already is. Throws when no
 * configured key opens it (sealed under a key that is no longer configured, or altered).
 */
export function resealUnderMasterKey(config: Pick<AppConfig, 'vaultMasterKey' | 'previousMasterKeys'>, sealed: string, context: string): string | null {
  try {
    openWith(config.vaultMasterKey, sealed, context);
    return null;
  } catch {
    return seal(config.vaultMasterKey, open(config.previousMasterKeys, sealed, context), context);
  }
}

/** What re-sealing a kind of value under the master key did: re-sealed, already under it, or opened by no configured key (left as it was). */
export interface ResealReport {
  resealed: number;
  unchanged: number;
  failed: number;
}
