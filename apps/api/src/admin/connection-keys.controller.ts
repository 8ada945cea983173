import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, RequireScope } from '@sb/auth';
import { ConnectionKeysService, ConnectionService, generateKeySchema, type GenerateKeyInput } from '@sb/connections';
import type { Actor } from '@sb/core';
import { DocumentBody, IdParam, ValidBody, DocumentResponse } from '@sb/http';
import { tenantOf } from './tenant-of';
import { connectionKeySchema, itemsOf } from './response-schemas';
import { AdminAudited } from '../console/admin-audit.interceptor';

@ApiTags('connections')
@ApiBearerAuth()
@AdminAudited()
@Controller('v1/connections/:id/keys')
export class ConnectionKeysController {
  constructor(
    private readonly connections: ConnectionService,
    private readonly keys: ConnectionKeysService,
  ) {}

  @Post()
  @HttpCode(201)
  @RequireScope({ admin: 'admin:connections' })
  @ApiOperation({ summary: 'Generate (or import) an RS384/ES384 key pair; the public key is published in the connection JWKS' })
  @DocumentBody(generateKeySchema)
  @DocumentResponse(connectionKeySchema, 201)
  async create(@CurrentActor() actor: Actor, @IdParam('Connection') id: string, @ValidBody(generateKeySchema) body: GenerateKeyInput) {
    const tenantId = tenantOf(actor);
    await this.connections.get(tenantId, id);
    return this.keys.create(actor, tenantId, id, body);
  }

  @Get()
  @RequireScope({ admin: 'connections:read' })
  @ApiOperation({ summary: "The connection's keys: active, retiring (still published) and retired" })
  @DocumentResponse(itemsOf(connectionKeySchema))
  async list(@CurrentActor() actor: Actor, @IdParam('Connection') id: string) {
    const tenantId = tenantOf(actor);
    await this.connections.get(tenantId, id);
    return { items: await this.keys.list(tenantId, id) };
  }

  @Delete(':kid')
  @RequireScope({ admin: 'admin:connections' })
  @ApiOperation({ summary: 'Retire a key: unpublish it and destroy its private half' })
  @DocumentResponse(connectionKeySchema)
  async retire(@CurrentActor() actor: Actor, @IdParam('Connection') id: string, @Param('kid') kid: string) {
    const tenantId = tenantOf(actor);
    await this.connections.get(tenantId, id);
    return this.keys.retire(actor, tenantId, id, kid);
  }
}
