// Test support: local stand-ins for AWS KMS and Vault transit, real HTTP on 127.0.0.1.
export * from './fake-aws-kms';
export * from './fake-vault-transit';
export type { FakeServer } from './fake-http-server';
