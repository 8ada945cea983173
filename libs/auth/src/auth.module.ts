import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { QueueModule } from '@sb/queue';
import { AccessGuard } from './access.guard';
import { AuthenticationService } from './authentication.service';
import { ConsoleSessionService } from './console/console-session.service';
import { LoginThrottle } from './console/login-throttle';
import { CredentialInvalidations } from './credential-invalidations';
import { GatewayKeyService } from './gateway-keys.service';
import { TokenService } from './token.service';

/** Authentication (operator token, API keys, gateway JWTs, console sessions) and the global access guard. */
@Module({
  imports: [QueueModule],
  providers: [
    GatewayKeyService,
    CredentialInvalidations,
    AuthenticationService,
    TokenService,
    LoginThrottle,
    ConsoleSessionService,
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [GatewayKeyService, AuthenticationService, TokenService, ConsoleSessionService],
})
export class AuthModule {}
