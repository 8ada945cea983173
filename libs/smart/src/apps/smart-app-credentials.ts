import { randomBytes, randomInt } from 'node:crypto';

export const SMART_CLIENT_ID_PREFIX = 'sbsa_';
export const SMART_CLIENT_SECRET_PREFIX = 'sbss_';
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const CLIENT_ID_CHARS = 20;
/** 256 bits: enough that a fast hash (SHA-256) is the right way to store it. */
const CLIENT_SECRET_BYTES = 32;

/** A SMART app's public client id: `sbsa_` + 20 alphanumerics (uniform: `randomInt` rejects bias). */
export const generateSmartClientId = (): string =>
  SMART_CLIENT_ID_PREFIX + Array.from({ length: CLIENT_ID_CHARS }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join('');

/** A confidential symmetric app's client secret: `sbss_` + 32 random bytes, base64url. Shown once; only its SHA-256 is stored. */
export const generateSmartClientSecret = (): string => SMART_CLIENT_SECRET_PREFIX + randomBytes(CLIENT_SECRET_BYTES).toString('base64url');
