export * from './bulk-export.module';
export * from './bulk-export.service';
export * from './bulk-support';
export * from './export-request';
export * from './export-runner';
export * from './ndjson-file';
export * from './type-filter';
