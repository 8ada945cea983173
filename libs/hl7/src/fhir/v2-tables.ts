/**
 * Code systems and the HL7 v2 tables the converter translates, following the HL7 v2-to-FHIR
 * IG concept maps (https://build.fhir.org/ig/HL7/v2-to-fhir/conceptmaps.html).
 */

export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';
export const CDC_RACE_ETHNICITY = 'urn:oid:2.16.840.1.113883.6.238';
export const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
export const US_SSN = 'http://hl7.org/fhir/sid/us-ssn';
export const DATA_ABSENT_REASON = 'http://terminology.hl7.org/CodeSystem/data-absent-reason';
export const DATA_ABSENT_REASON_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason';

/** HL7 table 0396 coding system names → FHIR system URIs (the ones seen in practice). */
const CODING_SYSTEMS: Readonly<Record<string, string>> = {
  LN: LOINC,
  LOINC,
  SCT: 'http://snomed.info/sct',
  SNOMED: 'http://snomed.info/sct',
  SNOMEDCT: 'http://snomed.info/sct',
  CVX: 'http://hl7.org/fhir/sid/cvx',
  NDC: 'http://hl7.org/fhir/sid/ndc',
  MVX: 'http://terminology.hl7.org/CodeSystem/MVX',
  RXNORM: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  RXN: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  I10: 'http://hl7.org/fhir/sid/icd-10',
  I10C: 'http://hl7.org/fhir/sid/icd-10-cm',
  ICD10CM: 'http://hl7.org/fhir/sid/icd-10-cm',
  I9: 'http://hl7.org/fhir/sid/icd-9-cm',
  I9C: 'http://hl7.org/fhir/sid/icd-9-cm',
  I9CM: 'http://hl7.org/fhir/sid/icd-9-cm',
  C4: 'http://www.ama-assn.org/go/cpt',
  CPT: 'http://www.ama-assn.org/go/cpt',
  UCUM,
  CDCREC: CDC_RACE_ETHNICITY,
  NCIT: 'http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl',
  NUCC: 'http://nucc.org/provider-taxonomy',
  ISO3166_1: 'urn:iso:std:iso:3166',
  DCM: 'http://dicom.nema.org/resources/ontology/DCM',
};

/**
 * The FHIR system of a v2 coding system name: known names (table 0396) by URI, `HL7nnnn` as
 * the v2 table code system, anything else (local `L`, `99xxx`, site names) as a stable URN.
 */
export function codingSystemUri(name: string): string | undefined {
  if (name === '') return undefined;
  const known = CODING_SYSTEMS[name] ?? CODING_SYSTEMS[name.toUpperCase()];
  if (known) return known;
  const table = /^HL7(\d{4})$/i.exec(name);
  if (table) return `http://terminology.hl7.org/CodeSystem/v2-${table[1]}`;
  if (/^[0-2](\.(0|[1-9]\d*))+$/.test(name)) return `urn:oid:${name}`;
  return `urn:switchboard:hl7:codesystem:${encodeURIComponent(name)}`;
}

/** Table 0001 administrative sex → FHIR administrative-gender. */
export const ADMINISTRATIVE_GENDER: Readonly<Record<string, 'male' | 'female' | 'other' | 'unknown'>> = {
  M: 'male',
  F: 'female',
  O: 'other',
  A: 'other',
  N: 'unknown',
  U: 'unknown',
};

/** Table 0200 name type → HumanName.use. */
export const NAME_USE: Readonly<Record<string, 'usual' | 'official' | 'temp' | 'nickname' | 'anonymous' | 'old' | 'maiden'>> = {
  A: 'usual',
  B: 'official',
  BAD: 'old',
  C: 'official',
  D: 'usual',
  L: 'official',
  M: 'maiden',
  N: 'nickname',
  NOUSE: 'old',
  R: 'official',
  S: 'anonymous',
  T: 'usual',
  TEMP: 'temp',
};

/** Table 0190 address type → Address.use / Address.type. */
export const ADDRESS_TYPE: Readonly<Record<string, { use?: 'home' | 'work' | 'temp' | 'old'; type?: 'postal' | 'physical' }>> = {
  H: { use: 'home' },
  P: { use: 'home' },
  L: { use: 'home' },
  RH: { use: 'home' },
  HOME: { use: 'home' },
  B: { use: 'work' },
  O: { use: 'work' },
  C: { use: 'temp' },
  BA: { use: 'old' },
  M: { type: 'postal' },
  SH: { type: 'physical' },
};

/** Table 0002 marital status → v3 MaritalStatus (https://terminology.hl7.org/CodeSystem-v3-MaritalStatus.html). */
export const MARITAL_STATUS: Readonly<Record<string, { code: string; display: string }>> = {
  A: { code: 'L', display: 'Legally Separated' },
  E: { code: 'L', display: 'Legally Separated' },
  D: { code: 'D', display: 'Divorced' },
  M: { code: 'M', display: 'Married' },
  S: { code: 'S', display: 'Never Married' },
  W: { code: 'W', display: 'Widowed' },
  C: { code: 'C', display: 'Common Law' },
  P: { code: 'T', display: 'Domestic partner' },
  R: { code: 'T', display: 'Domestic partner' },
  N: { code: 'A', display: 'Annulled' },
  I: { code: 'I', display: 'Interlocutory' },
  B: { code: 'U', display: 'unmarried' },
  U: { code: 'UNK', display: 'unknown' },
};

/** OMB race categories (CDC Race & Ethnicity), the only codes US Core allows in `ombCategory`. */
export const OMB_RACE: Readonly<Record<string, string>> = {
  '1002-5': 'American Indian or Alaska Native',
  '2028-9': 'Asian',
  '2054-5': 'Black or African American',
  '2076-8': 'Native Hawaiian or Other Pacific Islander',
  '2106-3': 'White',
};

/** Pre-2.5 table 0005 letter codes → OMB race category. */
export const LEGACY_RACE: Readonly<Record<string, string>> = {
  I: '1002-5',
  A: '2028-9',
  B: '2054-5',
  H: '2076-8',
  P: '2076-8',
  W: '2106-3',
};

export const OMB_ETHNICITY: Readonly<Record<string, string>> = {
  '2135-2': 'Hispanic or Latino',
  '2186-5': 'Not Hispanic or Latino',
};

/** Table 0189 ethnic group → OMB ethnicity category. */
export const LEGACY_ETHNICITY: Readonly<Record<string, string>> = { H: '2135-2', N: '2186-5' };

/** ISO 639-2 (three-letter) → BCP-47 primary language subtag, for the languages most often sent. */
export const ISO_639_2_TO_1: Readonly<Record<string, string>> = {
  ara: 'ar',
  chi: 'zh',
  zho: 'zh',
  deu: 'de',
  ger: 'de',
  eng: 'en',
  fra: 'fr',
  fre: 'fr',
  hin: 'hi',
  ita: 'it',
  jpn: 'ja',
  kor: 'ko',
  pol: 'pl',
  por: 'pt',
  rus: 'ru',
  spa: 'es',
  tgl: 'tl',
  vie: 'vi',
  hmn: 'hmn',
  som: 'so',
};

/** Table 0085 observation result status → Observation.status. */
export const OBSERVATION_STATUS: Readonly<Record<string, 'registered' | 'preliminary' | 'final' | 'amended' | 'corrected' | 'cancelled' | 'entered-in-error' | 'unknown'>> = {
  C: 'corrected',
  D: 'entered-in-error',
  F: 'final',
  I: 'registered',
  N: 'cancelled',
  O: 'registered',
  P: 'preliminary',
  R: 'preliminary',
  S: 'preliminary',
  U: 'final',
  W: 'entered-in-error',
  X: 'cancelled',
  A: 'amended',
};

/** Table 0123 result status → DiagnosticReport.status. */
export const REPORT_STATUS: Readonly<Record<string, 'registered' | 'partial' | 'preliminary' | 'final' | 'corrected' | 'cancelled' | 'entered-in-error'>> = {
  O: 'registered',
  I: 'registered',
  S: 'registered',
  A: 'partial',
  P: 'preliminary',
  R: 'partial',
  N: 'partial',
  C: 'corrected',
  M: 'corrected',
  F: 'final',
  X: 'cancelled',
  D: 'entered-in-error',
};

/** v3 ObservationInterpretation codes (table 0078 codes are a subset in v2.5+). */
export const INTERPRETATION_CODES: ReadonlySet<string> = new Set([
  '<', '>', 'A', 'AA', 'AC', 'B', 'CAR', 'D', 'DET', 'E', 'EX', 'EXP', 'H', 'HH', 'HM', 'HU', 'HX', 'I', 'IE', 'IND', 'L', 'LL', 'LU', 'LX',
  'MS', 'N', 'NCL', 'ND', 'NEG', 'NR', 'NS', 'OBX', 'POS', 'QCF', 'R', 'RR', 'S', 'SDD', 'SYN-R', 'SYN-S', 'TOX', 'U', 'UNE', 'VS', 'W', 'WR',
]);

/** Table 0004 patient class → Encounter.class (v3 ActCode). */
export const PATIENT_CLASS: Readonly<Record<string, { code: string; display: string }>> = {
  I: { code: 'IMP', display: 'inpatient encounter' },
  O: { code: 'AMB', display: 'ambulatory' },
  E: { code: 'EMER', display: 'emergency' },
  P: { code: 'PRENC', display: 'pre-admission' },
  R: { code: 'AMB', display: 'ambulatory' },
  B: { code: 'IMP', display: 'inpatient encounter' },
  C: { code: 'AMB', display: 'ambulatory' },
};

/** Table 0270 document type → LOINC document ontology code (the types with an unambiguous note code). */
export const DOCUMENT_TYPE_LOINC: Readonly<Record<string, { code: string; display: string }>> = {
  AR: { code: '18743-5', display: 'Autopsy report' },
  CN: { code: '11488-4', display: 'Consult note' },
  DI: { code: '18748-4', display: 'Diagnostic imaging study' },
  DS: { code: '18842-5', display: 'Discharge summary' },
  ED: { code: '34111-5', display: 'Emergency department note' },
  HP: { code: '34117-2', display: 'History and physical note' },
  OP: { code: '11504-8', display: 'Surgical operation note' },
  PN: { code: '28570-0', display: 'Procedure note' },
  PR: { code: '11506-3', display: 'Progress note' },
  SP: { code: '11526-1', display: 'Pathology study' },
  TS: { code: '18761-7', display: 'Transfer summary note' },
};

/** Table 0271 document completion status → DocumentReference.docStatus. */
export const DOCUMENT_STATUS: Readonly<Record<string, 'preliminary' | 'final' | 'amended' | 'entered-in-error'>> = {
  AU: 'final',
  LA: 'final',
  DI: 'preliminary',
  DO: 'preliminary',
  IN: 'preliminary',
  IP: 'preliminary',
  PA: 'preliminary',
};

/** Table 0127 allergen type → AllergyIntolerance.category. */
export const ALLERGY_CATEGORY: Readonly<Record<string, 'food' | 'medication' | 'environment' | 'biologic'>> = {
  DA: 'medication',
  FA: 'food',
  EA: 'environment',
  AA: 'environment',
  PA: 'environment',
  LA: 'environment',
};

/** Table 0128 allergy severity → AllergyIntolerance.criticality. */
export const ALLERGY_CRITICALITY: Readonly<Record<string, 'low' | 'high' | 'unable-to-assess'>> = {
  SV: 'high',
  MO: 'low',
  MI: 'low',
  U: 'unable-to-assess',
};
