import { Controller, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, OperatorOnly, RequireScope } from '@sb/auth';
import type { Actor } from '@sb/core';
import { DocumentBody, IdParam, ValidBody, DocumentResponse } from '@sb/http';
import {
  ApiKeyService,
  createApiKeySchema,
  createTenantSchema,
  TenantService,
  updateTenantSchema,
  type CreateApiKeyInput,
  type CreateTenantInput,
  type UpdateTenantInput,
} from '@sb/tenancy';
import { apiKeyView, tenantView } from './views';
import { apiKeyWithSecretSchema, itemsOf, tenantSchema } from './response-schemas';
import { AdminAudited } from '../console/admin-audit.interceptor';

@ApiTags('tenants')
@ApiBearerAuth()
@AdminAudited()
@Controller('v1/tenants')
export class TenantsController {
  constructor(
    private readonly tenants: TenantService,
    private readonly apiKeys: ApiKeyService,
  ) {}

  @Post()
  @OperatorOnly()
  @ApiOperation({ summary: 'Create a tenant (operator only), with its built-in echo connection' })
  @DocumentBody(createTenantSchema)
  @DocumentResponse(tenantSchema, 201)
  async create(@ValidBody(createTenantSchema) body: CreateTenantInput) {
    return tenantView(await this.tenants.create(body));
  }

  @Get()
  @OperatorOnly()
  @ApiOperation({ summary: 'Every tenant of the installation, newest first (operator only)' })
  @DocumentResponse(itemsOf(tenantSchema))
  async list() {
    return { items: (await this.tenants.list()).map(tenantView) };
  }

  @Get(':id')
  @RequireScope({ admin: 'admin:tenant' }, { operator: true })
  @ApiOperation({ summary: 'Read a tenant' })
  @DocumentResponse(tenantSchema)
  async get(@CurrentActor() actor: Actor, @IdParam('Tenant') id: string) {
    return tenantView(await this.tenants.getForActor(actor, id));
  }

  @Patch(':id')
  @RequireScope({ admin: 'admin:tenant' }, { operator: true })
  @ApiOperation({ summary: 'Update a tenant (name, plan; status by the operator)' })
  @DocumentBody(updateTenantSchema)
  @DocumentResponse(tenantSchema)
  async update(@CurrentActor() actor: Actor, @IdParam('Tenant') id: string, @ValidBody(updateTenantSchema) body: UpdateTenantInput) {
    return tenantView(await this.tenants.update(actor, id, body));
  }

  @Post(':id/api-keys')
  @HttpCode(201)
  @RequireScope({ admin: 'admin:api-keys' }, { operator: true })
  @ApiOperation({ summary: 'Create an API key; the key is in this response only' })
  @DocumentBody(createApiKeySchema)
  @DocumentResponse(apiKeyWithSecretSchema, 201)
  async createApiKey(@CurrentActor() actor: Actor, @IdParam('Tenant') id: string, @ValidBody(createApiKeySchema) body: CreateApiKeyInput) {
    const tenant = await this.tenants.getForActor(actor, id);
    const { apiKey, key } = await this.apiKeys.create(actor, tenant.id, body);
    return { ...apiKeyView(apiKey), key };
  }
}
