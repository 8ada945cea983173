import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { foundOrFail, type Actor } from '@sb/core';
import { ConnectionKeyRepository, Database, type ConnectionKey } from '@sb/db';
import { VaultService } from '@sb/vault';
import { createHash, createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { GenerateKeyInput } from './connection.schemas';
import { invalidField } from './outbound-policy';

type Alg = GenerateKeyInput['alg'];
const RSA_MIN_BITS = 2048;

export interface KeyView {
  kid: string;
  alg: string;
  status: ConnectionKey['status'];
  createdAt: Date;
  retiredAt: Date | null;
  publicJwk: Record<string, unknown>;
  jwksUrl: string;
}

export interface SigningKey {
  kid: string;
  alg: Alg;
  privateKey: CryptoKey;
}

/** Vault secret holding a key's private JWK (an internal name: admins never set it). */
const secretNameFor = (kid: string): string => `signing-key.${createHash('sha256').update(kid).digest('hex').slice(0, 24)}`;

/** Checks that a key is the kind the algorithm needs (RFC 7518 §3.3, §3.4). */
function assertKeyFits(key: KeyObject, alg: Alg, field: string): void {
  const details = key.asymmetricKeyDetails;
  if (key.type !== 'private') throw invalidField(field, 'must be a private key');
  if (alg === 'RS384' && !(key.asymmetricKeyType === 'rsa' && (details?.modulusLength ?? 0) >= RSA_MIN_BITS)) {
    throw invalidField(field, `RS384 needs an RSA private key of at least ${RSA_MIN_BITS} bits`);
  }
  if (alg === 'ES384' && !(key.asymmetricKeyType === 'ec' && details?.namedCurve === 'secp384r1')) {
    throw invalidField(field, 'ES384 needs an EC private key on curve P-384');
  }
}

/** Parses an imported private key; errors name the field, never echo the material. */
function importPrivateKey(input: GenerateKeyInput): KeyObject | undefined {
  if (input.privateKeyPem !== undefined) {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: input.privateKeyPem, format: 'pem' });
    } catch {
      throw invalidField('privateKeyPem', 'not a PEM-encoded private key');
    }
    assertKeyFits(key, input.alg, 'privateKeyPem');
    return key;
  }
  if (input.privateJwk !== undefined) {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: input.privateJwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    } catch {
      throw invalidField('privateJwk', 'not a private JWK');
    }
    assertKeyFits(key, input.alg, 'privateJwk');
    return key;
  }
  return undefined;
}

/**
 * SMART Backend Services key pairs of a connection. The private key lives in the
 * vault; the public key is published at /.well-known/jwks/{connectionId}.json,
 * where the hospital fetches it. A new key makes the previous one "retiring":
 * still published until it is retired explicitly.
 */
@Injectable()
export class ConnectionKeysService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: Database,
    private readonly keys: ConnectionKeyRepository,
    private readonly vault: VaultService,
  ) {}

  jwksUrl(connectionId: string): string {
    return `${this.config.publicUrl}/.well-known/jwks/${connectionId}.json`;
  }

  async create(actor: Actor, tenantId: string, connectionId: string, input: GenerateKeyInput): Promise<KeyView> {
    const imported = importPrivateKey(input);
    const privateKey = imported ?? KeyObject.from((await generateKeyPair(input.alg, { extractable: true, modulusLength: RSA_MIN_BITS })).privateKey);
    const publicJwk = await exportJWK(createPublicKey(privateKey));
    const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
    const privateJwk = Buffer.from(JSON.stringify(privateKey.export({ format: 'jwk' })), 'utf8');
    try {
      const key = await this.db.transaction(async (tx) => {
        const secretName = secretNameFor(kid);
        await this.vault.putInTransaction(tx, actor, { tenantId, connectionId, name: secretName }, privateJwk, { fingerprint: `jwk-thumbprint:${kid}` });
        return this.keys.addActive(tx, { kid, tenantId, connectionId, alg: input.alg, publicJwk: { ...publicJwk }, secretName });
      });
      return this.view(key);
    } finally {
      privateJwk.fill(0);
    }
  }

  async list(tenantId: string, connectionId: string): Promise<KeyView[]> {
    return (await this.keys.list(tenantId, connectionId)).map((k) => this.view(k));
  }

  /** Unpublishes a key and destroys its private half. */
  async retire(actor: Actor, tenantId: string, connectionId: string, kid: string): Promise<KeyView> {
    const key = foundOrFail(await this.keys.findByKid(tenantId, connectionId, kid), 'Key');
    if (key.status !== 'retired') {
      await this.db.transaction(async (tx) => {
        await this.keys.retire(tx, tenantId, connectionId, kid, new Date());
      });
      await this.vault.delete(actor, { tenantId, connectionId, name: key.secretName }).catch(() => undefined);
    }
    return this.view(foundOrFail(await this.keys.findByKid(tenantId, connectionId, kid), 'Key'));
  }

  /** The public JWKS a hospital fetches; unknown connection → not found. */
  async jwks(connectionId: string): Promise<{ keys: JWK[] }> {
    const keys = await this.keys.listPublished(connectionId);
    return { keys: keys.map((k) => ({ ...(k.publicJwk as JWK), kid: k.kid, alg: k.alg, use: 'sig' })) };
  }

  /** The active signing key, decrypted from the vault (audited) for server-side signing. */
  async activeSigningKey(actor: Actor, tenantId: string, connectionId: string, purpose: string): Promise<SigningKey | null> {
    const key = await this.keys.findActive(tenantId, connectionId);
    if (!key) return null;
    const plaintext = await this.vault.reveal({ tenantId, connectionId, name: key.secretName, actor, purpose });
    try {
      const jwk = JSON.parse(plaintext.toString('utf8')) as JWK;
      return { kid: key.kid, alg: key.alg as Alg, privateKey: (await importJWK(jwk, key.alg)) as CryptoKey };
    } finally {
      plaintext.fill(0);
    }
  }

  private view(k: ConnectionKey): KeyView {
    return { kid: k.kid, alg: k.alg, status: k.status, createdAt: k.createdAt, retiredAt: k.retiredAt, publicJwk: k.publicJwk, jwksUrl: this.jwksUrl(k.connectionId) };
  }
}

