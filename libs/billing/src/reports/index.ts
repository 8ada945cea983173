export * from './usage-reports.module';
