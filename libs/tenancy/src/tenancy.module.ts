import { Module } from '@nestjs/common';
import { ApiKeyService } from './api-key.service';
import { OAuthClientService } from './oauth-client.service';
import { TenantService } from './tenant.service';

@Module({
  providers: [TenantService, ApiKeyService, OAuthClientService],
  exports: [TenantService, ApiKeyService, OAuthClientService],
})
export class TenancyModule {}
