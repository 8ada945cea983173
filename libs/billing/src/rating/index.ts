export * from './decimal';
export * from './currencies';
export * from './round';
export * from './plan-definition';
export * from './rate-period';
export * from './rated-period-schema';
