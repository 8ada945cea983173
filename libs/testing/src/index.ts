export * from './fixtures';
export * from './test-app';
export * from './processes';
export * from './redis-cleanup';
export * from './e2e-stack';
export * from './fake-fhir-server';
export * from './us-core-validator';
export * from './mllp-peer';
