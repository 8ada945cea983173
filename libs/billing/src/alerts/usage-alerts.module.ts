import { Module } from '@nestjs/common';
import { EventsModule } from '@sb/events';
import { PreviewService } from '../invoices/preview.service';
import { BillingModule } from '../plans/billing.module';
import { ALERT_SPEND_SOURCE, UsageAlertEvaluator, type AlertSpendSource } from './usage-alert-evaluator';
import { UsageAlertRulesService } from './usage-alert-rules.service';

/** Amounts come from the invoice preview of the current period: what the tenant sees is what alerts. */
const spendSource = {
  provide: ALERT_SPEND_SOURCE,
  inject: [PreviewService],
  useFactory: (preview: PreviewService): AlertSpendSource => ({ currentSpend: (tenantId, now) => preview.preview(tenantId, 'current', now) }),
};

/** Usage alert rules and their evaluation: `usage.threshold_crossed` once per threshold per period. */
@Module({
  imports: [EventsModule, BillingModule],
  providers: [UsageAlertEvaluator, UsageAlertRulesService, spendSource],
  exports: [UsageAlertEvaluator, UsageAlertRulesService],
})
export class UsageAlertsModule {}
