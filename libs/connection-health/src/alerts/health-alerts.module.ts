import { Module } from '@nestjs/common';
import { EventsModule } from '@sb/events';
import { HealthAlertEvaluator } from './health-alert-evaluator';
import { HealthAlertRulesService } from './health-alert-rules.service';

/** Connection health alert rules (the api manages them) and their evaluation (the worker's monitor, per transition). */
@Module({ imports: [EventsModule], providers: [HealthAlertEvaluator, HealthAlertRulesService], exports: [HealthAlertEvaluator, HealthAlertRulesService] })
export class HealthAlertsModule {}
