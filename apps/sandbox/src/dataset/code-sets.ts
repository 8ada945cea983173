// Terminology the generator draws from. Codes are real (LOINC, SNOMED CT,
// ICD-10-CM, RxNorm, UCUM, CDC race & ethnicity); the people are not.

export const SYSTEM = {
  loinc: 'http://loinc.org',
  snomed: 'http://snomed.info/sct',
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  ucum: 'http://unitsofmeasure.org',
  cdcRace: 'urn:oid:2.16.840.1.113883.6.238',
  npi: 'http://hl7.org/fhir/sid/us-npi',
  bcp47: 'urn:ietf:bcp:47',
} as const;

export interface Coding {
  system: string;
  code: string;
  display: string;
}

const loinc = (code: string, display: string): Coding => ({ system: SYSTEM.loinc, code, display });
const snomed = (code: string, display: string): Coding => ({ system: SYSTEM.snomed, code, display });
const rxnorm = (code: string, display: string): Coding => ({ system: SYSTEM.rxnorm, code, display });

export const RACES: readonly (readonly [Coding, number])[] = [
  [{ system: SYSTEM.cdcRace, code: '2106-3', display: 'White' }, 55],
  [{ system: SYSTEM.cdcRace, code: '2054-5', display: 'Black or African American' }, 15],
  [{ system: SYSTEM.cdcRace, code: '2028-9', display: 'Asian' }, 12],
  [{ system: SYSTEM.cdcRace, code: '1002-5', display: 'American Indian or Alaska Native' }, 4],
  [{ system: SYSTEM.cdcRace, code: '2076-8', display: 'Native Hawaiian or Other Pacific Islander' }, 3],
  [{ system: SYSTEM.cdcRace, code: '2131-1', display: 'Other Race' }, 11],
];
export const HISPANIC: Coding = { system: SYSTEM.cdcRace, code: '2135-2', display: 'Hispanic or Latino' };
export const NOT_HISPANIC: Coding = { system: SYSTEM.cdcRace, code: '2186-5', display: 'Not Hispanic or Latino' };

export const LANGUAGES: readonly (readonly [Coding, number])[] = [
  [{ system: SYSTEM.bcp47, code: 'en-US', display: 'English (United States)' }, 80],
  [{ system: SYSTEM.bcp47, code: 'es', display: 'Spanish' }, 14],
  [{ system: SYSTEM.bcp47, code: 'vi', display: 'Vietnamese' }, 3],
  [{ system: SYSTEM.bcp47, code: 'zh', display: 'Chinese' }, 3],
];

export const MARITAL = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus',
  values: [
    ['M', 'Married'],
    ['S', 'Never Married'],
    ['D', 'Divorced'],
    ['W', 'Widowed'],
  ] as const,
};

// --- vital signs (US Core 6.1.0 vital-sign profiles) ------------------------

export interface VitalDefinition {
  kind: VitalKind;
  codings: Coding[];
  profile: string;
  unit: string;
  ucum: string;
  decimals: number;
}
export type VitalKind = 'heart-rate' | 'respiratory-rate' | 'blood-pressure' | 'body-weight' | 'body-height' | 'bmi' | 'body-temperature' | 'pulse-oximetry';

const usCore = (name: string): string => `http://hl7.org/fhir/us/core/StructureDefinition/${name}`;

export const VITALS: Record<VitalKind, VitalDefinition> = {
  'heart-rate': { kind: 'heart-rate', codings: [loinc('8867-4', 'Heart rate')], profile: usCore('us-core-heart-rate'), unit: '/min', ucum: '/min', decimals: 0 },
  'respiratory-rate': { kind: 'respiratory-rate', codings: [loinc('9279-1', 'Respiratory rate')], profile: usCore('us-core-respiratory-rate'), unit: '/min', ucum: '/min', decimals: 0 },
  'blood-pressure': { kind: 'blood-pressure', codings: [loinc('85354-9', 'Blood pressure panel with all children optional')], profile: usCore('us-core-blood-pressure'), unit: 'mm[Hg]', ucum: 'mm[Hg]', decimals: 0 },
  'body-weight': { kind: 'body-weight', codings: [loinc('29463-7', 'Body weight')], profile: usCore('us-core-body-weight'), unit: 'kg', ucum: 'kg', decimals: 1 },
  'body-height': { kind: 'body-height', codings: [loinc('8302-2', 'Body height')], profile: usCore('us-core-body-height'), unit: 'cm', ucum: 'cm', decimals: 1 },
  bmi: { kind: 'bmi', codings: [loinc('39156-5', 'Body mass index (BMI) [Ratio]')], profile: usCore('us-core-bmi'), unit: 'kg/m2', ucum: 'kg/m2', decimals: 1 },
  'body-temperature': { kind: 'body-temperature', codings: [loinc('8310-5', 'Body temperature')], profile: usCore('us-core-body-temperature'), unit: 'Cel', ucum: 'Cel', decimals: 1 },
  'pulse-oximetry': {
    kind: 'pulse-oximetry',
    // US Core's pulse-oximetry profile carries both codes.
    codings: [loinc('59408-5', 'Oxygen saturation in Arterial blood by Pulse oximetry'), loinc('2708-6', 'Oxygen saturation in Arterial blood')],
    profile: usCore('us-core-pulse-oximetry'),
    unit: '%',
    ucum: '%',
    decimals: 0,
  },
};
export const SYSTOLIC = loinc('8480-6', 'Systolic blood pressure');
export const DIASTOLIC = loinc('8462-4', 'Diastolic blood pressure');

// --- laboratory -------------------------------------------------------------

export type LabKind = 'glucose' | 'creatinine' | 'sodium' | 'potassium' | 'cholesterol' | 'hdl' | 'ldl' | 'triglycerides' | 'hba1c' | 'hemoglobin' | 'wbc' | 'platelets';

export interface LabDefinition {
  kind: LabKind;
  coding: Coding;
  unit: string;
  low: number;
  high: number;
  decimals: number;
}

export const LABS: Record<LabKind, LabDefinition> = {
  glucose: { kind: 'glucose', coding: loinc('2345-7', 'Glucose [Mass/volume] in Serum or Plasma'), unit: 'mg/dL', low: 70, high: 99, decimals: 0 },
  creatinine: { kind: 'creatinine', coding: loinc('2160-0', 'Creatinine [Mass/volume] in Serum or Plasma'), unit: 'mg/dL', low: 0.6, high: 1.3, decimals: 2 },
  sodium: { kind: 'sodium', coding: loinc('2951-2', 'Sodium [Moles/volume] in Serum or Plasma'), unit: 'mmol/L', low: 136, high: 145, decimals: 0 },
  potassium: { kind: 'potassium', coding: loinc('2823-3', 'Potassium [Moles/volume] in Serum or Plasma'), unit: 'mmol/L', low: 3.5, high: 5.1, decimals: 1 },
  cholesterol: { kind: 'cholesterol', coding: loinc('2093-3', 'Cholesterol [Mass/volume] in Serum or Plasma'), unit: 'mg/dL', low: 0, high: 199, decimals: 0 },
  hdl: { kind: 'hdl', coding: loinc('2085-9', 'Cholesterol in HDL [Mass/volume] in Serum or Plasma'), unit: 'mg/dL', low: 40, high: 100, decimals: 0 },
  ldl: { kind: 'ldl', coding: loinc('18262-6', 'Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay'), unit: 'mg/dL', low: 0, high: 99, decimals: 0 },
  triglycerides: { kind: 'triglycerides', coding: loinc('2571-8', 'Triglyceride [Mass/volume] in Serum or Plasma'), unit: 'mg/dL', low: 0, high: 149, decimals: 0 },
  hba1c: { kind: 'hba1c', coding: loinc('4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood'), unit: '%', low: 4, high: 5.6, decimals: 1 },
  hemoglobin: { kind: 'hemoglobin', coding: loinc('718-7', 'Hemoglobin [Mass/volume] in Blood'), unit: 'g/dL', low: 12, high: 17.5, decimals: 1 },
  wbc: { kind: 'wbc', coding: loinc('6690-2', 'Leukocytes [#/volume] in Blood by Automated count'), unit: '10*3/uL', low: 4.5, high: 11, decimals: 1 },
  platelets: { kind: 'platelets', coding: loinc('777-3', 'Platelets [#/volume] in Blood by Automated count'), unit: '10*3/uL', low: 150, high: 400, decimals: 0 },
};

export type PanelKind = 'bmp' | 'lipid' | 'cbc' | 'hba1c';
export const PANELS: Record<PanelKind, { coding: Coding; labs: LabKind[] }> = {
  bmp: { coding: loinc('51990-0', 'Basic metabolic panel - Blood'), labs: ['glucose', 'creatinine', 'sodium', 'potassium'] },
  lipid: { coding: loinc('57698-3', 'Lipid panel with direct LDL - Serum or Plasma'), labs: ['cholesterol', 'hdl', 'ldl', 'triglycerides'] },
  cbc: { coding: loinc('58410-2', 'CBC panel - Blood by Automated count'), labs: ['hemoglobin', 'wbc', 'platelets'] },
  hba1c: { coding: loinc('4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood'), labs: ['hba1c'] },
};

export const SMOKING_STATUS = loinc('72166-2', 'Tobacco smoking status');
export const SMOKING_VALUES: readonly (readonly [Coding, number])[] = [
  [snomed('266919005', 'Never smoked tobacco'), 60],
  [snomed('8517006', 'Ex-smoker'), 25],
  [snomed('449868002', 'Smokes tobacco daily'), 15],
];

// --- conditions (SNOMED CT with the ICD-10-CM billing code beside it) --------

export type ConditionKind =
  | 'hypertension' | 'diabetes' | 'hyperlipidemia' | 'asthma' | 'depression' | 'anxiety' | 'hypothyroidism'
  | 'obesity' | 'gerd' | 'knee-osteoarthritis' | 'migraine' | 'ckd3'
  | 'uri' | 'sinusitis' | 'uti' | 'low-back-pain';

export interface ConditionDefinition {
  kind: ConditionKind;
  snomed: Coding;
  icd10: Coding;
  chronic: boolean;
}

const condition = (kind: ConditionKind, sct: string, sctDisplay: string, icd: string, icdDisplay: string, chronic: boolean): ConditionDefinition => ({
  kind,
  snomed: snomed(sct, sctDisplay),
  icd10: { system: SYSTEM.icd10cm, code: icd, display: icdDisplay },
  chronic,
});

export const CONDITIONS: Record<ConditionKind, ConditionDefinition> = {
  hypertension: condition('hypertension', '59621000', 'Essential hypertension', 'I10', 'Essential (primary) hypertension', true),
  diabetes: condition('diabetes', '44054006', 'Diabetes mellitus type 2', 'E11.9', 'Type 2 diabetes mellitus without complications', true),
  hyperlipidemia: condition('hyperlipidemia', '55822004', 'Hyperlipidemia', 'E78.5', 'Hyperlipidemia, unspecified', true),
  asthma: condition('asthma', '195967001', 'Asthma', 'J45.909', 'Unspecified asthma, uncomplicated', true),
  depression: condition('depression', '35489007', 'Depressive disorder', 'F32.A', 'Depression, unspecified', true),
  anxiety: condition('anxiety', '21897009', 'Generalized anxiety disorder', 'F41.1', 'Generalized anxiety disorder', true),
  hypothyroidism: condition('hypothyroidism', '40930008', 'Hypothyroidism', 'E03.9', 'Hypothyroidism, unspecified', true),
  obesity: condition('obesity', '414916001', 'Obesity', 'E66.9', 'Obesity, unspecified', true),
  gerd: condition('gerd', '235595009', 'Gastroesophageal reflux disease', 'K21.9', 'Gastro-esophageal reflux disease without esophagitis', true),
  'knee-osteoarthritis': condition('knee-osteoarthritis', '239873007', 'Osteoarthritis of knee', 'M17.9', 'Osteoarthritis of knee, unspecified', true),
  migraine: condition('migraine', '37796009', 'Migraine', 'G43.909', 'Migraine, unspecified, not intractable, without status migrainosus', true),
  ckd3: condition('ckd3', '433144002', 'Chronic kidney disease stage 3', 'N18.30', 'Chronic kidney disease, stage 3 unspecified', true),
  uri: condition('uri', '54150009', 'Upper respiratory infection', 'J06.9', 'Acute upper respiratory infection, unspecified', false),
  sinusitis: condition('sinusitis', '15805002', 'Acute sinusitis', 'J01.90', 'Acute sinusitis, unspecified', false),
  uti: condition('uti', '68566005', 'Urinary tract infectious disease', 'N39.0', 'Urinary tract infection, site not specified', false),
  'low-back-pain': condition('low-back-pain', '279039007', 'Low back pain', 'M54.50', 'Low back pain, unspecified', false),
};

// --- medications (RxNorm clinical drugs) -------------------------------------

export interface MedicationDefinition {
  coding: Coding;
  dosage: string;
  forConditions: ConditionKind[];
}

export const MEDICATIONS: readonly MedicationDefinition[] = [
  { coding: rxnorm('314076', 'lisinopril 10 MG Oral Tablet'), dosage: 'Take 1 tablet by mouth once daily.', forConditions: ['hypertension'] },
  { coding: rxnorm('197361', 'amlodipine 5 MG Oral Tablet'), dosage: 'Take 1 tablet by mouth once daily.', forConditions: ['hypertension'] },
  { coding: rxnorm('310798', 'hydrochlorothiazide 25 MG Oral Tablet'), dosage: 'Take 1 tablet by mouth every morning.', forConditions: ['hypertension'] },
  { coding: rxnorm('860975', '24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet'), dosage: 'Take 1 tablet by mouth with the evening meal.', forConditions: ['diabetes'] },
  { coding: rxnorm('259255', 'atorvastatin 80 MG Oral Tablet'), dosage: 'Take 1 tablet by mouth at bedtime.', forConditions: ['hyperlipidemia'] },
  { coding: rxnorm('745679', '200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler'), dosage: 'Inhale 2 puffs every 4 to 6 hours as needed for wheezing.', forConditions: ['asthma'] },
  { coding: rxnorm('312940', 'sertraline 50 MG Oral Tablet'), dosage: 'Take 1 tablet by mouth once daily.', forConditions: ['depression', 'anxiety'] },
  { coding: rxnorm('966222', 'levothyroxine sodium 0.05 MG Oral Tablet'), dosage: 'Take 1 tablet by mouth every morning before breakfast.', forConditions: ['hypothyroidism'] },
  { coding: rxnorm('313782', 'acetaminophen 325 MG Oral Tablet'), dosage: 'Take 2 tablets by mouth every 6 hours as needed for pain.', forConditions: ['knee-osteoarthritis', 'low-back-pain'] },
  { coding: rxnorm('310965', 'ibuprofen 200 MG Oral Tablet'), dosage: 'Take 2 tablets by mouth every 8 hours as needed with food.', forConditions: ['knee-osteoarthritis', 'migraine', 'low-back-pain'] },
  { coding: rxnorm('308182', 'amoxicillin 250 MG Oral Capsule'), dosage: 'Take 2 capsules by mouth three times daily for 10 days.', forConditions: ['sinusitis'] },
];

// --- allergies --------------------------------------------------------------

export interface AllergyDefinition {
  coding: Coding;
  category: 'medication' | 'food' | 'environment';
  reaction: Coding;
  criticality: 'low' | 'high';
}

export const ALLERGIES: readonly AllergyDefinition[] = [
  { coding: rxnorm('70618', 'Penicillin'), category: 'medication', reaction: snomed('247472004', 'Hives'), criticality: 'high' },
  { coding: rxnorm('10180', 'Sulfamethoxazole'), category: 'medication', reaction: snomed('271807003', 'Eruption of skin'), criticality: 'low' },
  { coding: snomed('256349002', 'Peanut - dietary'), category: 'food', reaction: snomed('39579001', 'Anaphylaxis'), criticality: 'high' },
  { coding: snomed('111088007', 'Latex'), category: 'environment', reaction: snomed('247472004', 'Hives'), criticality: 'low' },
  { coding: snomed('288328004', 'Bee venom'), category: 'environment', reaction: snomed('267036007', 'Dyspnea'), criticality: 'high' },
];
export const NO_KNOWN_ALLERGY = snomed('716186003', 'No known allergy');

// --- encounters, notes, appointments ----------------------------------------

export type EncounterKind = 'check-up' | 'follow-up' | 'telehealth' | 'symptom';
export const ENCOUNTER_TYPES: Record<EncounterKind, { type: Coding; classCode: 'AMB' | 'VR'; note: Coding; minutes: number }> = {
  'check-up': { type: snomed('185349003', 'Encounter for check up'), classCode: 'AMB', note: loinc('34117-2', 'History and physical note'), minutes: 40 },
  'follow-up': { type: snomed('390906007', 'Follow-up encounter'), classCode: 'AMB', note: loinc('11506-3', 'Progress note'), minutes: 20 },
  telehealth: { type: snomed('448337001', 'Telemedicine consultation with patient'), classCode: 'VR', note: loinc('11506-3', 'Progress note'), minutes: 15 },
  symptom: { type: snomed('185345009', 'Encounter for symptom'), classCode: 'AMB', note: loinc('11488-4', 'Consult note'), minutes: 25 },
};
export const ENCOUNTER_CLASS_DISPLAY: Record<'AMB' | 'VR', string> = { AMB: 'ambulatory', VR: 'virtual' };

export const APPOINTMENT_SERVICES: readonly Coding[] = [
  snomed('448337001', 'Telemedicine consultation with patient'),
  snomed('390906007', 'Follow-up encounter'),
  snomed('185349003', 'Encounter for check up'),
];
