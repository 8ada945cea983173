export * from './usage-reports.module';
export * from './usage-query.schema';
export * from './usage-query.service';
export * from './usage-cursor';
export * from './usage-tenant';
export * from './usage-reconciliation.service';
export * from './usage-export.service';
