import { Injectable } from '@nestjs/common';
import { foundOrFail, type Actor } from '@sb/core';
import { ApiKeyRepository, Database, type ApiKey } from '@sb/db';
import { AuthenticationService, generateApiKey } from '@sb/auth';
import { grantableScopes } from './grantable-scopes';
import type { CreateApiKeyInput } from './tenancy.schemas';

@Injectable()
export class ApiKeyService {
  constructor(
    private readonly db: Database,
    private readonly keys: ApiKeyRepository,
    private readonly authentication: AuthenticationService,
  ) {}

  /** Creates a key; the returned `key` is the only time the secret is ever available. */
  async create(actor: Actor, tenantId: string, input: CreateApiKeyInput): Promise<{ apiKey: ApiKey; key: string }> {
    const scopes = grantableScopes(actor, input.scopes);
    const generated = generateApiKey();
    const apiKey = await this.db.transaction((tx) =>
      this.keys.create(tx, tenantId, {
        name: input.name,
        prefix: generated.prefix,
        keyHash: generated.keyHash,
        scopes,
        expiresAt: input.expiresAt ?? null,
      }),
    );
    return { apiKey, key: generated.key };
  }

  list(tenantId: string): Promise<ApiKey[]> {
    return this.keys.list(tenantId);
  }

  async revoke(tenantId: string, id: string): Promise<ApiKey> {
    const revoked = foundOrFail(await this.keys.revoke(tenantId, id, new Date()), 'API key');
    await this.authentication.forgetApiKey(id);
    return revoked;
  }
}
