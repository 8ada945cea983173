import { Module } from '@nestjs/common';
import { AuthModule } from '@sb/auth';
import { ApiKeyService } from './api-key.service';
import { ConsoleUsersService } from './console-users.service';
import { OAuthClientService } from './oauth-client.service';
import { OperatorUsersService } from './operator-users.service';
import { TenantService } from './tenant.service';

@Module({
  imports: [AuthModule],
  providers: [TenantService, ApiKeyService, OAuthClientService, ConsoleUsersService, OperatorUsersService],
  exports: [TenantService, ApiKeyService, OAuthClientService, ConsoleUsersService, OperatorUsersService],
})
export class TenancyModule {}
