import { createCipheriv, createDecipheriv, createHash, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { KmsError } from './kms-error';
import type { KekRef, KmsProvider, WrapContext, WrappedKey } from './kms-provider';
import { encodeWrapContext } from './wrap-context';

const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
// The local KEK has no versions of its own: a new master key is a new KEK id.
const LOCAL_KEK_VERSION = '1';

export interface LocalKmsProviderOptions {
  /** The master key new data keys are wrapped under (32 bytes). */
  primaryKey: Buffer;
  /** Former master keys, kept for unwrapping until every data key has been re-wrapped. */
  previousKeys?: Buffer[];
}

/**
 * KEK = a configured 256-bit master key. Wrapped ciphertext layout:
 * `nonce (12 bytes) ‖ GCM tag (16 bytes) ‖ encrypted data key`, AES-256-GCM with
 * the canonical WrapContext as AAD.
 */
export class LocalKmsProvider implements KmsProvider {
  readonly name = 'local' as const;
  private readonly primary: { id: string; key: KeyObject };
  // KeyObjects rather than Buffers so an accidental log or inspect of the provider cannot print a key.
  private readonly keysById = new Map<string, KeyObject>();

  constructor(options: LocalKmsProviderOptions) {
    const all = [options.primaryKey, ...(options.previousKeys ?? [])];
    for (const raw of all) {
      if (!Buffer.isBuffer(raw) || raw.length !== KEY_BYTES) throw invalidConfig();
      this.keysById.set(localKekId(raw), createSecretKey(Buffer.from(raw)));
    }
    const primaryId = localKekId(options.primaryKey);
    this.primary = { id: primaryId, key: this.keysById.get(primaryId) as KeyObject };
  }

  async primaryKek(): Promise<KekRef> {
    return { id: this.primary.id, version: LOCAL_KEK_VERSION };
  }

  async wrap(dataKey: Buffer, context: WrapContext): Promise<WrappedKey> {
    if (dataKey.length === 0) throw new KmsError('invalid_input', { details: { provider: 'local' } });
    const aad = encodeWrapContext(context);
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.primary.key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad);
    const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return {
      kek: { id: this.primary.id, version: LOCAL_KEK_VERSION },
      ciphertext: Buffer.concat([nonce, cipher.getAuthTag(), body]),
    };
  }

  async unwrap(wrapped: WrappedKey, context: WrapContext): Promise<Buffer> {
    const key = this.keysById.get(wrapped.kek.id);
    if (!key || wrapped.kek.version !== LOCAL_KEK_VERSION) {
      throw new KmsError('unknown_kek', { details: { provider: 'local' } });
    }
    const aad = encodeWrapContext(context);
    const { ciphertext } = wrapped;
    if (ciphertext.length <= NONCE_BYTES + TAG_BYTES) throw new KmsError('unwrap_failed', { details: { provider: 'local' } });
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, ciphertext.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(aad);
      decipher.setAuthTag(ciphertext.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(ciphertext.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]);
    } catch (cause) {
      throw new KmsError('unwrap_failed', { details: { provider: 'local' }, cause });
    }
  }
}

/**
 * `local:` + 16 hex chars of SHA-256(key). Publishing 64 bits of a hash of a
 * random 256-bit key reveals nothing usable, and lets a wrapped key name its KEK.
 */
export function localKekId(key: Buffer): string {
  return `local:${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/**
 * Decodes a base64 master key (as configured in `SB_VAULT_MASTER_KEY`), refusing
 * anything that is not exactly 32 bytes in canonical base64 so a truncated or
 * mistyped key fails at boot rather than at the first decrypt.
 */
export function parseMasterKey(base64: string): Buffer {
  const trimmed = base64.trim();
  const key = Buffer.from(trimmed, 'base64');
  if (key.length !== KEY_BYTES || key.toString('base64') !== trimmed) throw invalidConfig();
  return key;
}

const invalidConfig = (): KmsError => new KmsError('invalid_config', { details: { provider: 'local' } });
