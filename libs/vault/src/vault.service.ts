import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditService } from '@sb/audit';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { ErrorCode, foundOrFail, SbError, type Actor } from '@sb/core';
import { Database, SecretRepository, type DbTransaction, type SealedSecret, type SecretMetadata } from '@sb/db';
import { randomUUID } from 'node:crypto';
import { certificateSecretExpiry } from './certificate-expiry';
import { DataKeyCache } from './data-key-cache';
import { newDataKey, openValue, sealValue, type SecretAad } from './envelope';
import { fingerprintOf } from './fingerprint';
import type { KmsProvider, WrapContext } from './kms/kms-provider';
import { KMS_PROVIDER, MAX_SECRET_BYTES, SECRET_NAME, SecretAuditOperation } from './vault.constants';

export interface SecretRef {
  tenantId: string;
  connectionId: string;
  name: string;
}

export interface PutOptions {
  /** Identifies the value (default: its keyed fingerprint). */
  fingerprint?: string;
  /** When the value stops working, if the vendor said (a client secret's expiry date). */
  expiresAt?: Date;
}

/** Who reads a secret and why: both go into the audit record, never the value. */
export interface RevealRequest extends SecretRef {
  actor: Actor;
  purpose: string;
}

/** A value sealed by {@link VaultService.sealDetached}: base64 fields, storable as JSON. */
export type DetachedSeal = Record<string, string>;
/** Detached seals have no versions; the AAD's version field is fixed. */
const DETACHED_VERSION = 0;

const wrapContextOf = (s: Pick<SealedSecret, 'tenantId' | 'connectionId' | 'name' | 'version'>): WrapContext => ({
  tenantId: s.tenantId,
  connectionId: s.connectionId,
  secretName: s.name,
  version: s.version,
});

/**
 * Connection secrets under envelope encryption. Write-only to the outside: values
 * go in through `put`, and come out only through `reveal` to server-side code that
 * needs them (signing an assertion, logging in to a vendor), each time audited.
 */
@Injectable()
export class VaultService {
  private readonly logger = new Logger(VaultService.name);
  readonly cache: DataKeyCache;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(KMS_PROVIDER) private readonly kms: KmsProvider,
    private readonly db: Database,
    private readonly secrets: SecretRepository,
    private readonly audit: AuditService,
  ) {
    this.cache = new DataKeyCache(config.secretCacheTtlSeconds * 1000, config.secretCacheMaxEntries);
  }

  /** Validates a name and value before anything is stored. */
  static validate(name: string, value: Buffer): void {
    if (!SECRET_NAME.test(name)) {
      throw new SbError(ErrorCode.ValidationFailed, 'Invalid secret name', {
        issues: [{ path: 'name', message: 'lowercase letters, digits, ".", "_", ":" and "-"; at most 128 characters' }],
      });
    }
    if (value.length === 0) throw new SbError(ErrorCode.ValidationFailed, 'Secret value is empty', { issues: [{ path: 'value', message: 'must not be empty' }] });
    if (value.length > MAX_SECRET_BYTES) {
      throw new SbError(ErrorCode.PayloadTooLarge, 'Secret value is too large', { details: { maxBytes: MAX_SECRET_BYTES } });
    }
  }

  /**
   * Stores a new version of a secret (the first, or a rotation) in one transaction. Its expiry is
   * `options.expiresAt` when given (a client secret's), else what the PEM certificates in the
   * value say (see certificateSecretExpiry); the health monitor lists it 30 days ahead.
   */
  put(actor: Actor, ref: SecretRef, value: Buffer, options: PutOptions = {}): Promise<SecretMetadata> {
    return this.db.transaction((tx) => this.putInTransaction(tx, actor, ref, value, options));
  }

  /** As `put`, inside the caller's transaction (e.g. with the key row that references it). */
  async putInTransaction(tx: DbTransaction, actor: Actor, ref: SecretRef, value: Buffer, options: PutOptions = {}): Promise<SecretMetadata> {
    VaultService.validate(ref.name, value);
    // Certificates are read (and a garbled one refused) whether or not an expiry was given.
    const certificatesExpire = certificateSecretExpiry(value);
    const expiresAt = options.expiresAt ?? certificatesExpire;
    const version = await this.secrets.nextVersion(tx, ref.connectionId, ref.name);
    const aad: SecretAad = { ...ref, version };
    const dataKey = newDataKey();
    try {
      const sealed = sealValue(value, dataKey, aad);
      const wrapped = await this.kms.wrap(dataKey, wrapContextOf(aad));
      const metadata = await this.secrets.insertVersion(tx, ref.tenantId, ref.connectionId, version, {
        name: ref.name,
        ...sealed,
        wrappedKey: wrapped.ciphertext,
        kmsProvider: this.kms.name,
        kekId: wrapped.kek.id,
        kekVersion: wrapped.kek.version,
        fingerprint: options.fingerprint ?? fingerprintOf(value),
        byteLength: value.length,
        expiresAt,
      });
      await this.auditSecret(tx, actor, ref, SecretAuditOperation.Write, 'secret set');
      return metadata;
    } finally {
      dataKey.fill(0);
    }
  }

  /** Metadata of the current version of each secret; never values. */
  list(tenantId: string, connectionId: string): Promise<SecretMetadata[]> {
    return this.secrets.listCurrent(tenantId, connectionId);
  }

  /** Deletes every version of a secret. */
  async delete(actor: Actor, ref: SecretRef): Promise<void> {
    await this.db.transaction(async (tx) => {
      const deleted = await this.secrets.deleteAll(tx, ref.tenantId, ref.connectionId, ref.name);
      if (deleted === 0) throw new SbError(ErrorCode.NotFound, 'Secret not found');
      await this.auditSecret(tx, actor, ref, SecretAuditOperation.Delete, 'secret deleted');
    });
  }

  /**
   * Decrypts the current version for server-side use. The audit record is
   * committed before the value is returned: no record, no value. Callers should
   * `fill(0)` the buffer when done.
   */
  async reveal(req: RevealRequest): Promise<Buffer> {
    const sealed = foundOrFail(await this.secrets.findCurrentSealed(req.tenantId, req.connectionId, req.name), 'Secret');
    const plaintext = await this.open(sealed);
    try {
      await this.db.transaction((tx) => this.auditSecret(tx, req.actor, req, SecretAuditOperation.Decrypt, req.purpose));
    } catch (e) {
      plaintext.fill(0);
      throw e;
    }
    this.secrets.touchLastUsed(sealed.id, new Date()).catch((e: unknown) => this.logger.warn({ err: e }, 'could not record secret use'));
    return plaintext;
  }

  /**
   * Seals a short-lived value kept beside the row it belongs to rather than in the secrets
   * table (a SMART launch's PKCE verifier and the EHR's user tokens): the same envelope, bound
   * by its AAD to the tenant, connection and name, so it opens only for the same reference.
   */
  async sealDetached(ref: SecretRef, value: Buffer): Promise<DetachedSeal> {
    const dataKey = newDataKey();
    try {
      const sealed = sealValue(value, dataKey, { ...ref, version: DETACHED_VERSION });
      const wrapped = await this.kms.wrap(dataKey, wrapContextOf({ ...ref, version: DETACHED_VERSION }));
      const b64 = (b: Buffer) => b.toString('base64');
      return { ciphertext: b64(sealed.ciphertext), nonce: b64(sealed.nonce), authTag: b64(sealed.authTag), wrappedKey: b64(wrapped.ciphertext), kekId: wrapped.kek.id, kekVersion: wrapped.kek.version };
    } finally {
      dataKey.fill(0);
    }
  }

  /** Opens what {@link sealDetached} sealed for the same reference; throws when anything differs. */
  async openDetached(ref: SecretRef, seal: DetachedSeal): Promise<Buffer> {
    const buf = (s: string | undefined) => Buffer.from(s ?? '', 'base64');
    const dataKey = await this.kms.unwrap({ kek: { id: seal.kekId ?? '', version: seal.kekVersion ?? '' }, ciphertext: buf(seal.wrappedKey) }, wrapContextOf({ ...ref, version: DETACHED_VERSION }));
    try {
      return openValue({ ciphertext: buf(seal.ciphertext), nonce: buf(seal.nonce), authTag: buf(seal.authTag) }, dataKey, { ...ref, version: DETACHED_VERSION });
    } catch (e) {
      throw new SbError(ErrorCode.Internal, 'Sealed value failed authentication', { cause: e });
    } finally {
      dataKey.fill(0);
    }
  }

  /** Decrypts a sealed version, unwrapping its data key through the cache. */
  async open(sealed: SealedSecret): Promise<Buffer> {
    const dataKey = await this.dataKeyOf(sealed);
    try {
      return openValue(sealed, dataKey, { tenantId: sealed.tenantId, connectionId: sealed.connectionId, name: sealed.name, version: sealed.version });
    } catch (e) {
      throw new SbError(ErrorCode.Internal, 'Secret failed authentication', { cause: e });
    } finally {
      dataKey.fill(0);
    }
  }

  private async dataKeyOf(sealed: SealedSecret): Promise<Buffer> {
    const cacheKey = DataKeyCache.keyFor(sealed.id, sealed.wrappedKey);
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    const dataKey = await this.kms.unwrap(
      { kek: { id: sealed.kekId, version: sealed.kekVersion }, ciphertext: sealed.wrappedKey },
      wrapContextOf(sealed),
    );
    this.cache.set(cacheKey, dataKey);
    return dataKey;
  }

  private auditSecret(tx: DbTransaction, actor: Actor, ref: SecretRef, operation: string, purpose: string): Promise<unknown> {
    return this.audit.append(tx, {
      tenantId: ref.tenantId,
      transactionId: randomUUID(),
      connectionId: ref.connectionId,
      actorType: actor.type,
      actorId: actor.id,
      operation,
      resourceType: 'Secret',
      // The secret's name is a label chosen by the admin, never its value.
      patientRef: null,
      purpose: `${ref.name}: ${purpose}`.slice(0, 200),
      outcome: 'success',
      occurredAt: new Date(),
    });
  }
}
