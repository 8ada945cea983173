/** The record types every FHIR EHR serves, that a telemedicine product touches first (shared/DESIGN.md), in US Core 6.1.0 shape. */
export const EHR_RECORD_TYPES = [
  'Patient',
  'Encounter',
  'Observation',
  'Condition',
  'AllergyIntolerance',
  'MedicationRequest',
  'DiagnosticReport',
  'DocumentReference',
  'Appointment',
  'Practitioner',
  'Organization',
  'Location',
  'Immunization',
  'ServiceRequest',
] as const;

/** Every type the facade serves: the record types plus scheduling (open Slots, where the vendor exposes them). */
export const CLINICAL_RESOURCE_TYPES = [...EHR_RECORD_TYPES, 'Slot'] as const;
export type ClinicalResourceType = (typeof CLINICAL_RESOURCE_TYPES)[number];

export const isClinicalResourceType = (t: string): t is ClinicalResourceType => (CLINICAL_RESOURCE_TYPES as readonly string[]).includes(t);

export type AdapterInteraction = 'read' | 'search' | 'create' | 'update';

/** What one connection's adapter can do, per resource type, with the search parameters it accepts. */
export type AdapterCapabilities = Partial<Record<ClinicalResourceType, { interactions: readonly AdapterInteraction[]; searchParams: readonly string[] }>>;
