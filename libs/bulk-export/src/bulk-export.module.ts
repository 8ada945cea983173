import { Module } from '@nestjs/common';
import { AdaptersModule } from '@sb/adapters';
import { ConnectionsModule } from '@sb/connections';
import { EventsModule } from '@sb/events';
import { StorageModule } from '@sb/storage';
import { BulkExportService } from './bulk-export.service';
import { BulkExportRunner } from './export-runner';
import { VendorExports } from './vendor-exports';

/** Bulk Data $export: the API's service and the worker's runner (the worker starts it). */
@Module({
  imports: [AdaptersModule, ConnectionsModule, EventsModule, StorageModule],
  providers: [BulkExportService, BulkExportRunner, VendorExports],
  exports: [BulkExportService, BulkExportRunner],
})
export class BulkExportModule {}
