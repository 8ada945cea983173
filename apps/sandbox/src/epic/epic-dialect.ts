import { createHash } from 'node:crypto';
import type { VitalKind } from '../dataset/code-sets';
import type { SynthPatient } from '../dataset/dataset.types';
import { hash32 } from '../dataset/prng';
import type { CodingJson } from '../fhir/fhir-types';
import type { VendorDialect } from '../fhir/vendor-dialect';

/**
 * Epic identifier systems, shaped like an Epic organization's OIDs
 * (1.2.840.114350 is Epic's arc; the instance nodes are this sandbox's).
 */
export const EPIC_SYSTEMS = {
  mrn: 'urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14',
  epi: 'urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.0',
  fhirId: 'http://open.epic.com/FHIR/StructureDefinition/patient-fhir-id',
  csn: 'urn:oid:1.2.840.114350.1.13.0.1.7.3.698084.8',
  flowsheetRow: 'urn:oid:1.2.840.114350.1.13.0.1.7.2.707679',
  legalSex: 'http://open.epic.com/FHIR/StructureDefinition/extension/legal-sex',
  legalSexCodes: 'urn:oid:1.2.840.114350.1.13.0.1.7.10.698084.130.657370.19999000',
  /** Where Epic's OperationOutcome detail codes (4100, 4101, …) come from. */
  outcomeCodes: 'urn:oid:1.2.840.114350.1.13.0.1.7.2.657369',
} as const;

/** Epic-style opaque FHIR ids: "e", 22 URL-safe characters, then "3" (e.g. eq081-VQEgP8drUUqCWzHfw3). */
export function epicId(label: string): string {
  const body = createHash('sha256').update(label).digest('base64url').slice(0, 22).replace(/_/g, '.');
  return `e${body}3`;
}

const FLOWSHEET_ROWS: Record<VitalKind, CodingJson> = {
  'blood-pressure': { code: '5', display: 'BP' },
  'body-temperature': { code: '6', display: 'Temp' },
  'heart-rate': { code: '8', display: 'Pulse' },
  'respiratory-rate': { code: '9', display: 'Resp' },
  'pulse-oximetry': { code: '10', display: 'SpO2' },
  'body-height': { code: '11', display: 'Height' },
  'body-weight': { code: '14', display: 'Weight' },
  bmi: { code: '301070', display: 'BMI' },
};

export const epicDialect: VendorDialect = {
  vendor: 'epic',
  id: (type, key) => epicId(`epic:${type}:${key}`),
  patientIdentifiers: (p: SynthPatient, id: string) => [
    { use: 'usual', type: { text: 'EPI' }, system: EPIC_SYSTEMS.epi, value: `E${1000 + p.index}` },
    { use: 'usual', type: { text: 'MRN' }, system: EPIC_SYSTEMS.mrn, value: p.epicMrn },
    { use: 'usual', system: EPIC_SYSTEMS.fhirId, value: id },
  ],
  patientExtensions: (p) => [
    {
      url: EPIC_SYSTEMS.legalSex,
      valueCodeableConcept: { coding: [{ system: EPIC_SYSTEMS.legalSexCodes, code: p.gender, display: p.gender }] },
    },
  ],
  patientNameText: (p) => `${p.given.join(' ')} ${p.family}`,
  encounterIdentifiers: (e) => [{ use: 'usual', system: EPIC_SYSTEMS.csn, value: String(100_000_000 + (hash32(e.key) % 900_000_000)) }],
  vitalCodings: (kind) => [{ system: EPIC_SYSTEMS.flowsheetRow, ...FLOWSHEET_ROWS[kind] }],
  noteContent: 'binary',
};
