export * from './address-policy';
export * from './outbound-error';
export * from './outbound-url';
export * from './target-policy';
export * from './guarded-fetch';
export * from './client-span';
export * from './guarded-agent';
export * from './guarded-download';
