import { Module } from '@nestjs/common';
import { AuditModule } from '@sb/audit';
import { UsageRollupModule } from '@sb/metering';
import { BillingModule } from '../plans/billing.module';
import { UsageExportService } from './usage-export.service';
import { UsageQueryService } from './usage-query.service';
import { UsageReconciliationService } from './usage-reconciliation.service';
import { UsageTenantResolver } from './usage-tenant';

const providers = [UsageQueryService, UsageReconciliationService, UsageExportService, UsageTenantResolver];

/** Usage read from the rollups (windows, group-by, timezone), reconciliation and CSV exports. */
@Module({ imports: [UsageRollupModule, BillingModule, AuditModule], providers, exports: providers })
export class UsageReportsModule {}
