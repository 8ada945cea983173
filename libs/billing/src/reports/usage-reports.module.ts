import { Module } from '@nestjs/common';
import { UsageRollupModule } from '@sb/metering';
import { UsageQueryService } from './usage-query.service';
import { UsageTenantResolver } from './usage-tenant';

/** Usage read from the rollups (windows, group-by, timezone), reconciliation and CSV exports. */
@Module({
  imports: [UsageRollupModule],
  providers: [UsageQueryService, UsageTenantResolver],
  exports: [UsageQueryService, UsageTenantResolver],
})
export class UsageReportsModule {}
