import { Module } from '@nestjs/common';
import { AuditModule } from '@sb/audit';
import { UsageAdjustmentsService } from './usage-adjustments.service';

/** Corrections of billable usage: signed adjustment rows, never edits. */
@Module({ imports: [AuditModule], providers: [UsageAdjustmentsService], exports: [UsageAdjustmentsService] })
export class UsageAdjustmentsModule {}
