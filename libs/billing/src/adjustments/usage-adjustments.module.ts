import { Module } from '@nestjs/common';

/** Corrections of billable usage: signed adjustment rows, never edits. */
@Module({})
export class UsageAdjustmentsModule {}
