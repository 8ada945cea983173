export * from './hl7v2.adapter';
export * from './hl7v2.search';
export * from './hl7v2.store-index';
