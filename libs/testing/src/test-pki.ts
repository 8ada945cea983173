import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const OPENSSL = '/usr/bin/openssl';

/** PEM files of a throwaway PKI made with the openssl CLI for one test file. */
export interface TestPki {
  readonly dir: string;
  /** Paths of the PEM files. */
  readonly files: {
    caCert: string;
    serverCert: string;
    serverKey: string;
    clientCert: string;
    clientKey: string;
    /** A second client certificate from the same CA (another sender the listener trusts as much). */
    otherClientCert: string;
    otherClientKey: string;
    foreignClientCert: string;
    foreignClientKey: string;
  };
  /** The same, read: Buffers for node:tls options. */
  read(file: keyof TestPki['files']): Buffer;
  remove(): void;
}

/**
 * A CA, a server certificate for 127.0.0.1/localhost and two client certificates signed by it,
 * plus a client certificate signed by another CA. P-256 keys: fast to generate. Used by the
 * MLLP listener's and the outbound dispatcher's TLS tests.
 */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'sb-test-pki-'));
  const path = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync(OPENSSL, args, { cwd: dir, stdio: 'pipe' });
  };
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = (name: string): void =>
    openssl('req', '-x509', ...newKey, '-keyout', path(`${name}.key`), '-out', path(`${name}.crt`), '-days', '2', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const leaf = (name: string, caName: string, extensions: string): void => {
    writeFileSync(path(`${name}.ext`), extensions);
    openssl('req', '-new', ...newKey, '-keyout', path(`${name}.key`), '-out', path(`${name}.csr`), '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', path(`${name}.csr`), '-CA', path(`${caName}.crt`), '-CAkey', path(`${caName}.key`), '-CAcreateserial',
      '-out', path(`${name}.crt`), '-days', '2', '-extfile', path(`${name}.ext`));
  };
  ca('test-ca');
  ca('other-ca');
  leaf('server', 'test-ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  leaf('client', 'test-ca', 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
  leaf('other-client', 'test-ca', 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
  leaf('foreign-client', 'other-ca', 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
  const files = {
    caCert: path('test-ca.crt'),
    serverCert: path('server.crt'),
    serverKey: path('server.key'),
    clientCert: path('client.crt'),
    clientKey: path('client.key'),
    otherClientCert: path('other-client.crt'),
    otherClientKey: path('other-client.key'),
    foreignClientCert: path('foreign-client.crt'),
    foreignClientKey: path('foreign-client.key'),
  };
  return { dir, files, read: (file) => readFileSync(files[file]), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
