export * from './kms-provider';
export * from './kms-error';
export * from './wrap-context';
export * from './local-kms.provider';
export { AwsKmsProvider, type AwsKmsProviderOptions } from './aws-kms.provider';
export { type AwsCredentials } from './aws-sigv4';
export { VaultTransitProvider, type VaultTransitProviderOptions } from './vault-transit.provider';
export * from './kms-factory';
