export * from './mllp-encoder';
export * from './mllp-decoder';
export * from './hl7-message';
export * from './hl7-ack';
export * from './client';
