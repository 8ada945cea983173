export * from './usage-rollup.module';
export * from './usage-rollup.loop';
