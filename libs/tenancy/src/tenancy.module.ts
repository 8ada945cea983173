import { Module } from '@nestjs/common';
import { AuthModule } from '@sb/auth';
import { ApiKeyService } from './api-key.service';
import { ConsoleUsersService } from './console-users.service';
import { OAuthClientService } from './oauth-client.service';
import { TenantService } from './tenant.service';

@Module({
  imports: [AuthModule],
  providers: [TenantService, ApiKeyService, OAuthClientService, ConsoleUsersService],
  exports: [TenantService, ApiKeyService, OAuthClientService, ConsoleUsersService],
})
export class TenancyModule {}
