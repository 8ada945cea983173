import { Module } from '@nestjs/common';
import { AuthModule } from '@sb/auth';
import { VaultModule } from '@sb/vault';
import { SmartBrokerService } from './smart-broker.service';
import { SmartTokenService } from './smart-token.service';
import { UpstreamTokens } from './upstream-tokens';

/** The SMART broker: both legs of a launch, the token endpoint and the EHR's user tokens. */
@Module({
  imports: [AuthModule, VaultModule],
  providers: [SmartBrokerService, SmartTokenService, UpstreamTokens],
  exports: [SmartBrokerService, SmartTokenService, UpstreamTokens],
})
export class SmartBrokerModule {}
