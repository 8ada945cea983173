import { Module } from '@nestjs/common';
import { EventsModule } from '@sb/events';
import { UsageAlertEvaluator } from './usage-alert-evaluator';
import { UsageAlertRulesService } from './usage-alert-rules.service';

/** Usage alert rules and their evaluation: `usage.threshold_crossed` once per threshold per period. */
@Module({ imports: [EventsModule], providers: [UsageAlertEvaluator, UsageAlertRulesService], exports: [UsageAlertEvaluator, UsageAlertRulesService] })
export class UsageAlertsModule {}
