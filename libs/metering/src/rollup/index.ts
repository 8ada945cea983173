export * from './patient-token';
export * from './rollup-batch';
export * from './usage-rollup.loop';
export * from './usage-rollup.module';
export * from './usage-rollup.service';
