export * from './fixtures';
export * from './test-app';
export * from './processes';
export * from './redis-cleanup';
