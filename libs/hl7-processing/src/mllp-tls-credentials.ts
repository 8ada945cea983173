import { ErrorCode, isSbError, SbError, type Actor } from '@sb/core';
import type { Connection, SecretMetadata } from '@sb/db';
import { pemCertificateBlocks, type VaultService } from '@sb/vault';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';

/**
 * How long revealed TLS material is reused for one connection and secret version. Rotating a
 * secret (a new version) takes effect on the next message; the TTL only bounds how long a
 * value stays in memory, and how often a reveal (with its audit record) happens per connection.
 */
export const MLLP_TLS_CREDENTIALS_TTL_MS = 5 * 60_000;
/** Cached (connection, secret versions) entries at most; the oldest goes first. */
const MAX_CACHED_CREDENTIALS = 500;

/** What an outbound MLLP/TLS socket presents (`cert`, `key`) and trusts (`ca`; the system CAs when absent). */
export interface MllpTlsCredentials {
  cert?: Buffer;
  key?: Buffer;
  ca?: Buffer;
}

/** Why a connection's TLS secret could not be used; recorded as the message's error code. */
export type MllpTlsSecretReason = 'mllp_client_cert_missing' | 'mllp_client_cert_invalid' | 'mllp_ca_missing' | 'mllp_ca_invalid';

/** What exactly is wrong with a secret that is present (for logs; codes only, never content). */
export type MllpTlsSecretProblem = 'no_certificate' | 'unreadable_certificate' | 'no_private_key' | 'several_private_keys' | 'encrypted_private_key' | 'unreadable_private_key' | 'key_mismatch';

const MESSAGES: Record<MllpTlsSecretReason, string> = {
  mllp_client_cert_missing: 'The MLLP client certificate secret is not in the vault',
  mllp_client_cert_invalid: 'The MLLP client certificate secret is not a PEM certificate chain with its private key',
  mllp_ca_missing: 'The MLLP CA bundle secret is not in the vault',
  mllp_ca_invalid: 'The MLLP CA bundle secret holds no usable PEM certificate',
};

/**
 * A connection names a TLS secret that is absent or unusable: configuration to fix, not a
 * transient failure. Static message; details carry the reason, the secret's name (a label)
 * and the problem, never the value.
 */
export class MllpTlsSecretError extends SbError {
  constructor(
    readonly reason: MllpTlsSecretReason,
    readonly secretName: string,
    readonly problem?: MllpTlsSecretProblem,
  ) {
    super(ErrorCode.BadRequest, MESSAGES[reason], { details: { reason, secretName, ...(problem ? { problem } : {}) } });
    this.name = 'MllpTlsSecretError';
  }
}

const PEM_PRIVATE_KEY = /-----BEGIN (RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END \1PRIVATE KEY-----/g;
const PEM_ENCRYPTED_KEY = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/;

/**
 * Reads the client certificate secret: one secret holding the certificate chain and its
 * unencrypted private key as PEM blocks, in any order (`cat client.crt intermediate.crt
 * client.key`). The certificate the key belongs to is put first, as TLS sends it.
 */
export function parseClientCertificateSecret(value: Buffer, secretName: string): Required<Pick<MllpTlsCredentials, 'cert' | 'key'>> {
  const invalid = (problem: MllpTlsSecretProblem) => new MllpTlsSecretError('mllp_client_cert_invalid', secretName, problem);
  const text = value.toString('utf8');
  if (PEM_ENCRYPTED_KEY.test(text)) throw invalid('encrypted_private_key');
  const blocks = pemCertificateBlocks(text);
  const keys = text.match(PEM_PRIVATE_KEY) ?? [];
  if (blocks.length === 0) throw invalid('no_certificate');
  if (keys.length === 0) throw invalid('no_private_key');
  if (keys.length > 1) throw invalid('several_private_keys');
  const keyPem = keys[0] ?? '';
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(keyPem);
  } catch {
    throw invalid('unreadable_private_key');
  }
  let certificates: X509Certificate[];
  try {
    certificates = blocks.map((block) => new X509Certificate(block));
  } catch {
    throw invalid('unreadable_certificate');
  }
  const leaf = certificates.findIndex((c) => c.checkPrivateKey(privateKey));
  if (leaf === -1) throw invalid('key_mismatch');
  const chain = [blocks[leaf], ...blocks.filter((_, i) => i !== leaf)];
  return { cert: Buffer.from(`${chain.join('\n')}\n`), key: Buffer.from(`${keyPem}\n`) };
}

/** Reads the CA bundle secret: one or more PEM certificates, all of which must parse. */
export function parseCaBundleSecret(value: Buffer, secretName: string): Buffer {
  const blocks = pemCertificateBlocks(value.toString('utf8'));
  if (blocks.length === 0) throw new MllpTlsSecretError('mllp_ca_invalid', secretName, 'no_certificate');
  try {
    for (const block of blocks) new X509Certificate(block);
  } catch {
    throw new MllpTlsSecretError('mllp_ca_invalid', secretName, 'unreadable_certificate');
  }
  return Buffer.from(`${blocks.join('\n')}\n`);
}

type TlsConnection = Pick<Connection, 'id' | 'tenantId' | 'mllpClientCertSecretName' | 'mllpCaSecretName'>;

interface Entry {
  expiresAt: number;
  credentials: Promise<MllpTlsCredentials>;
}

/** The connection's own feed reads its secrets, as the worker's processing of its messages does. */
const outboundActor = (connection: TlsConnection): Actor => ({ type: 'system', id: `hl7-outbound:${connection.id}`, tenantId: connection.tenantId, scopes: [] });

/**
 * The outbound MLLP/TLS material of each connection, revealed from the vault (system actor,
 * audited like every reveal) and kept in memory per (connection, secret versions) for
 * {@link MLLP_TLS_CREDENTIALS_TTL_MS}, so a busy feed does not reveal — and audit — on every
 * message. Each lookup reads the secrets' current versions (metadata only, no reveal), so a
 * rotated or deleted secret is noticed on the next message. Values are never logged.
 */
export class MllpTlsCredentialCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly vault: Pick<VaultService, 'list' | 'reveal'>,
    options: { ttlMs?: number; now?: () => number } = {},
  ) {
    this.ttlMs = options.ttlMs ?? MLLP_TLS_CREDENTIALS_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  /**
   * The client certificate and CA bundle the connection names (empty when it names neither).
   * Throws {@link MllpTlsSecretError} when a named secret is missing or unusable.
   */
  async credentialsFor(connection: TlsConnection): Promise<MllpTlsCredentials> {
    const certName = connection.mllpClientCertSecretName;
    const caName = connection.mllpCaSecretName;
    if (!certName && !caName) return {};
    const current = await this.vault.list(connection.tenantId, connection.id);
    const versionOf = (name: string, missing: MllpTlsSecretReason): SecretMetadata => {
      const found = current.find((s) => s.name === name);
      if (!found) throw new MllpTlsSecretError(missing, name);
      return found;
    };
    const cert = certName ? versionOf(certName, 'mllp_client_cert_missing') : undefined;
    const ca = caName ? versionOf(caName, 'mllp_ca_missing') : undefined;
    // The version row's id as well as its number: numbering restarts after a secret is deleted and set again.
    const key = JSON.stringify([connection.id, cert ? [cert.name, cert.id, cert.version] : null, ca ? [ca.name, ca.id, ca.version] : null]);

    const now = this.now();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return hit.credentials;
    this.prune(now);
    const entry: Entry = { expiresAt: now + this.ttlMs, credentials: this.reveal(connection, cert?.name, ca?.name) };
    this.entries.set(key, entry);
    // A failed reveal is not remembered: the next message tries again.
    entry.credentials.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return entry.credentials;
  }

  /** Forgets every cached value (tests, shutdown). */
  clear(): void {
    this.entries.clear();
  }

  private async reveal(connection: TlsConnection, certName: string | undefined, caName: string | undefined): Promise<MllpTlsCredentials> {
    const credentials: MllpTlsCredentials = {};
    if (certName) Object.assign(credentials, await this.revealParsed(connection, certName, 'outbound MLLP TLS client certificate', 'mllp_client_cert_missing', parseClientCertificateSecret));
    if (caName) credentials.ca = await this.revealParsed(connection, caName, 'outbound MLLP TLS CA bundle', 'mllp_ca_missing', parseCaBundleSecret);
    return credentials;
  }

  private async revealParsed<T>(connection: TlsConnection, name: string, purpose: string, missing: MllpTlsSecretReason, parse: (value: Buffer, name: string) => T): Promise<T> {
    let value: Buffer;
    try {
      value = await this.vault.reveal({ tenantId: connection.tenantId, connectionId: connection.id, name, actor: outboundActor(connection), purpose });
    } catch (e) {
      // Deleted between the version lookup and the reveal.
      if (isSbError(e) && e.code === ErrorCode.NotFound) throw new MllpTlsSecretError(missing, name);
      throw e;
    }
    try {
      return parse(value, name);
    } finally {
      value.fill(0);
    }
  }

  private prune(now: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    while (this.entries.size >= MAX_CACHED_CREDENTIALS) this.entries.delete(this.entries.keys().next().value as string);
  }
}
