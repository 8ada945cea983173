import { Module } from '@nestjs/common';
import { AdaptersModule } from '@sb/adapters';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { EventsModule } from '@sb/events';
import { TransactionsModule } from '@sb/transactions';
import { VaultModule } from '@sb/vault';
import { ChangeFingerprints } from './change-fingerprints';
import { AthenaChangePoller } from './change-poller';
import { ATHENA_CHANGES_CLIENTS } from './changes-client';
import { CHANGE_FINGERPRINTS, AthenaPageProcessor } from './page-processor';
import { RuntimeAthenaChangesClients } from './runtime-changes-clients';

@Module({
  imports: [AdaptersModule, VaultModule, EventsModule, TransactionsModule],
  providers: [
    AthenaChangePoller,
    AthenaPageProcessor,
    { provide: CHANGE_FINGERPRINTS, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new ChangeFingerprints(config.keyedHashKey) },
    { provide: ATHENA_CHANGES_CLIENTS, useClass: RuntimeAthenaChangesClients },
  ],
  exports: [AthenaChangePoller, AthenaPageProcessor],
})
export class AthenaChangesModule {}
