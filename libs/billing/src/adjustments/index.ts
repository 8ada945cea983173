export * from './usage-adjustments.module';
export * from './usage-adjustments.service';
