export * from './errors';
export * from './actor';
export * from './scopes';
export * from './roles';
export * from './request-context';
export * from './shutdown';
export * from './usage-classes';
export * from './billing-period';
