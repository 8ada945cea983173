import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** A signed file URL works this long (Bulk Data v3: capability URLs follow backend-services token expiry, ≤ 300 s). */
export const SIGNED_URL_TTL_SECONDS = 300;

export interface FileSignature {
  /** Unix seconds. */
  expires: number;
  signature: string;
}

export type SignatureCheck = 'ok' | 'expired' | 'invalid';

/**
 * Capability URLs for export files (https://hl7.org/fhir/uv/bulkdata/STU3/export.html#file-request):
 * an HMAC over the tenant, connection, export, file and expiry, keyed by a key derived from the
 * deployment's master key. A manifest fetch issues fresh ones; nothing is stored.
 */
export class SignedFileUrls {
  private readonly key: Buffer;
  /** Keys of URLs signed before a master key change (SB_VAULT_PREVIOUS_MASTER_KEYS): still accepted, never used to sign. */
  private readonly previous: readonly Buffer[];

  constructor(masterKey: Buffer, previousMasterKeys: readonly Buffer[] = []) {
    const derive = (k: Buffer) => Buffer.from(hkdfSync('sha256', k, Buffer.alloc(0), 'switchboard bulk-export file url', 32));
    this.key = derive(masterKey);
    this.previous = previousMasterKeys.map(derive);
  }

  sign(file: { tenantId: string; connectionId: string; exportId: string; fileName: string }, nowMs = Date.now()): FileSignature {
    const expires = Math.floor(nowMs / 1000) + SIGNED_URL_TTL_SECONDS;
    return { expires, signature: this.mac(this.key, file, expires) };
  }

  check(file: { tenantId: string; connectionId: string; exportId: string; fileName: string }, given: { expires: string; signature: string }, nowMs = Date.now()): SignatureCheck {
    if (!/^\d{1,12}$/.test(given.expires) || !/^[A-Za-z0-9_-]{43}$/.test(given.signature)) return 'invalid';
    const expires = Number(given.expires);
    const actual = Buffer.from(given.signature);
    const signedBy = (key: Buffer) => {
      const expected = Buffer.from(this.mac(key, file, expires));
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    };
    if (![this.key, ...this.previous].some(signedBy)) return 'invalid';
    const now = Math.floor(nowMs / 1000);
    // A signature from the future beyond the TTL was not made by sign(): refuse it too.
    return expires < now || expires > now + SIGNED_URL_TTL_SECONDS ? 'expired' : 'ok';
  }

  private mac(key: Buffer, file: { tenantId: string; connectionId: string; exportId: string; fileName: string }, expires: number): string {
    return createHmac('sha256', key).update([file.tenantId, file.connectionId, file.exportId, file.fileName, String(expires)].join('\n')).digest('base64url');
  }
}
