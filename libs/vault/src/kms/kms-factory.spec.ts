import { randomBytes } from 'node:crypto';
import { AwsKmsProvider } from './aws-kms.provider';
import { createKmsProvider } from './kms-factory';
import { LocalKmsProvider } from './local-kms.provider';
import { VaultTransitProvider } from './vault-transit.provider';

describe('createKmsProvider', () => {
  it('builds the provider each setting names', () => {
    const local = createKmsProvider({ provider: 'local', primaryKey: randomBytes(32), previousKeys: [randomBytes(32)] });
    expect(local).toBeInstanceOf(LocalKmsProvider);
    expect(local.name).toBe('local');

    const aws = createKmsProvider({
      provider: 'aws-kms',
      keyId: 'alias/switchboard',
      region: 'eu-central-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });
    expect(aws).toBeInstanceOf(AwsKmsProvider);
    expect(aws.name).toBe('aws-kms');

    const vault = createKmsProvider({ provider: 'vault-transit', address: 'http://127.0.0.1:8200', token: 't', keyName: 'sb' });
    expect(vault).toBeInstanceOf(VaultTransitProvider);
    expect(vault.name).toBe('vault-transit');
  });

  it('fails at construction on an unusable local key', () => {
    expect(() => createKmsProvider({ provider: 'local', primaryKey: randomBytes(8) })).toThrow('Invalid KMS configuration');
  });
});
