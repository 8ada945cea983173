export * from './application-ack.publisher';
export * from './hl7-processing.module';
export * from './hl7-worker-loops';
export * from './inbound-processor';
export * from './message-log.service';
export * from './outbound-dispatcher';
export * from './preview.service';
export * from './resource-diff';
