import { createCipheriv, createDecipheriv, hkdfSync, randomFillSync } from 'node:crypto';
import { ErrorCode, SbError } from '@sb/core';

const CURSOR_TTL_MS = 60 * 60_000;
const NONCE_BYTES = 12;
const NONCES_PER_FILL = 256;

/**
 * Random GCM nonces, drawn from the CSPRNG 256 at a time: one `randomBytes(12)` per sealed cursor was ≈ 1.6 %
 * of the api's CPU per proxied search (a call into the system's random source for 12 bytes).
 */
class NoncePool {
  private readonly pool = Buffer.alloc(NONCE_BYTES * NONCES_PER_FILL);
  private next = this.pool.length;

  /** A fresh nonce of its own (a copy: the pool's bytes are refilled later). */
  take(): Buffer {
    if (this.next === this.pool.length) {
      randomFillSync(this.pool);
      this.next = 0;
    }
    const nonce = Buffer.from(this.pool.subarray(this.next, this.next + NONCE_BYTES));
    this.next += NONCE_BYTES;
    return nonce;
  }
}

/**
 * Paging cursors: the vendor's `next` link sealed (AES-256-GCM) under a key derived
 * from the gateway's master key and bound to the connection, so clients page with
 * gateway-issued tokens and never see — or forge — vendor URLs.
 */
export class CursorCodec {
  private readonly key: Buffer;
  /** Keys of cursors sealed before a master key change (SB_VAULT_PREVIOUS_MASTER_KEYS): still opened, never used to seal. */
  private readonly previous: readonly Buffer[];
  private readonly nonces = new NoncePool();

  constructor(masterKey: Buffer, previousMasterKeys: readonly Buffer[] = []) {
    const derive = (k: Buffer) => Buffer.from(hkdfSync('sha256', k, Buffer.alloc(0), 'switchboard paging cursor v1', 32));
    this.key = derive(masterKey);
    this.previous = previousMasterKeys.map(derive);
  }

  seal(connectionId: string, vendorUrl: string, now = Date.now()): string {
    const nonce = this.nonces.take();
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce, { authTagLength: 16 });
    cipher.setAAD(Buffer.from(connectionId));
    const body = Buffer.concat([cipher.update(JSON.stringify([vendorUrl, now + CURSOR_TTL_MS]), 'utf8'), cipher.final()]);
    return Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The vendor URL behind a cursor; a forged, foreign or expired cursor is a 400. */
  open(connectionId: string, cursor: string, now = Date.now()): string {
    const invalid = new SbError(ErrorCode.ValidationFailed, 'Invalid search parameters', { issues: [{ path: '_cursor', message: 'unknown or expired cursor' }] });
    const raw = Buffer.from(cursor, 'base64url');
    for (const key of [this.key, ...this.previous]) {
      let opened: [string, number];
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12), { authTagLength: 16 });
        decipher.setAAD(Buffer.from(connectionId));
        decipher.setAuthTag(raw.subarray(12, 28));
        opened = JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as [string, number];
      } catch {
        continue;
      }
      const [url, expiresAtMs] = opened;
      if (typeof url !== 'string' || typeof expiresAtMs !== 'number' || expiresAtMs < now) throw invalid;
      return url;
    }
    throw invalid;
  }
}
