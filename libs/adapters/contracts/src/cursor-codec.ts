import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { ErrorCode, SbError } from '@sb/core';

const CURSOR_TTL_MS = 60 * 60_000;

/**
 * Paging cursors: the vendor's `next` link sealed (AES-256-GCM) under a key derived
 * from the gateway's master key and bound to the connection, so clients page with
 * gateway-issued tokens and never see — or forge — vendor URLs.
 */
export class CursorCodec {
  private readonly key: Buffer;
  /** Keys of cursors sealed before a master key change (SB_VAULT_PREVIOUS_MASTER_KEYS): still opened, never used to seal. */
  private readonly previous: readonly Buffer[];

  constructor(masterKey: Buffer, previousMasterKeys: readonly Buffer[] = []) {
    const derive = (k: Buffer) => Buffer.from(hkdfSync('sha256', k, Buffer.alloc(0), 'switchboard paging cursor v1', 32));
    this.key = derive(masterKey);
    this.previous = previousMasterKeys.map(derive);
  }

  seal(connectionId: string, vendorUrl: string, now = Date.now()): string {
    const nonce = randomBytes(12);
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
