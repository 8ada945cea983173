import type { ExportStorageSettings } from '@sb/config';
import { LocalObjectStorage } from './local/local-object-storage';
import type { ObjectStorage } from './object-storage';

/** The driver `AppConfig.exportStorage` (SB_EXPORT_STORAGE) names. */
export function createObjectStorage(settings: ExportStorageSettings): ObjectStorage {
  switch (settings.driver) {
    case 'local':
      return new LocalObjectStorage({ rootDir: settings.dir });
    case 's3': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when configured: the AWS SDK costs every process that loads it ~7 MB of RSS
      const { S3ObjectStorage } = require('./s3/s3-object-storage') as typeof import('./s3/s3-object-storage');
      return new S3ObjectStorage({
        bucket: settings.bucket,
        region: settings.region,
        endpoint: settings.endpoint,
        forcePathStyle: settings.forcePathStyle,
        credentials: settings.credentials,
      });
    }
  }
}
