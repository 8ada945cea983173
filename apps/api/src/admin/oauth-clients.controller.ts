import { Controller, Delete, Get, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, RequireScope } from '@sb/auth';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { outboundPolicyFor, validateConnectionUrl } from '@sb/connections';
import type { Actor } from '@sb/core';
import { DocumentBody, IdParam, ValidBody, DocumentResponse } from '@sb/http';
import { createOAuthClientSchema, OAuthClientService, type CreateOAuthClientInput } from '@sb/tenancy';
import { tenantOf } from './tenant-of';
import { oauthClientView } from './views';
import { itemsOf, oauthClientSchema, oauthClientWithSecretSchema } from './response-schemas';
import { AdminAudited } from '../console/admin-audit.interceptor';

@ApiTags('oauth-clients')
@ApiBearerAuth()
@AdminAudited()
@Controller('v1/oauth-clients')
export class OAuthClientsController {
  constructor(
    private readonly clients: OAuthClientService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post()
  @RequireScope({ admin: 'admin:oauth-clients' })
  @ApiOperation({ summary: 'Register an OAuth client (client secret, or JWKS for private_key_jwt); the secret is in this response only' })
  @DocumentBody(createOAuthClientSchema)
  @DocumentResponse(oauthClientWithSecretSchema, 201)
  async create(@CurrentActor() actor: Actor, @ValidBody(createOAuthClientSchema) body: CreateOAuthClientInput) {
    // The gateway fetches the JWKS URL: where it may point is checked now too (and again at every fetch); it is stored as given.
    if (body.jwksUrl !== undefined) await validateConnectionUrl(body.jwksUrl, 'jwksUrl', outboundPolicyFor(this.config, 'public'));
    const { client, clientSecret } = await this.clients.create(actor, tenantOf(actor), body);
    return { ...oauthClientView(client), ...(clientSecret ? { clientSecret } : {}) };
  }

  @Get()
  @RequireScope({ admin: 'admin:oauth-clients' })
  @ApiOperation({ summary: "List the tenant's OAuth clients" })
  @DocumentResponse(itemsOf(oauthClientSchema))
  async list(@CurrentActor() actor: Actor) {
    return { items: (await this.clients.list(tenantOf(actor))).map(oauthClientView) };
  }

  @Delete(':id')
  @RequireScope({ admin: 'admin:oauth-clients' })
  @ApiOperation({ summary: 'Revoke an OAuth client; its tokens stop working at once' })
  @DocumentResponse(oauthClientSchema)
  async revoke(@CurrentActor() actor: Actor, @IdParam('OAuth client') id: string) {
    return oauthClientView(await this.clients.revoke(tenantOf(actor), id));
  }
}
