import { Module } from '@nestjs/common';

/** Usage read from the rollups (windows, group-by, timezone), reconciliation and CSV exports. */
@Module({})
export class UsageReportsModule {}
