import { Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentActor, RequireScope } from '@sb/auth';
import type { Actor } from '@sb/core';
import { DocumentBody, DocumentResponse, IdParam, ValidBody } from '@sb/http';
import { createSmartAppSchema, smartAppView, SmartAppsService, updateSmartAppSchema, type CreateSmartAppInput, type UpdateSmartAppInput } from '@sb/smart';
import { smartAppListSchema, smartAppSchema, smartAppWithSecretSchema } from './smart-app-schemas';
import { tenantOf } from './tenant-of';
import { AdminAudited } from '../console/admin-audit.interceptor';

/** SMART apps are the gateway's OAuth clients for SMART App Launch: the same scope guards them. */
const ADMIN = { admin: 'admin:oauth-clients' } as const;
const APP = 'SMART app';

/** The SMART app registry (issue 15). The client secret is in the create and rotate answers only. */
@ApiTags('smart-apps')
@ApiBearerAuth()
@AdminAudited()
@Controller('v1/smart-apps')
export class SmartAppsController {
  constructor(private readonly apps: SmartAppsService) {}

  @Post()
  @RequireScope(ADMIN)
  @ApiOperation({ summary: 'Register a SMART app once for every connected EHR; a confidential app without jwksUrl gets a client secret, in this response only' })
  @DocumentBody(createSmartAppSchema)
  @DocumentResponse(smartAppWithSecretSchema, 201)
  async create(@CurrentActor() actor: Actor, @ValidBody(createSmartAppSchema) body: CreateSmartAppInput) {
    const { app, clientSecret } = await this.apps.create(tenantOf(actor), body);
    return { ...smartAppView(app), ...(clientSecret === null ? {} : { clientSecret }) };
  }

  @Get()
  @RequireScope(ADMIN)
  @ApiOperation({ summary: "List the tenant's SMART apps (never a secret)" })
  @DocumentResponse(smartAppListSchema)
  async list(@CurrentActor() actor: Actor) {
    return { items: (await this.apps.list(tenantOf(actor))).map(smartAppView) };
  }

  @Get(':id')
  @RequireScope(ADMIN)
  @ApiOperation({ summary: 'Read a SMART app (never its secret)' })
  @DocumentResponse(smartAppSchema)
  async get(@CurrentActor() actor: Actor, @IdParam(APP) id: string) {
    return smartAppView(await this.apps.get(tenantOf(actor), id));
  }

  @Patch(':id')
  @RequireScope(ADMIN)
  @ApiOperation({ summary: 'Update the name, launch URL, redirect URIs, scopes or (private_key_jwt apps) JWKS URL' })
  @DocumentBody(updateSmartAppSchema)
  @DocumentResponse(smartAppSchema)
  async update(@CurrentActor() actor: Actor, @IdParam(APP) id: string, @ValidBody(updateSmartAppSchema) body: UpdateSmartAppInput) {
    return smartAppView(await this.apps.update(tenantOf(actor), id, body));
  }

  @Post(':id/secret')
  @HttpCode(200)
  @RequireScope(ADMIN)
  @ApiOperation({ summary: 'Rotate the client secret of a confidential symmetric app: the new one is in this response only, the old one stops working at once' })
  @DocumentResponse(smartAppWithSecretSchema.required({ clientSecret: true }))
  async rotateSecret(@CurrentActor() actor: Actor, @IdParam(APP) id: string) {
    const { app, clientSecret } = await this.apps.rotateSecret(tenantOf(actor), id);
    return { ...smartAppView(app), clientSecret };
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScope(ADMIN)
  @ApiOperation({ summary: 'Delete a SMART app; its client id and secret stop working at once' })
  @ApiResponse({ status: 204, description: 'Deleted' })
  async delete(@CurrentActor() actor: Actor, @IdParam(APP) id: string) {
    await this.apps.delete(tenantOf(actor), id);
  }
}
