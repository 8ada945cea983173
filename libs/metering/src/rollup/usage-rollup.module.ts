import { Module } from '@nestjs/common';
import { UsageRollupLoop } from './usage-rollup.loop';

/** The usage rollup: 15-minute buckets, period totals and distinct patients, maintained incrementally. */
@Module({ providers: [UsageRollupLoop], exports: [UsageRollupLoop] })
export class UsageRollupModule {}
