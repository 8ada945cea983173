import type { ExportStorageSettings } from '@sb/config';
import { LocalObjectStorage } from './local/local-object-storage';
import type { ObjectStorage } from './object-storage';
import { S3ObjectStorage } from './s3/s3-object-storage';

/** The driver `AppConfig.exportStorage` (SB_EXPORT_STORAGE) names. */
export function createObjectStorage(settings: ExportStorageSettings): ObjectStorage {
  switch (settings.driver) {
    case 'local':
      return new LocalObjectStorage({ rootDir: settings.dir });
    case 's3':
      return new S3ObjectStorage({
        bucket: settings.bucket,
        region: settings.region,
        endpoint: settings.endpoint,
        forcePathStyle: settings.forcePathStyle,
        credentials: settings.credentials,
      });
  }
}
