import { ConnectionHealthModule } from '@sb/connection-health';
import { BulkExportModule } from '@sb/bulk-export';
import { Module } from '@nestjs/common';
import { AthenaChangesModule } from '@sb/athena-changes';
import { AuditModule } from '@sb/audit';
import { BillingModule, UsageAlertsModule } from '@sb/billing';
import { ConfigModule } from '@sb/config';
import { DbModule } from '@sb/db';
import { Hl7ProcessingModule } from '@sb/hl7-processing';
import { UsageRollupModule } from '@sb/metering';
import { QueueModule } from '@sb/queue';
import { VaultModule } from '@sb/vault';
import { WebhookDeliveryModule } from '@sb/webhooks';
import { WorkerJobHandlers } from './job-handlers';
import { MasterKeyRotationModule } from './master-key-rotation';

@Module({
  imports: [ConfigModule, DbModule, QueueModule, VaultModule, AuditModule, Hl7ProcessingModule, AthenaChangesModule, WebhookDeliveryModule, UsageRollupModule, BillingModule, UsageAlertsModule, BulkExportModule, ConnectionHealthModule, MasterKeyRotationModule],
  providers: [WorkerJobHandlers],
})
export class WorkerModule {}
