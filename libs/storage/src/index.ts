export * from './object-storage';
export * from './object-key';
export * from './object-metadata';
export * from './object-digest';
export * from './local/local-object-storage';
export * from './storage-factory';
export * from './storage.module';
