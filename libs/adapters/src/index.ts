export * from './adapter-registry';
export * from './adapter-runtime';
export * from './adapters.module';
export * from './redis-request-budget';
