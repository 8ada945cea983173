import { ErrorCode, SbError } from '@sb/core';
import { X509Certificate } from 'node:crypto';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** When a certificate stops being accepted (`validTo` reads e.g. `Dec  3 22:00:00 2027 GMT`). */
export const notAfterOf = (certificate: X509Certificate): Date => new Date(certificate.validTo);

/**
 * The earliest notAfter of the PEM certificates in a secret's value (a client certificate chain, a
 * CA bundle): the day the first of them stops being accepted. null when the value holds none. A
 * certificate block that does not parse is refused (400) now, since TLS would refuse it later with
 * far less to go on.
 */
export function earliestCertificateNotAfter(value: Buffer): Date | null {
  const text = value.toString('latin1');
  if (!text.includes('-----BEGIN CERTIFICATE-----')) return null;
  let earliest: Date | null = null;
  for (const [block] of text.matchAll(PEM_CERTIFICATE)) {
    let notAfter: Date;
    try {
      notAfter = notAfterOf(new X509Certificate(block));
    } catch {
      throw new SbError(ErrorCode.ValidationFailed, 'Secret value holds a certificate that does not parse', {
        issues: [{ path: 'value', message: 'a PEM CERTIFICATE block is not a valid X.509 certificate' }],
      });
    }
    if (!earliest || notAfter.getTime() < earliest.getTime()) earliest = notAfter;
  }
  return earliest;
}
