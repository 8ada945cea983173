import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import type { Actor } from '@sb/core';
import { ApiKeyRepository, OAuthClientRepository, SmartLaunchRepository, type ApiKeyCredential } from '@sb/db';
import { CredentialCache } from './credential-cache';
import { CredentialInvalidations } from './credential-invalidations';
import { looksLikeApiKey, safeEqual, sha256Hex } from './credentials';
import { GatewayKeyService } from './gateway-keys.service';

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/**
 * How long a verified API key is served from memory at most. Revocations reach every process
 * at once through CredentialInvalidations (and the cache is bypassed while they cannot); this
 * bounds only a revocation whose notice could not be published.
 */
export const API_KEY_CACHE_TTL_MS = 5_000;
const CACHE_MAX_ENTRIES = 10_000;
const LAST_USE_WRITE_INTERVAL_MS = 60_000;

/** Turns a bearer credential into an Actor, or null when it is not valid now. */
@Injectable()
export class AuthenticationService implements OnModuleInit {
  private readonly logger = new Logger(AuthenticationService.name);
  private readonly apiKeyCache = new CredentialCache<ApiKeyCredential>(API_KEY_CACHE_TTL_MS, CACHE_MAX_ENTRIES);
  private readonly lastUseWrittenMs = new Map<string, number>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly apiKeys: ApiKeyRepository,
    private readonly clients: OAuthClientRepository,
    private readonly gatewayKeys: GatewayKeyService,
    private readonly smartLaunches: SmartLaunchRepository,
    private readonly invalidations: CredentialInvalidations,
  ) {}

  onModuleInit(): void {
    this.invalidations.subscribe({
      invalidate: (invalidation) => {
        if (!invalidation) this.apiKeyCache.clear();
        else if (invalidation.kind === 'api-key') this.apiKeyCache.forget(invalidation.id);
        else this.apiKeyCache.forgetTenant(invalidation.id);
      },
      trust: () => this.apiKeyCache.trust(),
      distrust: () => this.apiKeyCache.distrust(),
    });
  }

  async authenticate(token: string): Promise<Actor | null> {
    if (safeEqual(token, this.config.adminToken)) return { type: 'operator', id: 'operator' };
    if (looksLikeApiKey(token)) return this.fromApiKey(token);
    if (JWT_SHAPE.test(token)) return this.fromAccessToken(token);
    return null;
  }

  private async fromApiKey(token: string): Promise<Actor | null> {
    const hash = sha256Hex(token);
    const cached = this.apiKeyCache.get(hash);
    const mark = this.apiKeyCache.mark();
    const key = cached ?? (await this.apiKeys.findCredentialByHash(hash));
    const now = new Date();
    if (!key || key.revokedAt || (key.expiresAt && key.expiresAt <= now) || key.tenantStatus !== 'active') return null;
    // Stored on a miss only: a hit must not extend the entry's life (its TTL is the backstop bound).
    if (!cached) this.apiKeyCache.set(hash, key, mark);
    this.recordUse(key.id, now);
    return { type: 'api-key', id: key.id, tenantId: key.tenantId, scopes: key.scopes };
  }

  /** After a key's revocation commits: drops it from this process's cache at once, and from every other's. */
  async forgetApiKey(id: string): Promise<void> {
    this.apiKeyCache.forget(id);
    await this.invalidations.publish({ kind: 'api-key', id });
  }

  /** After a tenant's suspension commits: drops its keys from this process's cache at once, and from every other's. */
  async forgetTenant(tenantId: string): Promise<void> {
    this.apiKeyCache.forgetTenant(tenantId);
    await this.invalidations.publish({ kind: 'tenant', id: tenantId });
  }

  /** Writes last-used at most once a minute per key, not a query per request. */
  private recordUse(id: string, now: Date): void {
    const last = this.lastUseWrittenMs.get(id) ?? 0;
    if (now.getTime() - last < LAST_USE_WRITE_INTERVAL_MS) return;
    this.lastUseWrittenMs.set(id, now.getTime());
    if (this.lastUseWrittenMs.size > CACHE_MAX_ENTRIES) this.lastUseWrittenMs.delete(this.lastUseWrittenMs.keys().next().value as string);
    this.apiKeys.touchLastUsed(id, now).catch((e: unknown) => this.logger.warn({ err: e }, 'could not record API key use'));
  }

  private async fromAccessToken(token: string): Promise<Actor | null> {
    let claims;
    try {
      ({ payload: claims } = await this.gatewayKeys.verify(token));
    } catch {
      return null;
    }
    const { client_id: clientId, tenant_id: tenantId, scope } = claims;
    if (typeof clientId !== 'string' || typeof tenantId !== 'string' || typeof scope !== 'string') return null;
    if (claims.smart_launch !== undefined) return this.fromSmartLaunch(claims.smart_launch, tenantId, scope);
    // Revoking a client or suspending its tenant takes effect before its tokens expire.
    const client = await this.clients.findCredentialByClientId(clientId);
    if (!client || client.revokedAt || client.tenantStatus !== 'active' || client.tenantId !== tenantId) return null;
    return { type: 'oauth-client', id: client.id, tenantId, scopes: scope.split(' ').filter(Boolean) };
  }

  /** A SMART app's token stands for its launch: ended (revoked, app deleted, tenant suspended) means refused, whatever its expiry. */
  private async fromSmartLaunch(launchId: unknown, tenantId: string, scope: string): Promise<Actor | null> {
    if (typeof launchId !== 'string') return null;
    const launch = await this.smartLaunches.findLive(launchId);
    if (!launch || launch.tenantId !== tenantId) return null;
    return {
      type: 'smart-app',
      id: launch.id,
      tenantId,
      scopes: scope.split(' ').filter(Boolean),
      appId: launch.appId,
      connectionId: launch.connectionId,
      ...(launch.patientId ? { patientId: launch.patientId } : {}),
      ...(launch.fhirUser ? { fhirUser: launch.fhirUser } : {}),
    };
  }
}
