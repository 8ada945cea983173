export * from './circuit-breaker';
export * from './token-cache';
export * from './vendor-http-client';
