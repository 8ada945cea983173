import { Module } from '@nestjs/common';
import { AdaptersModule } from '@sb/adapters';
import { ConnectionsModule } from '@sb/connections';
import { EventsModule } from '@sb/events';
import { SmartBrokerModule } from '@sb/smart';
import { TransactionsModule } from '@sb/transactions';
import { ClinicalService } from './clinical.service';
import { IdempotentCreates } from './idempotent-creates';

@Module({
  imports: [AdaptersModule, ConnectionsModule, TransactionsModule, EventsModule, SmartBrokerModule],
  providers: [ClinicalService, IdempotentCreates],
  exports: [ClinicalService],
})
export class ClinicalModule {}
