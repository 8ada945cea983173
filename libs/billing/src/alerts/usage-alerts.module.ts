import { Module } from '@nestjs/common';
import { UsageAlertEvaluator } from './usage-alert-evaluator';

/** Usage alert rules and their evaluation: `usage.threshold_crossed` once per threshold per period. */
@Module({ providers: [UsageAlertEvaluator], exports: [UsageAlertEvaluator] })
export class UsageAlertsModule {}
