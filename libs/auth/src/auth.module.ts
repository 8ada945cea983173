import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { AccessGuard } from './access.guard';
import { AuthenticationService } from './authentication.service';
import { BearerStrategy } from './bearer.strategy';
import { GatewayKeyService } from './gateway-keys.service';
import { TokenService } from './token.service';

/** Authentication (operator token, API keys, gateway JWTs) and the global access guard. */
@Module({
  imports: [PassportModule.register({ session: false })],
  providers: [
    GatewayKeyService,
    AuthenticationService,
    TokenService,
    BearerStrategy,
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [GatewayKeyService, AuthenticationService, TokenService],
})
export class AuthModule {}
