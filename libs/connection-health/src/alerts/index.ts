export * from './health-alert-evaluator';
export * from './health-alert-rule.schemas';
export * from './health-alert-rules.service';
export * from './health-alerts.module';
