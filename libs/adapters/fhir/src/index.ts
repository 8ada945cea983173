export * from './fhir.adapter';
export * from './fhir.auth';
export * from './fhir.errors';
export * from './fhir.mappers';
export * from './fhir.bulk';
