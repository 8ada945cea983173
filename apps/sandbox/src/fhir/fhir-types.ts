/** A FHIR R4 resource as JSON; the sandbox builds and stores them untyped past this shape. */
export interface FhirResource {
  resourceType: string;
  id: string;
  meta?: { versionId?: string; lastUpdated?: string; profile?: string[]; tag?: unknown[] };
  [element: string]: unknown;
}

export interface CodingJson {
  system?: string;
  code?: string;
  display?: string;
}

export interface CodeableConceptJson {
  coding?: CodingJson[];
  text?: string;
}

export interface ReferenceJson {
  reference?: string;
  display?: string;
}

/** What both sandbox servers serve; create is narrower (see capability.ts). */
export const RESOURCE_TYPES = [
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
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export const isResourceType = (value: string): value is ResourceType => (RESOURCE_TYPES as readonly string[]).includes(value);

/** Types whose search is scoped by `patient`. */
export const PATIENT_SCOPED: ReadonlySet<ResourceType> = new Set([
  'Encounter',
  'Observation',
  'Condition',
  'AllergyIntolerance',
  'MedicationRequest',
  'DiagnosticReport',
  'DocumentReference',
  'Appointment',
  'Immunization',
  'ServiceRequest',
]);
