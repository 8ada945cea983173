import type { ResourceType } from '../fhir/fhir-types';
import type { VendorDialect } from '../fhir/vendor-dialect';

/** Identifier systems of the Oracle Health–like server. */
export const ORACLE_SYSTEMS = {
  mrn: 'urn:oid:2.16.840.1.113883.6.1000',
  fin: 'urn:oid:2.16.840.1.113883.3.787.0.0',
  v2IdentifierType: 'http://terminology.hl7.org/CodeSystem/v2-0203',
  renderedValue: 'http://hl7.org/fhir/StructureDefinition/rendered-value',
} as const;

// Numeric ids: a per-type base, plus (patient number × 1000 + record number).
const BASE: Record<ResourceType | 'Binary', number> = {
  Patient: 12_724_066,
  Encounter: 97_939_000,
  Observation: 197_000_000,
  Condition: 51_000_000,
  AllergyIntolerance: 8_600_000,
  MedicationRequest: 313_000_000,
  DiagnosticReport: 205_000_000,
  DocumentReference: 186_000_000,
  Appointment: 4_800_000,
  Practitioner: 4_122_600,
  Organization: 675_800,
  Location: 32_541_000,
  Immunization: 22_400_000,
  ServiceRequest: 316_000_000,
  Binary: 187_000_000,
};
/** Ids of resources created at run time start here, above every generated id. */
export const ORACLE_CREATED_ID_BASE = 400_000_000;

/** p012 → patient 12; p012-o34 → patient 12, record 34; pr3, loc2, org1 → 3, 2, 1. */
function numericId(type: ResourceType | 'Binary', key: string): string {
  const base = BASE[type];
  const m = /^p(\d+)(?:-[a-z]+(\d+))?/.exec(key);
  if (m) {
    const patient = Number(m[1]);
    if (type === 'Patient') return String(base + (patient - 1) * 1009);
    return String(base + patient * 1000 + Number(m[2] ?? 0));
  }
  const n = /(\d+)$/.exec(key);
  if (!n) throw new Error(`no numeric id for ${type} ${key}`);
  return String(base + Number(n[1]) * 7);
}

export const oracleDialect: VendorDialect = {
  vendor: 'oracle',
  id: numericId,
  patientIdentifiers: (p) => [
    {
      use: 'usual',
      type: { coding: [{ system: ORACLE_SYSTEMS.v2IdentifierType, code: 'MR', display: 'Medical record number' }], text: 'MRN' },
      // Millennium keeps the zero-padded form it prints on wristbands beside the value.
      _value: { extension: [{ url: ORACLE_SYSTEMS.renderedValue, valueString: p.oracleMrn.padStart(12, '0') }] },
      system: ORACLE_SYSTEMS.mrn,
      value: p.oracleMrn,
    },
  ],
  patientExtensions: () => [],
  patientNameText: (p) => `${p.family.toUpperCase()}, ${p.given.join(' ').toUpperCase()}`,
  encounterIdentifiers: (_e, id) => [
    {
      use: 'usual',
      type: { coding: [{ system: ORACLE_SYSTEMS.v2IdentifierType, code: 'VN', display: 'Visit number' }], text: 'FIN' },
      system: ORACLE_SYSTEMS.fin,
      value: String(Number(id) - 60_000_000),
    },
  ],
  vitalCodings: () => [],
  noteContent: 'inline',
};
