import { Module } from '@nestjs/common';
import { AuthModule } from '@sb/auth';
import { ApiKeyService } from './api-key.service';
import { OAuthClientService } from './oauth-client.service';
import { TenantService } from './tenant.service';

@Module({
  imports: [AuthModule],
  providers: [TenantService, ApiKeyService, OAuthClientService],
  exports: [TenantService, ApiKeyService, OAuthClientService],
})
export class TenancyModule {}
