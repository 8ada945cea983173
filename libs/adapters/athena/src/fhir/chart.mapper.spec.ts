import type { Observation } from '@medplum/fhirtypes';
import { parseAllergyList, parseEncounterPage, parseLabResultPage, parseMedicationList, parseProblemPage, parseVitals } from '../wire';
import * as F from '../wire/testing/athena-fixtures';
import { toAllergyIntolerances, toCondition, toDiagnosticReport, toEncounter, toLabObservations, toMedicationRequest, toVitalObservations } from './index';
import { CTX, expectConformant, SCOPE } from './testing/map-fixtures';

describe('toEncounter', () => {
  const encounters = parseEncounterPage(F.ENCOUNTERS).items.map((e) => toEncounter(e, CTX, SCOPE));

  it('conforms to R4 and US Core Encounter', () => expectConformant(encounters));

  it('maps status, class, appointment, department and diagnoses', () => {
    expect(encounters.map((e) => e.status)).toEqual(['finished', 'in-progress', 'entered-in-error']);
    const [closed] = encounters;
    expect(closed).toMatchObject({
      id: 'a-195900.encounter-35713',
      class: { code: 'AMB' },
      type: [{ text: 'New Patient Appointment' }],
      subject: { reference: 'Patient/a-195900.E-5309' },
      appointment: [{ reference: 'Appointment/a-195900.appointment-1027094' }],
      period: { start: '2018-11-26T09:30:00-05:00' },
      location: [{ location: { reference: 'Location/a-195900.Department-1' } }],
      participant: [{ individual: { reference: 'Practitioner/a-195900.Provider-20' } }],
    });
    expect(closed.reasonCode?.[0].coding).toEqual([
      { system: 'http://snomed.info/sct', code: '278862001' },
      { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'M54.5', display: 'Low back pain' },
    ]);
  });
});

describe('toCondition', () => {
  const conditions = parseProblemPage(F.PROBLEMS).items.map((p) => toCondition(p, CTX, SCOPE));

  it('conforms to R4 and US Core Condition Problems and Health Concerns', () => expectConformant(conditions));

  it('codes SNOMED + ICD-10-CM and takes the clinical status from the last event', () => {
    const [hypertension, insomnia] = conditions;
    expect(hypertension).toMatchObject({
      id: 'a-195900.problem-5309-1942',
      clinicalStatus: { coding: [{ code: 'active' }] },
      category: [{ coding: [{ code: 'problem-list-item' }] }],
      onsetDateTime: '2020-07-01',
      recordedDate: '2020-07-28',
      meta: { lastUpdated: '2020-07-27T10:56:15-04:00' },
    });
    expect(hypertension.code?.coding?.map((c) => `${c.system}|${c.code}`)).toEqual(['http://snomed.info/sct|59621000', 'http://hl7.org/fhir/sid/icd-10-cm|I10']);
    expect(insomnia).toMatchObject({ clinicalStatus: { coding: [{ code: 'resolved' }] }, abatementDateTime: '2021-01-11', onsetDateTime: '2020-01-11' });
  });
});

describe('toAllergyIntolerances', () => {
  const allergies = toAllergyIntolerances(parseAllergyList(F.ALLERGIES), CTX, SCOPE);
  const nkda = toAllergyIntolerances(parseAllergyList(F.ALLERGIES_NKDA), CTX, SCOPE);

  it('conforms to R4 and US Core AllergyIntolerance (the NKDA record included)', () => expectConformant([...allergies, ...nkda]));

  it('maps allergen, reactions, criticality and deactivation', () => {
    expect(allergies.map((a) => a.id)).toEqual(['a-195900.allergy-5309-14041', 'a-195900.allergy-5309-92193', 'a-195900.allergy-5309-55555']);
    expect(allergies[0]).toMatchObject({
      code: { text: 'Penicillins', coding: [{ system: 'urn:athenahealth:athenanet:allergen', code: '14041' }] },
      criticality: 'high',
      reaction: [{ manifestation: [{ coding: [{ system: 'http://snomed.info/sct', code: '39579001' }] }], severity: 'severe' }],
    });
    expect(allergies[2].clinicalStatus?.coding?.[0].code).toBe('inactive');
  });

  it('turns nkda into one "no known drug allergy" record, and "false" into none', () => {
    expect(nkda).toHaveLength(1);
    expect(nkda[0]).toMatchObject({ id: 'a-195900.allergy-5309-nkda', code: { coding: [{ system: 'http://snomed.info/sct', code: '409137002' }] } });
    expect(allergies.some((a) => a.code?.coding?.some((c) => c.code === '409137002'))).toBe(false);
  });
});

describe('toMedicationRequest', () => {
  const requests = parseMedicationList(F.MEDICATIONS).medications.map((m) => toMedicationRequest(m, CTX, SCOPE));

  it('conforms to R4 and US Core MedicationRequest', () => expectConformant(requests));

  it('maps status, reported history, medication, sig and requester', () => {
    const [history, active, stopped] = requests;
    expect(history).toMatchObject({
      id: 'a-195900.medication-5309-H228145',
      status: 'completed',
      intent: 'order',
      reportedBoolean: false,
      requester: { display: 'Synth Staffer' },
      medicationCodeableConcept: { text: 'naltrexone 50 mg tablet' },
      dosageInstruction: [{ text: 'Take 1 tablet every day by oral route.', route: { text: 'oral' } }],
    });
    expect(history.medicationCodeableConcept?.coding?.[0]).toEqual({ system: 'urn:athenahealth:athenanet:fdbmedicationid', code: '182394' });
    expect(active).toMatchObject({ status: 'active', reportedBoolean: false, authoredOn: '2023-03-14', requester: { reference: 'Practitioner/a-195900.Provider-20' } });
    // No prescriber named: US Core still needs a requester on an order; it says why it is absent.
    expect(stopped).toMatchObject({ status: 'stopped', requester: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] } });
  });

  it('marks patient-reported entries and refuses an entry that names no medication', () => {
    const [reported] = parseMedicationList({ medications: [[{ ...F.MEDICATIONS.medications[0][0], source: 'PATIENT REPORTED' }]] }).medications.map((m) => toMedicationRequest(m, CTX, SCOPE));
    expect(reported).toMatchObject({ reportedBoolean: true, category: [{ coding: [{ code: 'community' }] }] });
    expectConformant([reported]);
    const [nameless] = parseMedicationList({ medications: [[{ medicationentryid: 'C1' }]] }).medications;
    expect(() => toMedicationRequest(nameless, CTX, SCOPE)).toThrow('athena sent a response the gateway cannot read');
  });
});

describe('toVitalObservations', () => {
  const observations = toVitalObservations(parseVitals(F.VITALS).items, CTX, SCOPE);
  const byCode = (code: string): Observation[] => observations.filter((o) => o.code?.coding?.some((c) => c.code === code));

  it('conforms to R4 and the US Core vital-sign profiles', () => expectConformant(observations));

  it('converts grams to kilograms in UCUM', () => {
    expect(byCode('29463-7')[0].valueQuantity).toEqual({ value: 86.183, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' });
    expect(byCode('8302-2')[0].valueQuantity).toMatchObject({ value: 172.7, code: 'cm' });
    expect(byCode('8867-4')[0].valueQuantity).toMatchObject({ value: 72, code: '/min' });
    expect(byCode('9279-1')[0].valueQuantity).toMatchObject({ value: 16, code: '/min' });
    expect(byCode('59408-5')[0].valueQuantity).toMatchObject({ value: 98, code: '%' });
    expect(byCode('39156-5')[0].valueQuantity).toMatchObject({ value: 28.9, code: 'kg/m2' });
  });

  it('joins systolic and diastolic by reading into one panel (athena date-times are US Eastern: EDT on 2024-03-10 09:15)', () => {
    const panels = byCode('85354-9');
    expect(panels).toHaveLength(2);
    const [good, dirty] = panels;
    expect(good).toMatchObject({ id: 'a-195900.vital-5309-25968', effectiveDateTime: '2024-03-10T09:15:00-04:00', encounter: { reference: 'Encounter/a-195900.encounter-22449' } });
    expect(good.component?.map((c) => [c.code.coding?.[0].code, c.valueQuantity?.value, c.valueQuantity?.code])).toEqual([
      ['8480-6', 123, 'mm[Hg]'],
      ['8462-4', 80, 'mm[Hg]'],
    ]);
    // diastolic 900 is dirty: the component says so, the value is not emitted.
    expect(dirty.component?.[1]).toEqual({ code: expect.anything(), dataAbsentReason: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'error' }] } });
    expect(JSON.stringify(dirty)).not.toMatch(/"value":900\b/);
  });

  it('drops dirty and unknown readings instead of emitting them', () => {
    const temperatures = byCode('8310-5');
    expect(temperatures.map((t) => t.valueQuantity?.value)).toEqual([98.6]);
    expect(temperatures[0].valueQuantity).toMatchObject({ code: '[degF]' });
    expect(JSON.stringify(observations)).not.toContain('36.7');
    expect(JSON.stringify(observations)).not.toContain('abc');
    expect(observations.some((o) => o.id?.endsWith('30009'))).toBe(false); // pain scale: not a US Core vital sign
    expect(observations).toHaveLength(9);
  });
});

describe('toLabObservations and toDiagnosticReport', () => {
  const [result, empty] = parseLabResultPage(F.LAB_RESULTS).items;
  const observations = toLabObservations(result, CTX, SCOPE);
  const report = toDiagnosticReport(result, CTX, SCOPE);

  it('conform to R4 and US Core Laboratory Result Observation / Lab DiagnosticReport', () => expectConformant([...observations, report, toDiagnosticReport(empty, CTX, SCOPE)]));

  it('maps analytes: LOINC, quantities with units, strings, absent values, ranges and flags', () => {
    const [glucose, hiv, comment] = observations;
    expect(glucose).toMatchObject({
      id: 'a-195900.analyte-5309-907435',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '2345-7' }], text: 'Glucose' },
      valueQuantity: { value: 105, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
      referenceRange: [{ low: { value: 70 }, high: { value: 99 }, text: '70-99' }],
      interpretation: [{ coding: [{ code: 'H' }] }],
      effectiveDateTime: '2023-08-10T14:59:00-04:00',
      issued: '2023-08-10T14:56:52-04:00',
    });
    expect(hiv).toMatchObject({ valueString: 'Nonreactive', code: { text: 'HIV 1+2 Ab' }, effectiveDateTime: '2023-08-10' });
    expect(comment).toMatchObject({ dataAbsentReason: { coding: [{ code: 'unknown' }] }, note: [{ text: 'see report' }] });
  });

  it('points the report at its analytes', () => {
    expect(report).toMatchObject({
      id: 'a-195900.labresult-5309-1083579',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '24323-8' }] },
      effectiveDateTime: '2023-08-10T14:59:00-04:00',
      issued: '2023-08-10T14:56:52-04:00',
      performer: [{ display: 'SynthLab' }, { reference: 'Practitioner/a-195900.Provider-20' }],
    });
    expect(report.result?.map((r) => r.reference)).toEqual(observations.map((o) => `Observation/${o.id}`));
  });
});
