export * from './athena-changes.module';
export * from './change-poller';
export * from './change-items';
export * from './changes-client';
export * from './derive-events';
export * from './page-processor';
export * from './poll-settings';
