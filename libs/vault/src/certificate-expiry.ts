import { ErrorCode, SbError } from '@sb/core';
import { X509Certificate } from 'node:crypto';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
/** The PEM `CERTIFICATE` blocks of a text, in order. */
export const pemCertificateBlocks = (text: string): string[] => text.match(PEM_CERTIFICATE) ?? [];
const PRIVATE_KEY = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;

/** When a certificate stops being accepted (`validTo` reads e.g. `Dec  3 22:00:00 2027 GMT`). */
export const notAfterOf = (certificate: X509Certificate): Date => new Date(certificate.validTo);

/**
 * When a secret holding PEM certificates stops working: a client certificate chain (the value
 * holds a private key too) when the first of its certificates expires; a CA bundle when the last
 * of them does (the site is verified against any one of them, so an old root left in the bundle
 * does not make it expire). null when the value holds no certificate. A certificate block that
 * does not parse is refused (400) now, since TLS would refuse it later with far less to go on.
 */
export function certificateSecretExpiry(value: Buffer): Date | null {
  const text = value.toString('latin1');
  if (!text.includes('-----BEGIN CERTIFICATE-----')) return null;
  const notAfters: number[] = [];
  for (const block of pemCertificateBlocks(text)) {
    try {
      notAfters.push(notAfterOf(new X509Certificate(block)).getTime());
    } catch {
      throw new SbError(ErrorCode.ValidationFailed, 'Secret value holds a certificate that does not parse', {
        issues: [{ path: 'value', message: 'a PEM CERTIFICATE block is not a valid X.509 certificate' }],
      });
    }
  }
  if (notAfters.length === 0) return null;
  return new Date(PRIVATE_KEY.test(text) ? Math.min(...notAfters) : Math.max(...notAfters));
}
