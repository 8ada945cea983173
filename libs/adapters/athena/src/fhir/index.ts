/**
 * athenaOne records (from `../wire`) → FHIR R4 shaped by US Core 6.1.0, and FHIR → athena for writes.
 * Pure functions: every id comes from `athena-ids.ts`, every local time is placed in its
 * department's zone from the {@link AthenaMapContext}.
 */
export * from './map-context';
export * from './patient.mapper';
export * from './directory.mapper';
export * from './encounter.mapper';
export * from './condition.mapper';
export * from './allergy.mapper';
export * from './medication.mapper';
export * from './vitals.mapper';
export * from './lab.mapper';
export * from './scheduling.mapper';
export * from './document.mapper';
export * from './writes.mapper';
