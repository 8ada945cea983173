export * from './usage-alerts.module';
export * from './usage-alert-evaluator';
export * from './usage-alert-rules.service';
export { USAGE_ALERT_METRICS, type UsageAlertMetricName } from './alert-values';
