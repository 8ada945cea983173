export * from './ehr-adapter';
export * from './resource-types';
export * from './search-params';
export * from './http';
export * from './cursor-codec';
export * from './adapter-context';
export * from './request-budget';
export * from './capability-statement';
