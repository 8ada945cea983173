import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits, URL-safe: states, launches, codes, refresh tokens and PKCE verifiers. */
export const newOneTimeValue = (): string => randomBytes(32).toString('base64url');

/** The PKCE S256 challenge of a verifier (RFC 7636 §4.2). */
export const s256Challenge = (verifier: string): string => createHash('sha256').update(verifier, 'ascii').digest('base64url');
