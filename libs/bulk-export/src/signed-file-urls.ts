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

  constructor(masterKey: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'switchboard bulk-export file url', 32));
  }

  sign(file: { tenantId: string; connectionId: string; exportId: string; fileName: string }, nowMs = Date.now()): FileSignature {
    const expires = Math.floor(nowMs / 1000) + SIGNED_URL_TTL_SECONDS;
    return { expires, signature: this.mac(file, expires) };
  }

  check(file: { tenantId: string; connectionId: string; exportId: string; fileName: string }, given: { expires: string; signature: string }, nowMs = Date.now()): SignatureCheck {
    if (!/^\d{1,12}$/.test(given.expires) || !/^[A-Za-z0-9_-]{43}$/.test(given.signature)) return 'invalid';
    const expires = Number(given.expires);
    const expected = Buffer.from(this.mac(file, expires));
    const actual = Buffer.from(given.signature);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return 'invalid';
    const now = Math.floor(nowMs / 1000);
    // A signature from the future beyond the TTL was not made by sign(): refuse it too.
    return expires < now || expires > now + SIGNED_URL_TTL_SECONDS ? 'expired' : 'ok';
  }

  private mac(file: { tenantId: string; connectionId: string; exportId: string; fileName: string }, expires: number): string {
    return createHmac('sha256', this.key).update([file.tenantId, file.connectionId, file.exportId, file.fileName, String(expires)].join('\n')).digest('base64url');
  }
}
