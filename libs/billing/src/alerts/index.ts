export * from './usage-alerts.module';
export * from './usage-alert-evaluator';
