import type { AllergyIntolerance, Encounter, Observation, Patient } from '@medplum/fhirtypes';
import { convertMessage } from './convert-message';
import { convertOrFail as convertWith, onlyResource as one } from './testing/convert-or-fail';
import { hl7, msh, segment, SYNTHETIC_PID, syntheticPv1 } from './testing/synthetic-messages';

const CTX = { idNamespace: 'conn-adt' };
const convertOrFail = (raw: string) => convertWith(raw, {}, CTX.idNamespace);



const adt = (trigger: string, ...rest: string[]): string => hl7(msh(`ADT^${trigger}^ADT_A01`), `EVN|${trigger}|20240310120000`, SYNTHETIC_PID, ...rest);

describe('ADT → Patient / Encounter', () => {
  it('A01 admits: Patient first, Encounter in progress, patient.admitted on the Encounter', () => {
    const c = convertOrFail(adt('A01', syntheticPv1(), 'AL1|1|DA|70618^Penicillin^RXNORM|SV|Hives~Itching|20200101'));
    expect(c.messageType).toBe('ADT^A01');
    expect(c.patientKey).toBe('urn:switchboard:hl7:SYNHOSP|100001');
    expect(c.resources[0].resourceType).toBe('Patient');

    const patient = one<Patient>(c, 'Patient');
    expect(patient.identifier?.[0]).toEqual({
      use: 'usual',
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR', display: 'Medical record number' }] },
      system: 'urn:switchboard:hl7:SYNHOSP',
      value: '100001',
    });
    expect(patient.identifier?.map((i) => [i.system, i.value])).toEqual([
      ['urn:switchboard:hl7:SYNHOSP', '100001'],
      ['urn:switchboard:hl7:SSA', '999-00-1234'],
      ['urn:switchboard:hl7:OLDSYS', 'EXT-77'],
    ]);
    expect(patient.name).toEqual([{ use: 'official', family: 'Testperson', given: ['Alex', 'Q'] }]);
    expect(patient.gender).toBe('female');
    expect(patient.birthDate).toBe('1980-02-29');
    expect(patient.telecom).toEqual([
      { system: 'phone', value: '+1 (217) 5550100', use: 'home' },
      { system: 'email', value: 'alex@example.org' },
      { system: 'phone', value: '+1 (217) 5550199', use: 'work' },
    ]);
    expect(patient.address).toEqual([
      { use: 'home', line: ['1 Example Way', 'Unit 2'], city: 'Springfield', state: 'IL', postalCode: '62701', country: 'USA' },
    ]);
    expect(patient.communication).toEqual([{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'en', display: 'English' }] } }]);
    expect(patient.maritalStatus?.coding?.[0]).toMatchObject({ code: 'S' });
    expect(patient.extension?.map((e) => e.url)).toEqual([
      'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race',
      'http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity',
    ]);

    const encounter = one<Encounter>(c, 'Encounter');
    expect(encounter).toMatchObject({
      status: 'in-progress',
      class: { code: 'IMP' },
      subject: { reference: `Patient/${patient.id}` },
      identifier: [{ system: 'urn:switchboard:hl7:SYNHOSP', value: 'V5001' }],
      period: { start: '2024-03-10T11:00:00+00:00' },
      location: [{ location: { display: 'WARD1 101 A SYNHOSP' }, status: 'active' }],
    });
    expect(encounter.participant?.map((p) => [p.type?.[0].coding?.[0].code, p.individual?.display])).toEqual([
      ['ATND', 'Dr Pat Attending'],
      ['REF', 'Sam Referrer'],
      ['ADM', 'Kim Admitter'],
    ]);
    expect(c.events).toEqual([{ type: 'patient.admitted', resourceType: 'Encounter', resourceId: encounter.id }]);

    const allergy = one<AllergyIntolerance>(c, 'AllergyIntolerance');
    expect(allergy).toMatchObject({
      code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '70618', display: 'Penicillin' }] },
      category: ['medication'],
      criticality: 'high',
      onsetDateTime: '2020-01-01',
      reaction: [{ manifestation: [{ text: 'Hives' }, { text: 'Itching' }] }],
      patient: { reference: `Patient/${patient.id}` },
    });
  });

  it('A02 transfers: the Encounter keeps its id and lists the prior location as completed', () => {
    const admitted = convertOrFail(adt('A01', syntheticPv1()));
    const c = convertOrFail(adt('A02', syntheticPv1({ 3: 'WARD2^202^B^SYNHOSP', 6: 'WARD1^101^A^SYNHOSP' })));
    const encounter = one<Encounter>(c, 'Encounter');
    expect(encounter.id).toBe(one<Encounter>(admitted, 'Encounter').id);
    expect(encounter.location).toEqual([
      { location: { display: 'WARD2 202 B SYNHOSP' }, status: 'active' },
      { location: { display: 'WARD1 101 A SYNHOSP' }, status: 'completed' },
    ]);
    expect(c.events).toEqual([{ type: 'patient.transferred', resourceType: 'Encounter', resourceId: encounter.id }]);
  });

  it('A03 discharges: finished with period.end from PV1-45', () => {
    const c = convertOrFail(adt('A03', syntheticPv1({ 45: '20240312093000-0500' })));
    const encounter = one<Encounter>(c, 'Encounter');
    expect(encounter.status).toBe('finished');
    expect(encounter.period).toEqual({ start: '2024-03-10T11:00:00+00:00', end: '2024-03-12T09:30:00-05:00' });
    expect(encounter.location?.[0].status).toBe('completed');
    expect(c.events).toEqual([{ type: 'patient.discharged', resourceType: 'Encounter', resourceId: encounter.id }]);
  });

  it('A11 cancels the admit (entered-in-error) and A13 cancels the discharge (in progress, no end), without events', () => {
    const cancelAdmit = convertOrFail(adt('A11', syntheticPv1()));
    expect(one<Encounter>(cancelAdmit, 'Encounter').status).toBe('entered-in-error');
    expect(cancelAdmit.events).toEqual([]);

    const cancelDischarge = convertOrFail(adt('A13', syntheticPv1({ 45: '20240312093000' })));
    const encounter = one<Encounter>(cancelDischarge, 'Encounter');
    expect(encounter.status).toBe('in-progress');
    expect(encounter.period).toEqual({ start: '2024-03-10T11:00:00+00:00' });
    expect(cancelDischarge.events).toEqual([]);
    expect(encounter.id).toBe(one<Encounter>(cancelAdmit, 'Encounter').id);
  });

  it('A04 registers (outpatient Encounter only when PV1 is sent), A28/A31 are person-level', () => {
    const withoutVisit = convertOrFail(adt('A04'));
    expect(withoutVisit.resources.map((r) => r.resourceType)).toEqual(['Patient']);
    expect(withoutVisit.events).toEqual([{ type: 'patient.registered', resourceType: 'Patient', resourceId: withoutVisit.resources[0].id }]);

    const withVisit = convertOrFail(adt('A04', syntheticPv1({ 2: '', 19: 'V7002^^^SYNHOSP^VN' })));
    expect(one<Encounter>(withVisit, 'Encounter')).toMatchObject({ status: 'arrived', class: { code: 'AMB' } });

    const added = convertOrFail(adt('A28', syntheticPv1()));
    expect(added.resources.map((r) => r.resourceType)).toEqual(['Patient']);
    expect(added.events.map((e) => e.type)).toEqual(['patient.registered']);
    const updated = convertOrFail(adt('A31'));
    expect(updated.events.map((e) => e.type)).toEqual(['patient.updated']);
  });

  it('gives the same ids when a message is converted twice, and when A08 later updates the same MRN and visit', () => {
    const first = convertOrFail(adt('A01', syntheticPv1()));
    const again = convertOrFail(adt('A01', syntheticPv1()));
    expect(again.resources.map((r) => r.id)).toEqual(first.resources.map((r) => r.id));

    const update = convertOrFail(
      hl7(msh('ADT^A08^ADT_A01', { controlId: 'CTL-LATER' }), 'EVN|A08|20240311', SYNTHETIC_PID.replace('Testperson', 'Renamed'), syntheticPv1()),
    );
    expect(one<Patient>(update, 'Patient').id).toBe(one<Patient>(first, 'Patient').id);
    expect(one<Patient>(update, 'Patient').name?.[0].family).toBe('Renamed');
    expect(one<Encounter>(update, 'Encounter').id).toBe(one<Encounter>(first, 'Encounter').id);
    expect(update.events).toEqual([{ type: 'patient.updated', resourceType: 'Patient', resourceId: one<Patient>(first, 'Patient').id }]);

    const otherConnection = convertMessage(adt('A01', syntheticPv1()), {}, { idNamespace: 'conn-other' });
    expect(otherConnection.ok && otherConnection.value.resources[0].id).not.toBe(first.resources[0].id);
    for (const r of first.resources) expect(r.id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
  });

  it('keys a visit with no visit number on the patient and admit time', () => {
    const a = convertOrFail(adt('A01', syntheticPv1({ 19: '' })));
    const b = convertOrFail(adt('A03', syntheticPv1({ 19: '', 45: '20240311' })));
    expect(one<Encounter>(b, 'Encounter').id).toBe(one<Encounter>(a, 'Encounter').id);
  });

  it('maps ADT OBX to Observations about the visit', () => {
    const c = convertOrFail(adt('A01', syntheticPv1(), 'OBX|1|NM|8302-2^Body height^LN||172|cm^centimeter^UCUM|||||F', 'NTE|1||measured standing'));
    const obs = one<Observation>(c, 'Observation');
    expect(obs).toMatchObject({
      status: 'final',
      valueQuantity: { value: 172, unit: 'cm', system: 'http://unitsofmeasure.org', code: 'cm' },
      encounter: { reference: `Encounter/${one<Encounter>(c, 'Encounter').id}` },
      note: [{ text: 'measured standing' }],
    });
  });

  it('A40 merges: survivor from PID, retired from MRG-1, same ids as messages about each MRN', () => {
    const c = convertOrFail(hl7(msh('ADT^A40^ADT_A39'), 'EVN|A40|20240310', SYNTHETIC_PID, 'MRG|200002^^^SYNHOSP^MR'));
    const survivor = one<Patient>(c, 'Patient');
    const retiredPid = SYNTHETIC_PID.replace('100001^^^SYNHOSP^MR', '200002^^^SYNHOSP^MR');
    const retired = convertOrFail(hl7(msh('ADT^A28^ADT_A05'), retiredPid)).resources[0];
    expect(c.merges).toEqual([{ survivorPatientId: survivor.id, retiredPatientId: retired.id }]);
    expect(survivor.id).toBe(convertOrFail(adt('A31')).resources[0].id);
    expect(survivor.link).toEqual([{ other: { reference: `Patient/${retired.id}` }, type: 'replaces' }]);
    expect(c.events).toEqual([{ type: 'patient.merged', resourceType: 'Patient', resourceId: survivor.id, retiredPatientId: retired.id }]);
  });

  describe('A40 with several PID/MRG pairs', () => {
    /** The Patient id a message about this MRN (of SYNHOSP) gets. */
    const patientIdOf = (mrn: string) => convertOrFail(hl7(msh('ADT^A28^ADT_A05'), SYNTHETIC_PID.replace('100001', mrn))).resources[0].id;
    const pidFor = (mrn: string) => SYNTHETIC_PID.replace('100001', mrn);

    it('merges each pair’s MRG patient into its own PID patient, one merge and one patient.merged per pair, in message order', () => {
      const c = convertOrFail(
        hl7(msh('ADT^A40^ADT_A39'), 'EVN|A40|20240310', pidFor('100001'), 'PD1|||SYNCLINIC', 'MRG|200002^^^SYNHOSP^MR', pidFor('300003'), 'MRG|400004^^^SYNHOSP^MR', 'PV1|1|N'),
      );
      const [a, b, retiredA, retiredB] = ['100001', '300003', '200002', '400004'].map(patientIdOf);
      expect(c.merges).toEqual([
        { survivorPatientId: a, retiredPatientId: retiredA },
        { survivorPatientId: b, retiredPatientId: retiredB },
      ]);
      expect(c.events).toEqual([
        { type: 'patient.merged', resourceType: 'Patient', resourceId: a, retiredPatientId: retiredA },
        { type: 'patient.merged', resourceType: 'Patient', resourceId: b, retiredPatientId: retiredB },
      ]);
      const survivors = c.resources.filter((r): r is Patient => r.resourceType === 'Patient');
      expect(survivors.map((p) => [p.id, p.link])).toEqual([
        [a, [{ other: { reference: `Patient/${retiredA}` }, type: 'replaces' }]],
        [b, [{ other: { reference: `Patient/${retiredB}` }, type: 'replaces' }]],
      ]);
      expect(c.resources).toHaveLength(2);
      expect(c.patientKey).toBe('urn:switchboard:hl7:SYNHOSP|100001');
    });

    it('emits a survivor named by two pairs once, replacing both, with both merges', () => {
      const c = convertOrFail(hl7(msh('ADT^A40^ADT_A39'), pidFor('100001'), 'MRG|200002^^^SYNHOSP^MR', pidFor('100001'), 'MRG|400004^^^SYNHOSP^MR'));
      const [a, retiredA, retiredB] = ['100001', '200002', '400004'].map(patientIdOf);
      expect(c.resources.map((r) => r.id)).toEqual([a]);
      expect(one<Patient>(c, 'Patient').link?.map((l) => l.other.reference)).toEqual([`Patient/${retiredA}`, `Patient/${retiredB}`]);
      expect(c.merges?.map((m) => m.retiredPatientId)).toEqual([retiredA, retiredB]);
      expect(c.events.map((e) => e.retiredPatientId)).toEqual([retiredA, retiredB]);
    });

    it('merges nothing for a pair whose MRG names its own PID patient, and still applies the others', () => {
      const c = convertOrFail(hl7(msh('ADT^A40^ADT_A39'), pidFor('100001'), 'MRG|100001^^^SYNHOSP^MR', pidFor('300003'), 'MRG|400004^^^SYNHOSP^MR'));
      const [a, b, retiredB] = ['100001', '300003', '400004'].map(patientIdOf);
      expect(c.merges).toEqual([{ survivorPatientId: b, retiredPatientId: retiredB }]);
      expect(c.events.map((e) => e.resourceId)).toEqual([b]);
      expect(c.resources.find((r) => r.id === a)).not.toHaveProperty('link');
    });

    it.each([
      ['a PID without its MRG', [pidFor('100001'), 'MRG|200002^^^SYNHOSP^MR', pidFor('300003')], { code: '101', location: { segment: 'MRG', sequence: 2 } }],
      ['an MRG before any PID', ['MRG|200002^^^SYNHOSP^MR', pidFor('100001'), 'MRG|400004^^^SYNHOSP^MR'], { code: '100', location: { segment: 'MRG', sequence: 1 } }],
      ['two MRG for one PID', [pidFor('100001'), 'MRG|200002^^^SYNHOSP^MR', 'MRG|400004^^^SYNHOSP^MR'], { code: '100', location: { segment: 'MRG', sequence: 2 } }],
      ['a second pair without a prior identifier', [pidFor('100001'), 'MRG|200002^^^SYNHOSP^MR', pidFor('300003'), 'MRG|'], { code: '101', location: { segment: 'MRG', sequence: 2, field: 1 } }],
    ])('refuses the whole message for %s rather than half-applying it', (_name, body, error) => {
      expect(convertMessage(hl7(msh('ADT^A40^ADT_A39'), ...body), {}, CTX)).toEqual({ ok: false, error: { ...error, reason: expect.any(String) } });
    });
  });

  it('builds segments by field number', () => {
    expect(segment('ZZZ', { 2: 'b', 4: 'd' })).toBe('ZZZ||b||d');
  });
});
