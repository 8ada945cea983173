import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import type { Actor } from '@sb/core';
import { ApiKeyRepository, OAuthClientRepository } from '@sb/db';
import { looksLikeApiKey, safeEqual, sha256Hex } from './credentials';
import { GatewayKeyService } from './gateway-keys.service';

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Turns a bearer credential into an Actor, or null when it is not valid now. */
@Injectable()
export class AuthenticationService {
  private readonly logger = new Logger(AuthenticationService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly apiKeys: ApiKeyRepository,
    private readonly clients: OAuthClientRepository,
    private readonly gatewayKeys: GatewayKeyService,
  ) {}

  async authenticate(token: string): Promise<Actor | null> {
    if (safeEqual(token, this.config.adminToken)) return { type: 'operator', id: 'operator' };
    if (looksLikeApiKey(token)) return this.fromApiKey(token);
    if (JWT_SHAPE.test(token)) return this.fromAccessToken(token);
    return null;
  }

  private async fromApiKey(token: string): Promise<Actor | null> {
    const key = await this.apiKeys.findCredentialByHash(sha256Hex(token));
    const now = new Date();
    if (!key || key.revokedAt || (key.expiresAt && key.expiresAt <= now) || key.tenantStatus !== 'active') return null;
    this.apiKeys.touchLastUsed(key.id, now).catch((e: unknown) => this.logger.warn({ err: e }, 'could not record API key use'));
    return { type: 'api-key', id: key.id, tenantId: key.tenantId, scopes: key.scopes };
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
    // Revoking a client or suspending its tenant takes effect before its tokens expire.
    const client = await this.clients.findCredentialByClientId(clientId);
    if (!client || client.revokedAt || client.tenantStatus !== 'active' || client.tenantId !== tenantId) return null;
    return { type: 'oauth-client', id: client.id, tenantId, scopes: scope.split(' ').filter(Boolean) };
  }
}
