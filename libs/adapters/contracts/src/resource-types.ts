/** The resource types a telemedicine product touches first (shared/DESIGN.md), in US Core 6.1.0 shape. */
export const CLINICAL_RESOURCE_TYPES = [
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
export type ClinicalResourceType = (typeof CLINICAL_RESOURCE_TYPES)[number];

export const isClinicalResourceType = (t: string): t is ClinicalResourceType => (CLINICAL_RESOURCE_TYPES as readonly string[]).includes(t);

export type AdapterInteraction = 'read' | 'search' | 'create' | 'update';

/** What one connection's adapter can do, per resource type, with the search parameters it accepts. */
export type AdapterCapabilities = Partial<Record<ClinicalResourceType, { interactions: readonly AdapterInteraction[]; searchParams: readonly string[] }>>;
