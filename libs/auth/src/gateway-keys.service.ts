import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { SigningKeyRepository, type SigningKey } from '@sb/db';
import { randomUUID } from 'node:crypto';
import {
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
  type JWTVerifyResult,
} from 'jose';
import { masterKeys, open, resealUnderMasterKey, seal, type ResealReport } from './sealed-box';

/** Gateway access tokens are signed with ES384 (one of the SMART Backend Services algorithms). */
export const GATEWAY_TOKEN_ALG = 'ES384';
/** How long published keys are cached before the database is asked again. */
const KEY_CACHE_TTL_MS = 60_000;
const ROTATION_CHECK_INTERVAL_MS = 60 * 60_000;
const CLOCK_SKEW_SECONDS = 30;

interface ActiveKey {
  kid: string;
  privateKey: CryptoKey;
  createdAt: Date;
}

const sealContext = (kid: string): string => `gateway-signing-key:${kid}`;

/**
 * The gateway's rotating token-signing keys. The newest key signs; older keys stay
 * published in /.well-known/jwks.json until every token they signed has expired.
 */
@Injectable()
export class GatewayKeyService implements OnModuleDestroy {
  private readonly logger = new Logger(GatewayKeyService.name);
  private active?: ActiveKey;
  private published?: { keys: SigningKey[]; loadedAtMs: number };
  private rotationTimer?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: SigningKeyRepository,
  ) {}

  /** Ensures a fresh active key exists and schedules periodic rotation checks. */
  async start(): Promise<void> {
    await this.rotateIfStale();
    this.rotationTimer = setInterval(() => {
      this.rotateIfStale().catch((e: unknown) => this.logger.error({ err: e }, 'signing key rotation check failed'));
    }, ROTATION_CHECK_INTERVAL_MS);
    this.rotationTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.rotationTimer);
  }

  /** Rotates when the active key is older than the configured period (or forced). */
  async rotateIfStale(force = false): Promise<string> {
    const now = Date.now();
    const maxAgeMs = this.config.signingKeyRotationDays * 86_400_000;
    // Retired keys stay published as long as a token they signed can still be valid.
    const retireAfter = new Date(now + (this.config.accessTokenTtlSeconds + CLOCK_SKEW_SECONDS) * 1000);
    const key = await this.keys.rotateIf(
      (active) => force || !active || now - active.createdAt.getTime() > maxAgeMs,
      () => this.newKey(),
      retireAfter,
    );
    await this.keys.retireExpired(new Date(now));
    let privateKey: CryptoKey;
    try {
      privateKey = await this.unsealPrivateKey(key);
    } catch (e) {
      // Sealed under a master key this process no longer has (changed without the old one in
      // SB_VAULT_PREVIOUS_MASTER_KEYS): start a new signing key; the old public key stays published until it retires.
      if (force) throw e;
      this.logger.warn({ kid: key.kid }, 'active signing key cannot be unsealed with the configured master keys; rotating');
      return this.rotateIfStale(true);
    }
    this.active = { kid: key.kid, createdAt: key.createdAt, privateKey };
    this.published = undefined;
    return key.kid;
  }

  async sign(claims: JWTPayload, ttlSeconds: number): Promise<string> {
    const active = this.active ?? (await this.loadActive());
    return new SignJWT(claims)
      .setProtectedHeader({ alg: GATEWAY_TOKEN_ALG, kid: active.kid, typ: 'at+jwt' })
      .setIssuer(this.config.publicUrl)
      .setAudience(this.config.publicUrl)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .setJti(randomUUID())
      .sign(active.privateKey);
  }

  /** Signs an OpenID Connect id_token for a SMART app: its own issuer (the FHIR base) and audience (the app's client id). */
  async signIdToken(claims: JWTPayload, options: { issuer: string; audience: string; ttlSeconds: number }): Promise<string> {
    const active = this.active ?? (await this.loadActive());
    return new SignJWT(claims)
      .setProtectedHeader({ alg: GATEWAY_TOKEN_ALG, kid: active.kid, typ: 'JWT' })
      .setIssuer(options.issuer)
      .setAudience(options.audience)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + options.ttlSeconds)
      .sign(active.privateKey);
  }

  /** Verifies a gateway-issued token: signature by a published key, issuer, audience, expiry. */
  verify(token: string): Promise<JWTVerifyResult> {
    return jwtVerify(
      token,
      async (header) => {
        const key = await this.publishedKey(header.kid);
        if (!key) throw new Error('unknown kid');
        return importJWK(key.publicJwk as JWK, GATEWAY_TOKEN_ALG);
      },
      {
        issuer: this.config.publicUrl,
        audience: this.config.publicUrl,
        algorithms: [GATEWAY_TOKEN_ALG],
        typ: 'at+jwt',
        clockTolerance: CLOCK_SKEW_SECONDS,
      },
    );
  }

  /** The public JWKS served at /.well-known/jwks.json. */
  async jwks(): Promise<{ keys: JWK[] }> {
    const keys = await this.publishedKeys(false);
    return { keys: keys.map((k) => ({ ...(k.publicJwk as JWK), kid: k.kid, alg: k.alg, use: 'sig' })) };
  }

  private async publishedKey(kid: string | undefined): Promise<SigningKey | undefined> {
    if (!kid) return undefined;
    const cached = (await this.publishedKeys(false)).find((k) => k.kid === kid);
    return cached ?? (await this.publishedKeys(true)).find((k) => k.kid === kid);
  }

  private async publishedKeys(refresh: boolean): Promise<SigningKey[]> {
    if (refresh || !this.published || Date.now() - this.published.loadedAtMs > KEY_CACHE_TTL_MS) {
      this.published = { keys: await this.keys.listPublished(), loadedAtMs: Date.now() };
    }
    return this.published.keys;
  }

  private async loadActive(): Promise<ActiveKey> {
    await this.rotateIfStale();
    if (!this.active) throw new Error('No active signing key');
    return this.active;
  }

  private async newKey(): Promise<Omit<SigningKey, 'createdAt' | 'retireAfter' | 'status'>> {
    const { publicKey, privateKey } = await generateKeyPair(GATEWAY_TOKEN_ALG, { extractable: true });
    const kid = randomUUID();
    const privateJwk = JSON.stringify(await exportJWK(privateKey));
    return {
      kid,
      alg: GATEWAY_TOKEN_ALG,
      publicJwk: { ...(await exportJWK(publicKey)) },
      sealedPrivateJwk: seal(this.config.vaultMasterKey, privateJwk, sealContext(kid)),
    };
  }

  /**
   * Seals the published keys' private halves under the current master key (after a master
   * key change, with the old key in SB_VAULT_PREVIOUS_MASTER_KEYS). Retired keys never sign
   * again and are left as they are.
   */
  async resealKeys(): Promise<ResealReport> {
    const report: ResealReport = { resealed: 0, unchanged: 0, failed: 0 };
    for (const key of await this.keys.listPublished()) {
      let resealed: string | null;
      try {
        resealed = resealUnderMasterKey(this.config, key.sealedPrivateJwk, sealContext(key.kid));
      } catch {
        report.failed += 1;
        continue;
      }
      if (resealed === null) report.unchanged += 1;
      else if (await this.keys.replaceSealed(key.kid, key.sealedPrivateJwk, resealed)) report.resealed += 1;
      else report.unchanged += 1; // changed meanwhile by another run
    }
    return report;
  }

  private async unsealPrivateKey(key: SigningKey): Promise<CryptoKey> {
    const jwk = JSON.parse(open(masterKeys(this.config), key.sealedPrivateJwk, sealContext(key.kid))) as JWK;
    return (await importJWK(jwk, key.alg)) as CryptoKey;
  }
}
