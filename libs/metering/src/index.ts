export * from './metering.module';
export * from './metering.service';
export * from './rollup';
