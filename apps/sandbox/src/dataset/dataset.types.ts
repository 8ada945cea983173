import type { AllergyDefinition, Coding, ConditionDefinition, EncounterKind, LabKind, MedicationDefinition, PanelKind, VitalKind } from './code-sets';
import type { SyntheticAddress } from './synthetic-names';

// The vendor-neutral synthetic records. Each vendor server renders them as its
// own FHIR resources (ids, identifier systems, extensions): see fhir/build-resources.ts.
// Keys are stable logical names ("p007", "p007-e2"), never shown to clients.

export interface SynthDataset {
  seed: number;
  /** The dataset's "today": encounters lie before it, booked appointments after. */
  anchor: string;
  organization: SynthOrganization;
  locations: SynthLocation[];
  practitioners: SynthPractitioner[];
  patients: SynthPatient[];
}

export interface SynthOrganization {
  key: string;
  name: string;
  npi: string;
  phone: string;
  address: SyntheticAddress;
}

export interface SynthLocation {
  key: string;
  name: string;
  kind: 'clinic' | 'virtual';
  address?: SyntheticAddress;
}

export interface SynthPractitioner {
  key: string;
  family: string;
  given: string[];
  gender: 'female' | 'male';
  npi: string;
  specialty: string;
}

export interface SynthPatient {
  key: string;
  index: number;
  family: string;
  given: string[];
  gender: 'female' | 'male';
  birthDate: string;
  race: Coding;
  ethnicity: Coding;
  language: Coding;
  maritalStatus: readonly [string, string];
  address: SyntheticAddress;
  phone: string;
  email: string;
  pcpKey: string;
  /** Deterministic per-vendor record numbers. */
  epicMrn: string;
  oracleMrn: string;
  conditions: SynthCondition[];
  allergies: SynthAllergy[];
  medications: SynthMedication[];
  encounters: SynthEncounter[];
  observations: SynthObservation[];
  reports: SynthReport[];
  notes: SynthNote[];
  appointments: SynthAppointment[];
}

export interface SynthCondition {
  key: string;
  definition: ConditionDefinition;
  category: 'problem-list-item' | 'encounter-diagnosis';
  onset: string;
  recorded: string;
  abatement?: string;
  encounterKey?: string;
}

export interface SynthAllergy {
  key: string;
  /** undefined: the "no known allergy" record. */
  definition?: AllergyDefinition;
  recorded: string;
}

export interface SynthMedication {
  key: string;
  definition: MedicationDefinition;
  status: 'active' | 'completed' | 'stopped';
  authoredOn: string;
  encounterKey: string;
  requesterKey: string;
  reasonConditionKey: string;
}

export interface SynthEncounter {
  key: string;
  kind: EncounterKind;
  start: string;
  end: string;
  practitionerKey: string;
  locationKey: string;
  reasonConditionKey?: string;
}

export type SynthObservationValue =
  | { kind: 'quantity'; value: number; unit: string }
  | { kind: 'blood-pressure'; systolic: number; diastolic: number }
  | { kind: 'coded'; coding: Coding };

export interface SynthObservation {
  key: string;
  category: 'vital-signs' | 'laboratory' | 'social-history';
  vital?: VitalKind;
  lab?: LabKind;
  /** social-history: the smoking-status observation. */
  smoking?: true;
  effective: string;
  issued?: string;
  encounterKey: string;
  value: SynthObservationValue;
}

export interface SynthReport {
  key: string;
  panel: PanelKind;
  effective: string;
  issued: string;
  encounterKey: string;
  resultKeys: string[];
  performerKey: string;
}

export interface SynthNote {
  key: string;
  type: Coding;
  date: string;
  encounterKey: string;
  authorKey: string;
  text: string;
}

export interface SynthAppointment {
  key: string;
  status: 'booked' | 'fulfilled' | 'cancelled' | 'noshow';
  service: Coding;
  appointmentType: 'ROUTINE' | 'FOLLOWUP' | 'WALKIN';
  start: string;
  minutes: number;
  created: string;
  practitionerKey: string;
  locationKey: string;
  reasonConditionKey?: string;
  description: string;
}
