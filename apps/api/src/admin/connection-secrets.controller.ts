import { Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, RequireScope } from '@sb/auth';
import { putSecretSchema, ConnectionService } from '@sb/connections';
import type { Actor } from '@sb/core';
import { DocumentBody, IdParam, ValidBody, DocumentResponse } from '@sb/http';
import { VaultService } from '@sb/vault';
import type { z } from 'zod';
import { tenantOf } from './tenant-of';
import { secretView } from './views';
import { itemsOf, secretSchema } from './response-schemas';
import { AdminAudited } from '../console/admin-audit.interceptor';

@ApiTags('connections')
@ApiBearerAuth()
@AdminAudited()
@Controller('v1/connections/:id/secrets')
export class ConnectionSecretsController {
  constructor(
    private readonly connections: ConnectionService,
    private readonly vault: VaultService,
  ) {}

  @Put(':name')
  @RequireScope({ admin: 'admin:connections' })
  @ApiOperation({ summary: 'Set or rotate a secret (write-only: the value is never returned)' })
  @DocumentBody(putSecretSchema)
  @DocumentResponse(secretSchema)
  async put(@CurrentActor() actor: Actor, @IdParam('Connection') id: string, @Param('name') name: string, @ValidBody(putSecretSchema) body: z.infer<typeof putSecretSchema>) {
    const tenantId = tenantOf(actor);
    await this.connections.get(tenantId, id);
    const value = Buffer.from(body.value, 'utf8');
    try {
      return secretView(await this.vault.put(actor, { tenantId, connectionId: id, name }, value, { expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined }));
    } finally {
      value.fill(0);
    }
  }

  @Get()
  @RequireScope({ admin: 'connections:read' })
  @ApiOperation({ summary: 'Secret metadata (name, version, fingerprint, times) — never values' })
  @DocumentResponse(itemsOf(secretSchema))
  async list(@CurrentActor() actor: Actor, @IdParam('Connection') id: string) {
    const tenantId = tenantOf(actor);
    await this.connections.get(tenantId, id);
    return { items: (await this.vault.list(tenantId, id)).map(secretView) };
  }

  @Delete(':name')
  @HttpCode(204)
  @RequireScope({ admin: 'admin:connections' })
  @ApiOperation({ summary: 'Delete every version of a secret' })
  async delete(@CurrentActor() actor: Actor, @IdParam('Connection') id: string, @Param('name') name: string) {
    const tenantId = tenantOf(actor);
    await this.connections.get(tenantId, id);
    await this.vault.delete(actor, { tenantId, connectionId: id, name });
  }
}
