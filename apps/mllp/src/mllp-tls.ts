import type { MllpTlsConfig } from '@sb/config';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';

/** What the listener needs to speak TLS: the PEM contents, checked. */
export interface MllpTlsSettings {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** CAs client certificates are verified against; without it no client certificate is asked for. */
  readonly ca?: Buffer;
  /** Refuse clients without a certificate that verifies against `ca`. */
  readonly requireClientCert: boolean;
}

/** A TLS setting that cannot work. The message names the variable and the problem, never file content. */
export class MllpTlsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MllpTlsConfigError';
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Reads and checks the listener's TLS files at startup, so a wrong path, a key that does
 * not match the certificate or an empty CA bundle stops the process with a clear error
 * instead of failing every handshake later. Undefined when TLS is not configured.
 */
export function loadMllpTls(config: MllpTlsConfig | undefined): MllpTlsSettings | undefined {
  if (!config) return undefined;
  const cert = readPem('SB_MLLP_TLS_CERT', config.certFile);
  const key = readPem('SB_MLLP_TLS_KEY', config.keyFile);
  if (!certificates(cert)) throw new MllpTlsConfigError('SB_MLLP_TLS_CERT: the file holds no PEM certificate');
  try {
    createSecureContext({ cert, key });
  } catch (e) {
    throw new MllpTlsConfigError(`SB_MLLP_TLS_KEY: not the unencrypted PEM private key of SB_MLLP_TLS_CERT (${opensslCode(e)})`);
  }
  let ca: Buffer | undefined;
  if (config.caFile !== undefined) {
    ca = readPem('SB_MLLP_TLS_CA', config.caFile);
    if (!certificates(ca)) throw new MllpTlsConfigError('SB_MLLP_TLS_CA: the file holds no PEM certificate');
  }
  return { cert, key, ...(ca ? { ca } : {}), requireClientCert: config.requireClientCert };
}

function readPem(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new MllpTlsConfigError(`${variable}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Whether the PEM text holds at least one certificate, and all of them parse. */
function certificates(pem: Buffer): boolean {
  const blocks = pem.toString('latin1').match(PEM_CERTIFICATE) ?? [];
  try {
    for (const block of blocks) new X509Certificate(block);
  } catch {
    return false;
  }
  return blocks.length > 0;
}

function opensslCode(e: unknown): string {
  return (e as { code?: string }).code ?? 'invalid';
}
