export * from './billing.module';
export * from './billing-audit';
export * from './plans.service';
export * from './tenant-billing.service';
