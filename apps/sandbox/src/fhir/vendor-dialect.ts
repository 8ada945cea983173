import type { VitalKind } from '../dataset/code-sets';
import type { SynthEncounter, SynthPatient } from '../dataset/dataset.types';
import type { CodingJson, ResourceType } from './fhir-types';

/**
 * How one vendor renders the shared synthetic records: its ids, identifier
 * systems and extensions. Everything else about a resource is US Core 6.1.0
 * and the same for both servers.
 */
export interface VendorDialect {
  vendor: 'epic' | 'oracle' | 'athena';
  id(type: ResourceType | 'Binary', key: string): string;
  patientIdentifiers(patient: SynthPatient, id: string): unknown[];
  /** Vendor extensions added after the US Core race, ethnicity and birth-sex ones. */
  patientExtensions(patient: SynthPatient): unknown[];
  patientNameText(patient: SynthPatient): string;
  encounterIdentifiers(encounter: SynthEncounter, id: string): unknown[];
  /** Codings the vendor adds beside LOINC on vital signs (Epic's flowsheet rows). */
  vitalCodings(kind: VitalKind): CodingJson[];
  /** Whether note text is served inline (`data`) or behind a `Binary/<id>` URL. */
  noteContent: 'inline' | 'binary';
}
