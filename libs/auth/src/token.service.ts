import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { ErrorCode, SbError, scopeCovered } from '@sb/core';
import { OAuthClientRepository, type OAuthClientCredential } from '@sb/db';
import { decodeJwt } from 'jose';
import { AssertionError, CLIENT_ASSERTION_TYPE, verifyClientAssertion } from './client-assertion';
import { safeEqual, sha256Hex } from './credentials';
import { GatewayKeyService } from './gateway-keys.service';

/** The parameters of an RFC 6749 §4.4 token request, as received. */
export interface TokenRequest {
  grant_type?: string;
  scope?: string;
  client_id?: string;
  client_secret?: string;
  client_assertion_type?: string;
  client_assertion?: string;
  /** Credentials from an `Authorization: Basic` header (client_secret_basic). */
  basic?: { clientId: string; clientSecret: string };
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

const invalidClient = (): SbError => new SbError(ErrorCode.InvalidClient, 'Client authentication failed');

/** OAuth 2.0 client credentials grant for tenant API clients. */
@Injectable()
export class TokenService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clients: OAuthClientRepository,
    private readonly keys: GatewayKeyService,
  ) {}

  get tokenEndpoint(): string {
    return `${this.config.publicUrl}/oauth/token`;
  }

  async issue(req: TokenRequest): Promise<TokenResponse> {
    if (req.grant_type !== 'client_credentials') {
      throw new SbError(ErrorCode.UnsupportedGrantType, 'Only grant_type=client_credentials is supported');
    }
    const client = await this.authenticateClient(req);
    const scopes = this.grantedScopes(client, req.scope);
    const ttl = this.config.accessTokenTtlSeconds;
    const accessToken = await this.keys.sign(
      { sub: client.id, client_id: client.clientId, tenant_id: client.tenantId, scope: scopes.join(' ') },
      ttl,
    );
    return { access_token: accessToken, token_type: 'Bearer', expires_in: ttl, scope: scopes.join(' ') };
  }

  private async authenticateClient(req: TokenRequest): Promise<OAuthClientCredential> {
    const methods = [req.basic, req.client_secret, req.client_assertion].filter((m) => m !== undefined);
    if (methods.length !== 1) throw invalidClient();

    if (req.client_assertion !== undefined) {
      if (req.client_assertion_type !== CLIENT_ASSERTION_TYPE) throw invalidClient();
      let clientId: unknown;
      try {
        clientId = decodeJwt(req.client_assertion).iss;
      } catch {
        throw invalidClient();
      }
      if (typeof clientId !== 'string' || (req.client_id !== undefined && req.client_id !== clientId)) throw invalidClient();
      const client = await this.activeClient(clientId, 'private_key_jwt');
      try {
        await verifyClientAssertion(req.client_assertion, {
          clientId,
          tokenEndpoint: this.tokenEndpoint,
          keys: { jwks: client.jwks, jwksUrl: client.jwksUrl, allowPrivateTargets: this.config.allowPrivateTargets },
          rememberJti: (jti, expiresAt) => this.clients.rememberJti(client.id, jti, expiresAt),
        });
      } catch (e) {
        if (e instanceof AssertionError) throw new SbError(ErrorCode.InvalidClient, 'Client authentication failed', { details: { reason: e.reason }, cause: e });
        throw e;
      }
      return client;
    }

    const clientId = req.basic?.clientId ?? req.client_id;
    const secret = req.basic?.clientSecret ?? req.client_secret;
    if (!clientId || !secret) throw invalidClient();
    const client = await this.activeClient(clientId, 'client_secret');
    if (!client.secretHash || !safeEqual(sha256Hex(secret), client.secretHash)) throw invalidClient();
    return client;
  }

  private async activeClient(clientId: string, method: OAuthClientCredential['authMethod']): Promise<OAuthClientCredential> {
    const client = await this.clients.findCredentialByClientId(clientId.slice(0, 128));
    if (!client || client.revokedAt || client.tenantStatus !== 'active' || client.authMethod !== method) throw invalidClient();
    return client;
  }

  private grantedScopes(client: OAuthClientCredential, requested: string | undefined): string[] {
    if (requested === undefined || requested.trim() === '') return client.scopes;
    const scopes = [...new Set(requested.trim().split(/\s+/))];
    const refused = scopes.filter((s) => !scopeCovered(client.scopes, s));
    if (refused.length > 0) {
      throw new SbError(ErrorCode.InvalidScope, 'Requested scope exceeds the client registration', { details: { scopes: refused } });
    }
    return scopes;
  }
}
