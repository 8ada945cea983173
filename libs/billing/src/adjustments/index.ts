export * from './usage-adjustments.module';
