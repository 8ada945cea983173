import { Injectable } from '@nestjs/common';
import { foundOrFail, type Actor } from '@sb/core';
import { Database, OAuthClientRepository, type OAuthClient } from '@sb/db';
import { generateClientId, generateClientSecret, sha256Hex } from '@sb/auth';
import { grantableScopes } from './grantable-scopes';
import type { CreateOAuthClientInput } from './tenancy.schemas';

@Injectable()
export class OAuthClientService {
  constructor(
    private readonly db: Database,
    private readonly clients: OAuthClientRepository,
  ) {}

  /** Registers a client; a `client_secret` client's secret is returned only here. */
  async create(
    actor: Actor,
    tenantId: string,
    input: CreateOAuthClientInput,
  ): Promise<{ client: OAuthClient; clientSecret: string | null }> {
    const scopes = grantableScopes(actor, input.scopes);
    const clientSecret = input.authMethod === 'client_secret' ? generateClientSecret() : null;
    const client = await this.db.transaction((tx) =>
      this.clients.create(tx, tenantId, {
        name: input.name,
        clientId: generateClientId(),
        authMethod: input.authMethod,
        secretHash: clientSecret ? sha256Hex(clientSecret) : null,
        jwks: input.jwks ?? null,
        jwksUrl: input.jwksUrl ?? null,
        scopes,
      }),
    );
    return { client, clientSecret };
  }

  list(tenantId: string): Promise<OAuthClient[]> {
    return this.clients.list(tenantId);
  }

  async revoke(tenantId: string, id: string): Promise<OAuthClient> {
    return foundOrFail(await this.clients.revoke(tenantId, id, new Date()), 'OAuth client');
  }
}
