import type { Resource } from '@medplum/fhirtypes';
import { ErrorCode, SbError } from '@sb/core';
import {
  assertSmartConnection,
  assertSmartPermits,
  assertSmartRead,
  assertSmartSearch,
  matchesRestriction,
  patientIdsOf,
  smartGrantFor,
  smartGrantIsUnconditional,
  smartPermits,
  smartSearchParams,
  smartVisible,
  type SmartAppActor,
  type SmartSearchParams,
} from './smart-access';

const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const LAB_SCOPE = `patient/Observation.rs?category=${CATEGORY}|laboratory`;
const OBSERVATION_PARAMS = ['_id', '_count', 'patient', 'category', 'code', 'date'];

/** A launched app's actor; `patientId: null` for a launch without a patient. */
const appWith = (scopes: string[], patientId: string | null = 'p1'): SmartAppActor => ({
  type: 'smart-app',
  id: 'launch-1',
  tenantId: 't1',
  appId: 'app-1',
  connectionId: 'c1',
  scopes: ['launch', 'openid', 'fhirUser', ...scopes],
  ...(patientId ? { patientId } : {}),
});

const observation = (id: string, patient: string, category: 'laboratory' | 'vital-signs', extra: Record<string, unknown> = {}): Resource =>
  ({ resourceType: 'Observation', id, status: 'final', category: [{ coding: [{ system: CATEGORY, code: category }] }], code: { text: 'x' }, subject: { reference: `Patient/${patient}` }, ...extra }) as Resource;
const patient = (id: string): Resource => ({ resourceType: 'Patient', id }) as Resource;

/** The SbError a call throws (fails the test when it throws nothing or something else). */
function errorOf(fn: () => unknown): SbError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SbError) return e;
    throw e;
  }
  throw new Error('expected an SbError');
}

describe('SMART access: connection and tenant', () => {
  const app = appWith(['user/*.rs']);

  it('lets the token use its own connection', () => {
    expect(() => assertSmartConnection(app, 't1', 'c1')).not.toThrow();
  });

  it('answers 404 Connection for another connection of its tenant and for another tenant, as for an unknown one', () => {
    for (const [tenantId, connectionId] of [
      ['t1', 'c2'],
      ['t2', 'c1'],
      ['t2', 'c2'],
    ] as const) {
      const e = errorOf(() => assertSmartConnection(app, tenantId, connectionId));
      expect(e.code).toBe(ErrorCode.NotFound);
      expect(e.message).toBe('Connection not found');
    }
  });
});

describe('SMART access: scopes per type and interaction', () => {
  it('grants by any level whose type (or *) and interactions cover the call', () => {
    expect(smartGrantFor(appWith(['patient/Observation.rs']), 'Observation', 's').scopes).toHaveLength(1);
    expect(smartGrantFor(appWith(['user/*.rs']), 'Condition', 'r').scopes).toHaveLength(1);
    expect(smartGrantFor(appWith(['system/Patient.cruds']), 'Patient', 'u').scopes).toHaveLength(1);
  });

  it('refuses a call no scope covers with 403 naming the scope at the launch’s level', () => {
    const noCreate = errorOf(() => smartGrantFor(appWith(['patient/Observation.rs']), 'Observation', 'c'));
    expect(noCreate.code).toBe(ErrorCode.Forbidden);
    expect(noCreate.details).toEqual({ requiredScope: 'patient/Observation.c' });
    expect(errorOf(() => smartGrantFor(appWith(['patient/Observation.rs']), 'Condition', 'r')).details).toEqual({ requiredScope: 'patient/Condition.r' });
    expect(errorOf(() => smartGrantFor(appWith(['user/Observation.r'], null), 'Observation', 's')).details).toEqual({ requiredScope: 'user/Observation.s' });
    // Context and identity scopes grant no data.
    expect(errorOf(() => smartGrantFor(appWith([]), 'Patient', 'r')).code).toBe(ErrorCode.Forbidden);
  });

  it('refuses a write without c or u', () => {
    const app = appWith(['patient/*.rs']);
    expect(errorOf(() => smartGrantFor(app, 'DocumentReference', 'c')).details).toEqual({ requiredScope: 'patient/DocumentReference.c' });
    expect(errorOf(() => smartGrantFor(app, 'Appointment', 'u')).details).toEqual({ requiredScope: 'patient/Appointment.u' });
  });

  it('needs a launch patient when only patient scopes grant the call', () => {
    expect(errorOf(() => smartGrantFor(appWith(['patient/*.rs'], null), 'Observation', 's')).code).toBe(ErrorCode.Forbidden);
    expect(smartGrantFor(appWith(['patient/*.rs']), 'Observation', 's').compartmentPatientId).toBe('p1');
    // A user/ scope beside it lifts the compartment.
    expect(smartGrantFor(appWith(['patient/*.rs', 'user/Observation.s']), 'Observation', 's').compartmentPatientId).toBeNull();
  });
});

describe('SMART access: the patient compartment', () => {
  it('reads Patient/{id} under patient scopes for the launch patient only', () => {
    const grant = smartGrantFor(appWith(['patient/*.rs']), 'Patient', 'r');
    expect(() => assertSmartRead(grant, 'Patient', 'p1')).not.toThrow();
    expect(errorOf(() => assertSmartRead(grant, 'Patient', 'p2')).code).toBe(ErrorCode.Forbidden);
    // user/ scopes read any patient.
    expect(() => assertSmartRead(smartGrantFor(appWith(['user/Patient.rs']), 'Patient', 'r'), 'Patient', 'p2')).not.toThrow();
  });

  it('refuses another patient’s resource read under patient scopes, and allows it under user scopes', () => {
    const theirs = observation('o9', 'p2', 'laboratory');
    expect(errorOf(() => assertSmartPermits(appWith(['patient/*.rs']), theirs, 'r')).code).toBe(ErrorCode.Forbidden);
    expect(smartPermits(appWith(['patient/*.rs']), observation('o1', 'p1', 'laboratory'), 'r')).toBe(true);
    expect(smartPermits(appWith(['user/Observation.rs']), theirs, 'r')).toBe(true);
    expect(smartPermits(appWith(['patient/*.rs']), patient('p2'), 'r')).toBe(false);
    expect(smartPermits(appWith(['patient/*.rs']), patient('p1'), 'r')).toBe(true);
    // A resource about no patient (a Practitioner) is outside every patient's compartment.
    expect(smartPermits(appWith(['patient/*.rs']), { resourceType: 'Practitioner', id: 'dr' } as Resource, 'r')).toBe(false);
  });

  it('finds the patient in subject, patient, beneficiary and an Appointment’s participants; relative references only', () => {
    expect(patientIdsOf({ resourceType: 'AllergyIntolerance', patient: { reference: 'Patient/p1' } } as Resource)).toEqual(['p1']);
    expect(patientIdsOf({ resourceType: 'Coverage', beneficiary: { reference: 'Patient/p1' } } as unknown as Resource)).toEqual(['p1']);
    expect(
      patientIdsOf({ resourceType: 'Appointment', participant: [{ actor: { reference: 'Practitioner/d' } }, { actor: { reference: 'Patient/p3' } }] } as unknown as Resource),
    ).toEqual(['p3']);
    expect(patientIdsOf({ resourceType: 'Observation', subject: { reference: 'Patient/p1/_history/2' } } as Resource)).toEqual(['p1']);
    expect(patientIdsOf({ resourceType: 'Observation', subject: { reference: 'Group/p1' } } as Resource)).toEqual([]);
    expect(patientIdsOf({ resourceType: 'Observation', subject: { reference: 'https://elsewhere/Patient/p1' } } as Resource)).toEqual([]);
  });

  it('narrows a search to the launch patient, and refuses one naming another patient', () => {
    const grant = smartGrantFor(appWith(['patient/*.rs']), 'Observation', 's');
    expect(smartSearchParams(grant, { category: ['vital-signs'] }, OBSERVATION_PARAMS)).toEqual({ category: ['vital-signs'], patient: ['p1'] });
    expect(smartSearchParams(grant, { patient: ['Patient/p1'] }, OBSERVATION_PARAMS)).toEqual({ patient: ['p1'] });
    const refused: SmartSearchParams[] = [{ patient: ['p2'] }, { patient: ['p1,p2'] }, { subject: ['Patient/p2'] }, { subject: ['Group/g1'] }];
    for (const params of refused) {
      expect(errorOf(() => assertSmartSearch(grant, params)).code).toBe(ErrorCode.Forbidden);
      expect(() => smartSearchParams(grant, params, OBSERVATION_PARAMS)).toThrow(SbError);
    }
    // A type that cannot be searched by patient is not narrowed in the query (its results are filtered).
    expect(smartSearchParams(smartGrantFor(appWith(['patient/*.rs']), 'Practitioner', 's'), { name: ['x'] }, ['name'])).toEqual({ name: ['x'] });
    // user/ scopes search any patient as asked.
    expect(smartSearchParams(smartGrantFor(appWith(['user/*.rs']), 'Observation', 's'), { patient: ['p2'] }, OBSERVATION_PARAMS)).toEqual({ patient: ['p2'] });
  });

  it('searches Patient under patient scopes by the launch patient’s _id only', () => {
    const grant = smartGrantFor(appWith(['patient/Patient.rs']), 'Patient', 's');
    expect(smartSearchParams(grant, { family: ['Doe'] }, ['_id', 'family'])).toEqual({ family: ['Doe'], _id: ['p1'] });
    expect(smartSearchParams(grant, { _id: ['p1'] }, ['_id'])).toEqual({ _id: ['p1'] });
    expect(errorOf(() => smartSearchParams(grant, { _id: ['p1,p2'] }, ['_id'])).code).toBe(ErrorCode.Forbidden);
    const app = appWith(['patient/Patient.rs']);
    expect(smartVisible(app, 'Patient', [patient('p1'), patient('p2')]).resources.map((r) => r.id)).toEqual(['p1']);
  });

  it('writes under patient scopes only what is about the launch patient', () => {
    const app = appWith(['patient/Observation.crus']);
    expect(() => assertSmartPermits(app, observation('new', 'p1', 'vital-signs'), 'c')).not.toThrow();
    expect(errorOf(() => assertSmartPermits(app, observation('new', 'p2', 'vital-signs'), 'c')).code).toBe(ErrorCode.Forbidden);
    expect(errorOf(() => assertSmartPermits(app, { resourceType: 'Observation', status: 'final', code: {} } as Resource, 'u')).code).toBe(ErrorCode.Forbidden);
    // A Patient created under patient scopes has no id yet: it is nobody's compartment.
    expect(smartPermits(appWith(['patient/Patient.cu']), { resourceType: 'Patient' } as Resource, 'c')).toBe(false);
    expect(smartPermits(appWith(['user/Observation.c']), observation('new', 'p2', 'vital-signs'), 'c')).toBe(true);
  });
});

describe('SMART access: v2 query restrictions', () => {
  const lab = observation('o1', 'p1', 'laboratory');
  const vitals = observation('o2', 'p1', 'vital-signs');
  const otherLab = observation('o3', 'p2', 'laboratory');

  it('returns only the launch patient’s lab Observations under the lab-only scope', () => {
    const app = appWith([LAB_SCOPE]);
    const { resources, filtered } = smartVisible(app, 'Observation', [lab, vitals, otherLab]);
    expect(resources.map((r) => r.id)).toEqual(['o1']);
    expect(filtered).toBe(true);
    expect(smartVisible(app, 'Observation', [lab]).filtered).toBe(false);
  });

  it('refuses a read the restriction does not cover', () => {
    const app = appWith([LAB_SCOPE]);
    expect(() => assertSmartPermits(app, lab, 'r')).not.toThrow();
    expect(errorOf(() => assertSmartPermits(app, vitals, 'r')).code).toBe(ErrorCode.Forbidden);
  });

  it('adds the restriction to the EHR query where the connection supports the parameter', () => {
    const grant = smartGrantFor(appWith([LAB_SCOPE]), 'Observation', 's');
    expect(smartSearchParams(grant, { patient: ['p1'] }, OBSERVATION_PARAMS)).toEqual({ patient: ['p1'], category: [`${CATEGORY}|laboratory`] });
    // A client's own category is kept beside it (repeated = all of), never replaced.
    expect(smartSearchParams(grant, { patient: ['p1'], category: ['vital-signs'] }, OBSERVATION_PARAMS).category).toEqual(['vital-signs', `${CATEGORY}|laboratory`]);
    expect(smartSearchParams(grant, { patient: ['p1'] }, ['patient'])).toEqual({ patient: ['p1'] });
  });

  it('lets any granting scope suffice: two restrictions are either, an unrestricted one is everything', () => {
    const either = appWith([LAB_SCOPE, `patient/Observation.rs?category=${CATEGORY}|vital-signs`]);
    expect(smartVisible(either, 'Observation', [lab, vitals, otherLab]).resources.map((r) => r.id)).toEqual(['o1', 'o2']);
    // No parameter is common to both, so none is added to the EHR query.
    expect(smartSearchParams(smartGrantFor(either, 'Observation', 's'), { patient: ['p1'] }, OBSERVATION_PARAMS)).toEqual({ patient: ['p1'] });
    const wide = appWith([LAB_SCOPE, 'patient/Observation.rs']);
    expect(smartVisible(wide, 'Observation', [lab, vitals, otherLab]).resources.map((r) => r.id)).toEqual(['o1', 'o2']);
    const userLab = appWith(['patient/Observation.rs', `user/Observation.rs?category=${CATEGORY}|laboratory`]);
    expect(smartVisible(userLab, 'Observation', [lab, vitals, otherLab]).resources.map((r) => r.id)).toEqual(['o1', 'o2', 'o3']);
    expect(smartGrantIsUnconditional(smartGrantFor(userLab, 'Observation', 'r'))).toBe(false);
    expect(smartGrantIsUnconditional(smartGrantFor(appWith(['user/Observation.rs']), 'Observation', 'r'))).toBe(true);
  });

  it('matches token values as FHIR search does: code alone, system|code, |code, system|, and comma lists', () => {
    expect(matchesRestriction(lab, [['category', 'laboratory']])).toBe(true);
    expect(matchesRestriction(lab, [['category', `${CATEGORY}|laboratory`]])).toBe(true);
    expect(matchesRestriction(lab, [['category', `http://other|laboratory`]])).toBe(false);
    expect(matchesRestriction(lab, [['category', '|laboratory']])).toBe(false);
    expect(matchesRestriction(lab, [['category', `${CATEGORY}|`]])).toBe(true);
    expect(matchesRestriction(vitals, [['category', 'laboratory,vital-signs']])).toBe(true);
    expect(matchesRestriction(vitals, [['category', 'laboratory']])).toBe(false);
  });

  it('checks code, status and clinical-status, all pairs of a restriction at once', () => {
    const hb = observation('o4', 'p1', 'laboratory', { code: { coding: [{ system: 'http://loinc.org', code: '718-7' }] }, status: 'preliminary' });
    expect(matchesRestriction(hb, [['code', 'http://loinc.org|718-7']])).toBe(true);
    expect(matchesRestriction(hb, [['code', 'http://loinc.org|8867-4']])).toBe(false);
    expect(matchesRestriction(hb, [['status', 'preliminary']])).toBe(true);
    expect(matchesRestriction(hb, [['status', 'final']])).toBe(false);
    expect(matchesRestriction(hb, [['category', 'laboratory'], ['status', 'final']])).toBe(false);
    const condition = {
      resourceType: 'Condition',
      subject: { reference: 'Patient/p1' },
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' }] }],
    } as Resource;
    expect(matchesRestriction(condition, [['clinical-status', 'active']])).toBe(true);
    expect(matchesRestriction(condition, [['clinical-status', 'resolved']])).toBe(false);
    expect(matchesRestriction(condition, [['category', 'problem-list-item']])).toBe(true);
    const allergy = { resourceType: 'AllergyIntolerance', patient: { reference: 'Patient/p1' }, category: ['food'] } as Resource;
    expect(matchesRestriction(allergy, [['category', 'food']])).toBe(true);
    expect(matchesRestriction(allergy, [['category', 'medication']])).toBe(false);
  });

  it('treats a parameter it cannot check as matching nothing', () => {
    expect(matchesRestriction(lab, [['performer', 'Practitioner/1']])).toBe(false);
    expect(matchesRestriction(lab, [['category:text', 'laboratory']])).toBe(false);
    // `category` means nothing on Patient.
    expect(matchesRestriction(patient('p1'), [['category', 'laboratory']])).toBe(false);
    expect(smartVisible(appWith(['patient/Observation.rs?performer=Practitioner/1']), 'Observation', [lab]).resources).toEqual([]);
  });

  it('shows resources of another type that came with a search only by the token’s read scopes', () => {
    const app = appWith([LAB_SCOPE, 'patient/Patient.r']);
    expect(smartVisible(app, 'Observation', [lab, patient('p1'), patient('p2'), { resourceType: 'Practitioner', id: 'd' } as Resource]).resources.map((r) => r.id)).toEqual(['o1', 'p1']);
  });
});
