import { Controller, Delete, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, RequireScope } from '@sb/auth';
import type { Actor } from '@sb/core';
import { IdParam, DocumentResponse } from '@sb/http';
import { ApiKeyService } from '@sb/tenancy';
import { tenantOf } from './tenant-of';
import { apiKeyView } from './views';
import { apiKeySchema, itemsOf } from './response-schemas';
import { AdminAudited } from '../console/admin-audit.interceptor';

@ApiTags('api-keys')
@ApiBearerAuth()
@AdminAudited()
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeyService) {}

  @Get()
  @RequireScope({ admin: 'admin:api-keys' })
  @ApiOperation({ summary: "List the tenant's API keys (never the keys themselves)" })
  @DocumentResponse(itemsOf(apiKeySchema))
  async list(@CurrentActor() actor: Actor) {
    return { items: (await this.apiKeys.list(tenantOf(actor))).map(apiKeyView) };
  }

  @Delete(':id')
  @RequireScope({ admin: 'admin:api-keys' })
  @ApiOperation({ summary: 'Revoke an API key (idempotent)' })
  @DocumentResponse(apiKeySchema)
  async revoke(@CurrentActor() actor: Actor, @IdParam('API key') id: string) {
    return apiKeyView(await this.apiKeys.revoke(tenantOf(actor), id));
  }
}
