export * from './connection-health.module';
export * from './connection-health.monitor';
export * from './health-probe';
export * from './health-status';
export * from './alerts';
