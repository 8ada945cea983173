import { AwsKmsProvider, type AwsKmsProviderOptions } from './aws-kms.provider';
import { LocalKmsProvider, type LocalKmsProviderOptions } from './local-kms.provider';
import type { KmsProvider } from './kms-provider';
import { VaultTransitProvider, type VaultTransitProviderOptions } from './vault-transit.provider';

/** Validated KMS settings, as the config module produces them from the environment. */
export type KmsSettings =
  | ({ provider: 'local' } & LocalKmsProviderOptions)
  | ({ provider: 'aws-kms' } & AwsKmsProviderOptions)
  | ({ provider: 'vault-transit' } & VaultTransitProviderOptions);

export function createKmsProvider(settings: KmsSettings): KmsProvider {
  switch (settings.provider) {
    case 'local':
      return new LocalKmsProvider(settings);
    case 'aws-kms':
      return new AwsKmsProvider(settings);
    case 'vault-transit':
      return new VaultTransitProvider(settings);
  }
}
