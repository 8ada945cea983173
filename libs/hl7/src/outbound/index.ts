export * from './hl7-build-error';
export type { OutboundHeaderOptions } from './common-segments';
export * from './order-message';
export * from './note-message';
