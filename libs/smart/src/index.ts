export * from './apps';
export * from './scopes';
export * from './access';
export * from './broker';
