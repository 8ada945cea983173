import type { Connection, Vendor } from '../api/types';

export const VENDOR_LABELS: Record<Vendor, string> = {
  epic: 'Epic',
  oracle: 'Oracle Health',
  athena: 'athenahealth',
  hl7v2: 'HL7 v2 site',
  fhir: 'FHIR server',
  echo: 'Echo (built in)',
};

/** Vendors the guided form sets up. */
export const FORM_VENDORS = ['epic', 'oracle', 'athena', 'hl7v2', 'fhir'] as const;
export type FormVendor = (typeof FORM_VENDORS)[number];

/** Vendors the sandbox EHR simulates: a sandbox connection without endpoints wires itself. */
export const SANDBOX_VENDORS: readonly Vendor[] = ['epic', 'oracle', 'athena'];

/** Authenticates with a signed JWT (SMART Backend Services, private_key_jwt) and needs a key pair. */
export const usesSigningKeys = (c: Pick<Connection, 'vendor'>): boolean => c.vendor === 'epic' || c.vendor === 'fhir';
/** Authenticates with a client secret kept in the vault. */
export const usesClientSecret = (c: Pick<Connection, 'vendor'>): boolean => c.vendor === 'oracle' || c.vendor === 'athena';
/** Configured by FHIR base URL, SMART discovery and scopes (athena is configured by practice, through its own API). */
export const isFhirVendor = (v: Vendor): boolean => v === 'epic' || v === 'oracle' || v === 'fhir';

/**
 * What the app may do at the hospital, in words, and the SMART scope each asks
 * for: v2 (`.rs`, `.c`) for Epic and generic FHIR, v1 (`.read`, `.write`) for
 * Oracle Health, whose system accounts take SMART v1 scopes.
 */
export interface Capability {
  label: string;
  v2: string;
  v1: string;
}

export const CAPABILITIES: readonly Capability[] = [
  { label: 'Read patients', v2: 'system/Patient.rs', v1: 'system/Patient.read' },
  { label: 'Search observations (results, vitals)', v2: 'system/Observation.rs', v1: 'system/Observation.read' },
  { label: 'Read encounters', v2: 'system/Encounter.rs', v1: 'system/Encounter.read' },
  { label: 'Read conditions (problems)', v2: 'system/Condition.rs', v1: 'system/Condition.read' },
  { label: 'Read allergies', v2: 'system/AllergyIntolerance.rs', v1: 'system/AllergyIntolerance.read' },
  { label: 'Read medication orders', v2: 'system/MedicationRequest.rs', v1: 'system/MedicationRequest.read' },
  { label: 'Read clinical notes (DocumentReference)', v2: 'system/DocumentReference.rs', v1: 'system/DocumentReference.read' },
  { label: 'Create notes (DocumentReference)', v2: 'system/DocumentReference.c', v1: 'system/DocumentReference.write' },
  { label: 'Read appointments', v2: 'system/Appointment.rs', v1: 'system/Appointment.read' },
  { label: 'Book appointments', v2: 'system/Appointment.c', v1: 'system/Appointment.write' },
];

export const scopeOf = (capability: Capability, vendor: Vendor): string => (vendor === 'oracle' || vendor === 'athena' ? capability.v1 : capability.v2);

/** Capability labels for a scope list; scopes no capability names are shown as they are. */
export function describeScopes(scopes: readonly string[]): string[] {
  return scopes.map((s) => CAPABILITIES.find((c) => c.v1 === s || c.v2 === s)?.label ?? s);
}
