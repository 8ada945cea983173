export * from './smart-broker.service';
export * from './smart-configuration';
export * from './smart-oauth-error';
export * from './smart-token.service';
export * from '@sb/connections';
export * from './upstream-tokens';
export * from './smart-broker.module';
