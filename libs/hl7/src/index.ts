export * from './mllp-encoder';
export * from './mllp-decoder';
export * from './hl7-message';
export * from './hl7-ack';
export * from './validate-message';
export * from './client';
export * from './dialect/hl7-dialect.schema';
export * from './fhir/convert-message';
export { deterministicId } from './fhir/conversion-context';
