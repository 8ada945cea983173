import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateSecretExpiry } from './certificate-expiry';

// Throwaway self-signed certificates of different lifetimes, made with the openssl CLI.
const dir = mkdtempSync(join(tmpdir(), 'sb-cert-expiry-'));
const make = (name: string, days: number) => {
  execFileSync('/usr/bin/openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', String(days), '-subj', `/CN=${name}`, '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`)], { stdio: 'ignore' });
  return { cert: readFileSync(join(dir, `${name}.crt`)), key: readFileSync(join(dir, `${name}.key`)) };
};
const short = make('short', 3);
const long = make('long', 400);
const notAfter = (pem: Buffer) => new Date(new X509Certificate(pem).validTo);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('certificateSecretExpiry', () => {
  it('a client certificate chain (with its key) expires with its first certificate', () => {
    expect(certificateSecretExpiry(Buffer.concat([long.cert, short.cert, long.key]))).toEqual(notAfter(short.cert));
  });

  it('a CA bundle (no key) expires with its last certificate: an old root left in it is not the end', () => {
    expect(certificateSecretExpiry(Buffer.concat([short.cert, long.cert]))).toEqual(notAfter(long.cert));
  });

  it('is null for a value without certificates, and refuses a certificate block that does not parse', () => {
    expect(certificateSecretExpiry(Buffer.from('client-secret-value'))).toBeNull();
    expect(() => certificateSecretExpiry(Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'))).toThrow(
      expect.objectContaining({ code: 'validation_failed', issues: [{ path: 'value', message: 'a PEM CERTIFICATE block is not a valid X.509 certificate' }] }),
    );
  });
});
