import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** API keys look like `sbk_<8-char id>_<secret>`; the part before the last `_` is the visible prefix. */
const API_KEY = /^sbk_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{43})$/;
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

const randomAlphanumeric = (length: number): string => {
  const bytes = randomBytes(length * 2);
  let out = '';
  // Rejection sampling keeps the distribution uniform over 62 symbols.
  for (const b of bytes) {
    if (b < 248) out += ALPHANUMERIC[b % 62];
    if (out.length === length) return out;
  }
  return out + randomAlphanumeric(length - out.length);
};

export interface GeneratedApiKey {
  key: string;
  prefix: string;
  keyHash: string;
}

/** A new API key with 256 bits of secret; only its hash and prefix are stored. */
export function generateApiKey(): GeneratedApiKey {
  const prefix = `sbk_${randomAlphanumeric(8)}`;
  const key = `${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, keyHash: sha256Hex(key) };
}

export const looksLikeApiKey = (token: string): boolean => API_KEY.test(token);

/** A client secret for OAuth client_secret_* authentication. */
export const generateClientSecret = (): string => `sbcs_${randomBytes(32).toString('base64url')}`;

export const generateClientId = (): string => `sbc_${randomAlphanumeric(20)}`;

/** Keys and secrets carry ≥ 256 bits of entropy, so a fast hash is the right tool (no KDF needed). */
export const sha256Hex = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex');

/** Constant-time comparison of two strings (lengths are not secret). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
