export * from './audit-chain';
export * from './audit-chain.loop';
export * from './audit.module';
export * from './audit.service';
