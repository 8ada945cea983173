import type { AllergyIntolerance, Condition, DiagnosticReport, DocumentReference, Encounter, MedicationRequest, Observation, Patient } from '@medplum/fhirtypes';
import { validateFhirResource } from '@sb/fhir';
import {
  attachmentText,
  buildAppointment,
  buildNote,
  toAllergyIntolerance,
  toAppointment,
  toCondition,
  toDiagnosticReport,
  toDocumentReference,
  toEncounter,
  toMedicationRequest,
  toObservation,
  toPatient,
  withUnit,
} from './clinical.mappers';

const C = 'conn-1';
const LOINC = 'http://loinc.org';
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

describe('toPatient', () => {
  it('takes the MR identifier and the official name (given + family)', () => {
    const p: Patient = {
      resourceType: 'Patient',
      id: 'p1',
      identifier: [
        { system: 'urn:ssn', value: '000-00-0000' },
        { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] }, system: 'urn:mrn', value: 'MRN-42' },
      ],
      name: [
        { use: 'nickname', given: ['Jo'] },
        { use: 'official', family: 'Smith', given: ['Jane', 'Q'] },
      ],
      birthDate: '1980-02-03',
      gender: 'female',
    };
    expect(toPatient(C, p)).toEqual({
      id: 'p1',
      connectionId: C,
      resource: p,
      mrn: 'MRN-42',
      name: 'Jane Q Smith',
      family: 'Smith',
      given: ['Jane', 'Q'],
      birthDate: '1980-02-03',
      gender: 'female',
    });
  });

  it('falls back to the first identifier and name text, and is null where nothing is sent', () => {
    expect(toPatient(C, { resourceType: 'Patient', id: 'p2', identifier: [{ value: 'X1' }], name: [{ text: 'Prince' }] })).toMatchObject({ mrn: 'X1', name: 'Prince', family: null, given: [] });
    expect(toPatient(C, { resourceType: 'Patient', id: 'p3' })).toMatchObject({ mrn: null, name: null, birthDate: null, gender: null });
  });
});

describe('toObservation', () => {
  const heartRate: Observation = {
    resourceType: 'Observation',
    id: 'o1',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: LOINC, code: '8867-4', display: 'Heart rate' }] },
    effectiveDateTime: '2024-05-01T10:00:00Z',
    valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    interpretation: [{ coding: [{ code: 'N' }] }],
    referenceRange: [{ low: { value: 60, unit: '/min' }, high: { value: 100, unit: '/min' } }],
  };

  it('gives code, category, value with unit, interpretation and range', () => {
    expect(toObservation(C, heartRate)).toMatchObject({
      id: 'o1',
      code: { system: LOINC, code: '8867-4', display: 'Heart rate' },
      display: 'Heart rate',
      category: 'vital-signs',
      effective: '2024-05-01T10:00:00Z',
      value: '72',
      unit: '/min',
      valueWithUnit: '72 /min',
      interpretation: 'Normal',
      referenceRange: '60–100 /min',
      status: 'final',
    });
  });

  it('joins blood pressure components that share a unit', () => {
    const bp: Observation = {
      resourceType: 'Observation',
      id: 'o2',
      status: 'final',
      code: { coding: [{ system: LOINC, code: '85354-9' }], text: 'Blood pressure' },
      effectivePeriod: { start: '2024-05-01T10:00:00Z' },
      component: [
        { code: { coding: [{ system: LOINC, code: '8480-6' }] }, valueQuantity: { value: 120, unit: 'mm[Hg]' } },
        { code: { coding: [{ system: LOINC, code: '8462-4' }] }, valueQuantity: { value: 80, unit: 'mm[Hg]' } },
      ],
      interpretation: [{ text: 'High' }],
    };
    expect(toObservation(C, bp)).toMatchObject({ display: 'Blood pressure', effective: '2024-05-01T10:00:00Z', value: '120/80', unit: 'mm[Hg]', valueWithUnit: '120/80 mm[Hg]', interpretation: 'High' });
  });

  it('renders coded, string and absent values', () => {
    const base: Observation = { resourceType: 'Observation', id: 'o3', status: 'final', code: { text: 'x' } };
    expect(toObservation(C, { ...base, valueCodeableConcept: { coding: [{ code: '260385009', display: 'Negative' }] } })).toMatchObject({ value: 'Negative', unit: null, valueWithUnit: 'Negative' });
    expect(toObservation(C, { ...base, valueString: 'clear', issued: '2024-01-01T00:00:00Z' })).toMatchObject({ value: 'clear', effective: '2024-01-01T00:00:00Z' });
    expect(toObservation(C, base)).toMatchObject({ value: null, unit: null, valueWithUnit: null, interpretation: null, category: null, code: null });
    expect(toObservation(C, { ...base, valueQuantity: { value: 98, unit: '%' }, interpretation: [{ coding: [{ code: 'LL' }] }] })).toMatchObject({ valueWithUnit: '98%', interpretation: 'Critical low' });
  });

  it('withUnit leaves values without a unit alone', () => {
    expect(withUnit('5', null)).toBe('5');
    expect(withUnit(null, 'mg')).toBeNull();
  });
});

describe('other types', () => {
  it('Condition', () => {
    const c: Condition = {
      resourceType: 'Condition',
      id: 'c1',
      subject: { reference: 'Patient/p1' },
      clinicalStatus: { coding: [{ code: 'active' }] },
      verificationStatus: { coding: [{ code: 'confirmed' }] },
      category: [{ coding: [{ code: 'problem-list-item' }] }],
      code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006', display: 'Diabetes mellitus type 2' }] },
      onsetDateTime: '2019-01-01',
    };
    expect(toCondition(C, c)).toMatchObject({ display: 'Diabetes mellitus type 2', clinicalStatus: 'active', verificationStatus: 'confirmed', category: 'problem-list-item', onset: '2019-01-01', recordedDate: null });
  });

  it('AllergyIntolerance', () => {
    const a: AllergyIntolerance = {
      resourceType: 'AllergyIntolerance',
      id: 'a1',
      patient: { reference: 'Patient/p1' },
      code: { text: 'Penicillin' },
      criticality: 'high',
      category: ['medication'],
      reaction: [{ manifestation: [{ coding: [{ display: 'Hives' }] }, { text: 'Wheezing' }] }],
    };
    expect(toAllergyIntolerance(C, a)).toMatchObject({ display: 'Penicillin', criticality: 'high', categories: ['medication'], reactions: ['Hives', 'Wheezing'] });
  });

  it('MedicationRequest', () => {
    const m: MedicationRequest = {
      resourceType: 'MedicationRequest',
      id: 'm1',
      status: 'active',
      intent: 'order',
      subject: { reference: 'Patient/p1' },
      medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '860975', display: 'metformin 500 MG' }] },
      dosageInstruction: [{ text: '1 tablet twice daily' }],
      requester: { display: 'Dr. Who' },
    };
    expect(toMedicationRequest(C, m)).toMatchObject({ medication: 'metformin 500 MG', code: { code: '860975' }, dosage: '1 tablet twice daily', requester: 'Dr. Who', intent: 'order' });
  });

  it('Encounter', () => {
    const e: Encounter = {
      resourceType: 'Encounter',
      id: 'e1',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR', display: 'virtual' },
      type: [{ text: 'Telehealth visit' }],
      period: { start: '2024-05-01T10:00:00Z', end: '2024-05-01T10:20:00Z' },
      reasonCode: [{ text: 'Cough' }],
    };
    expect(toEncounter(C, e)).toMatchObject({ class: 'virtual', type: 'Telehealth visit', start: '2024-05-01T10:00:00Z', end: '2024-05-01T10:20:00Z', reason: 'Cough', location: null });
  });

  it('DocumentReference decodes inline text/plain, and only that', () => {
    const d: DocumentReference = {
      resourceType: 'DocumentReference',
      id: 'd1',
      status: 'current',
      type: { coding: [{ system: LOINC, code: '11506-3', display: 'Progress note' }] },
      category: [{ coding: [{ code: 'clinical-note' }] }],
      date: '2024-05-01T10:30:00Z',
      author: [{ reference: 'Practitioner/x', display: 'Dr. Who' }],
      content: [{ attachment: { contentType: 'application/pdf', url: 'Binary/b1' } }, { attachment: { contentType: 'text/plain; charset=utf-8', data: b64('Fever — resolved.'), title: 'Visit' } }],
    };
    expect(toDocumentReference(C, d)).toMatchObject({ type: 'Progress note', category: 'clinical-note', title: 'Visit', author: 'Dr. Who', contentType: 'text/plain; charset=utf-8', url: null, text: 'Fever — resolved.' });
    expect(toDocumentReference(C, { ...d, content: d.content.slice(0, 1) })).toMatchObject({ contentType: 'application/pdf', url: 'Binary/b1', text: null });
    expect(attachmentText({ contentType: 'text/html', data: b64('<p>x</p>') })).toBeNull();
  });

  it('DiagnosticReport', () => {
    const r: DiagnosticReport = {
      resourceType: 'DiagnosticReport',
      id: 'r1',
      status: 'final',
      code: { coding: [{ system: LOINC, code: '58410-2', display: 'CBC panel' }] },
      category: [{ coding: [{ code: 'LAB' }] }],
      effectiveDateTime: '2024-05-01',
      issued: '2024-05-02T00:00:00Z',
      conclusion: 'Normal',
      result: [{ reference: 'Observation/o1' }, { reference: 'Observation/o2' }, { display: 'unlinked' }],
    };
    expect(toDiagnosticReport(C, r)).toMatchObject({ display: 'CBC panel', category: 'LAB', effective: '2024-05-01', conclusion: 'Normal', resultIds: ['o1', 'o2'] });
  });

  it('Appointment', () => {
    const a = buildAppointment({ patientId: 'p1', start: '2025-03-01T14:30:00Z', end: '2025-03-01T15:00:00Z', practitionerId: 'dr1' });
    expect(toAppointment(C, { ...a, id: 'ap1' })).toMatchObject({ id: 'ap1', status: 'booked', participants: ['Patient/p1', 'Practitioner/dr1'], minutesDuration: null });
  });
});

describe('builders', () => {
  it('buildNote makes a valid US Core progress note whose text decodes back', () => {
    const note = buildNote({ patientId: 'p1', text: 'Seen today. Ünïcode ok.', title: 'Follow-up', encounterId: 'e1', date: '2025-01-01T00:00:00Z' });
    expect(validateFhirResource(note)).toEqual([]);
    expect(note).toMatchObject({
      status: 'current',
      type: { coding: [{ system: LOINC, code: '11506-3' }] },
      category: [{ coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', code: 'clinical-note' }] }],
      subject: { reference: 'Patient/p1' },
      date: '2025-01-01T00:00:00Z',
      context: { encounter: [{ reference: 'Encounter/e1' }] },
    });
    expect(toDocumentReference(C, { ...note, id: 'n1' }).text).toBe('Seen today. Ünïcode ok.');
  });

  it('buildNote leaves out what was not given', () => {
    const note = buildNote({ patientId: 'p1', text: 'x' });
    expect(validateFhirResource(note)).toEqual([]);
    expect(note).not.toHaveProperty('date');
    expect(note).not.toHaveProperty('context');
    expect(note).not.toHaveProperty('description');
  });

  it('buildAppointment makes a valid booked appointment with accepted participants', () => {
    const a = buildAppointment({ patientId: 'p1', start: '2025-03-01T14:30:00Z', end: '2025-03-01T15:00:00Z', description: 'Video visit', practitionerId: 'dr1' });
    expect(validateFhirResource(a)).toEqual([]);
    expect(a.status).toBe('booked');
    expect(a.participant.map((p) => [p.actor?.reference, p.status])).toEqual([
      ['Patient/p1', 'accepted'],
      ['Practitioner/dr1', 'accepted'],
    ]);
  });
});
