export * from './webhook-endpoint-audit';
export * from './webhook-endpoint.schemas';
export * from './webhook-endpoint.service';
export * from './webhook-endpoint.views';
export * from './webhook-endpoints.module';
export * from './webhook-url';
