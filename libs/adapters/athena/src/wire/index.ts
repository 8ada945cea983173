/**
 * athenaOne JSON at the edge: zod schemas that accept athena's inconsistent payloads and return
 * plain TypeScript records, and `parseX(json)` functions that throw a typed SbError
 * (VendorError, details.reason `malformed_response`, field paths only) instead of returning a
 * half-read record. Shapes: /work/shared/notes/athena.md §4–§9, §12.
 */
export * from './athena-time';
export { athenaFailure } from './athena-failure';
export { malformedResponse } from './wire-errors';
export type { AthenaPage } from './wire-records';
export * from './department.wire';
export * from './provider.wire';
export * from './practice.wire';
export * from './patient.wire';
export * from './appointment.wire';
export * from './encounter.wire';
export * from './problem.wire';
export * from './allergy.wire';
export * from './medication.wire';
export * from './vitals.wire';
export * from './labresult.wire';
export * from './clinical-document.wire';
