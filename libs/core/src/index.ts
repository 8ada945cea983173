export * from './errors';
export * from './actor';
export * from './scopes';
export * from './request-context';
export * from './shutdown';
