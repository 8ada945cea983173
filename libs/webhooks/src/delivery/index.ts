export * from './webhook-deliverer';
export * from './webhook-delivery.module';
export * from './webhook-http';
export * from './webhook-relay';
export * from './webhook-retry';
export * from './webhook-signature';
