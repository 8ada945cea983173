export * from './ack-result';
export * from './mllp-client-errors';
export * from './mllp-client';
export * from './mllp-client-pool';
export * from './send-with-retry';
