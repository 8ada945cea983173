import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { OBJECT_STORAGE, type ObjectStorage } from './object-storage';
import { createObjectStorage } from './storage-factory';

/** Provides `OBJECT_STORAGE`: the export-file storage SB_EXPORT_STORAGE selects. Needs `ConfigModule` (global). */
@Module({
  providers: [
    { provide: OBJECT_STORAGE, inject: [APP_CONFIG], useFactory: (config: AppConfig): ObjectStorage => createObjectStorage(config.exportStorage) },
  ],
  exports: [OBJECT_STORAGE],
})
export class StorageModule {}
