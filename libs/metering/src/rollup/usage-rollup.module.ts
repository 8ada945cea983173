import { Module } from '@nestjs/common';
import { UsageRollupLoop } from './usage-rollup.loop';
import { UsageRollupService } from './usage-rollup.service';

/** The usage rollup: 15-minute buckets, period totals and distinct patients, maintained incrementally. */
@Module({ providers: [UsageRollupService, UsageRollupLoop], exports: [UsageRollupService, UsageRollupLoop] })
export class UsageRollupModule {}
