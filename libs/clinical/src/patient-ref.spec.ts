import type { Resource } from '@medplum/fhirtypes';
import { patientRefOf } from './patient-ref';

// A client's resource reaches patientRefOf before any vendor validates it: any shape must give an answer, never a throw.
const asResource = (value: Record<string, unknown>) => value as unknown as Resource;

describe('patientRefOf', () => {
  it('names the patient of a resource by subject, patient or a Patient participant', () => {
    expect(patientRefOf(asResource({ resourceType: 'Observation', subject: { reference: 'Patient/p1' } }))).toBe('Patient/p1');
    expect(patientRefOf(asResource({ resourceType: 'AllergyIntolerance', patient: { reference: 'Patient/p2' } }))).toBe('Patient/p2');
    expect(
      patientRefOf(asResource({ resourceType: 'Appointment', participant: [{ actor: { reference: 'Practitioner/d1' } }, { actor: { reference: 'Patient/p3' } }] })),
    ).toBe('Patient/p3');
    expect(patientRefOf(asResource({ resourceType: 'Patient', id: 'p4' }))).toBe('Patient/p4');
  });

  it('gives null, without throwing, for participants that are null, not objects or not an array', () => {
    expect(patientRefOf(asResource({ resourceType: 'Appointment', participant: Array.from({ length: 1000 }, () => null) }))).toBeNull();
    expect(patientRefOf(asResource({ resourceType: 'Appointment', participant: [7, 'x', { actor: null }, { actor: { reference: 42 } }] }))).toBeNull();
    expect(patientRefOf(asResource({ resourceType: 'Appointment', participant: 'Patient/p5' }))).toBeNull();
    expect(patientRefOf(asResource({ resourceType: 'Appointment', participant: [null, { actor: { reference: 'Patient/p6' } }] }))).toBe('Patient/p6');
  });

  it('gives null for a subject whose reference is not a string or not a patient', () => {
    expect(patientRefOf(asResource({ resourceType: 'Observation', subject: { reference: 12 } }))).toBeNull();
    expect(patientRefOf(asResource({ resourceType: 'Observation', subject: null }))).toBeNull();
    expect(patientRefOf(asResource({ resourceType: 'Observation', subject: { reference: 'Group/g1' } }))).toBeNull();
  });
});
