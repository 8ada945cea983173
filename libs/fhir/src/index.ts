export * from './fhir-schema';
export * from './operation-outcome';
