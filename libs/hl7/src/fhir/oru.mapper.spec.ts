import type { DiagnosticReport, Observation } from '@medplum/fhirtypes';
import type { Hl7Conversion } from './convert-message';
import { convertOrFail as convertWith, resourcesOf as ofType } from './testing/convert-or-fail';
import { buildOru } from './testing/oru-with-obx';
import { hl7, msh, segment, SYNTHETIC_PID } from './testing/synthetic-messages';

const convertOrFail = (raw: string) => convertWith(raw, {}, 'conn-oru');


const OBR = 'OBR|1|PL-1^SYNEHR|FL-1^SYNLAB|24331-1^Lipid panel^LN|||20240105080000-0600|||||||||||||||20240105093000-0600|||F';
const oru = (...rest: string[]): string => hl7(msh('ORU^R01^ORU_R01'), SYNTHETIC_PID, ...rest);

/** The Observation of the OBX with this set id. */
function bySetId(c: Hl7Conversion, code: string): Observation {
  const found = ofType<Observation>(c, 'Observation').find((o) => o.code.coding?.some((x) => x.code === code));
  if (!found) throw new Error(`no Observation with code ${code}`);
  return found;
}

describe('ORU^R01 → DiagnosticReport + Observations', () => {
  it('maps OBR to a lab DiagnosticReport that references each OBX Observation', () => {
    const c = convertOrFail(oru(OBR, 'OBX|1|NM|2093-3^Cholesterol^LN||185|mg/dL^mg/dL^UCUM|<200|N|||F', 'OBX|2|NM|2571-8^Triglyceride^LN||140|mg/dL|<150|N|||F'));
    const [report] = ofType<DiagnosticReport>(c, 'DiagnosticReport');
    const observations = ofType<Observation>(c, 'Observation');
    expect(c.resources.map((r) => r.resourceType)).toEqual(['Patient', 'DiagnosticReport', 'Observation', 'Observation']);
    expect(report).toMatchObject({
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '24331-1', display: 'Lipid panel' }] },
      subject: { reference: `Patient/${c.resources[0].id}` },
      effectiveDateTime: '2024-01-05T08:00:00-06:00',
      issued: '2024-01-05T09:30:00-06:00',
      identifier: [
        { type: { coding: [{ code: 'PLAC' }] }, system: 'urn:switchboard:hl7:SYNEHR', value: 'PL-1' },
        { type: { coding: [{ code: 'FILL' }] }, system: 'urn:switchboard:hl7:SYNLAB', value: 'FL-1' },
      ],
      result: observations.map((o) => ({ reference: `Observation/${o.id}` })),
    });
    expect(observations[0]).toMatchObject({
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
      effectiveDateTime: '2024-01-05T08:00:00-06:00',
      valueQuantity: { value: 185, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
      referenceRange: [{ high: { value: 200, code: 'mg/dL' }, text: '<200' }],
      interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'N' }] }],
    });
    expect(c.events).toEqual([{ type: 'result.received', resourceType: 'DiagnosticReport', resourceId: report.id }]);
  });

  it('maps every OBX-2 value type', () => {
    const c = convertOrFail(
      oru(
        OBR,
        'OBX|1|NM|100-1^Numeric^LN||7.25|beats/min|5-10|H|||F|||20240105081500',
        'OBX|2|ST|100-2^String^LN||slightly hemolyzed||||||F',
        'OBX|3|TX|100-3^Text^LN||First line~Second line||||||F',
        'OBX|4|FT|100-4^Formatted^LN||Para one\\.br\\Para two \\H\\bold\\N\\ end||||||F',
        'OBX|5|CE|100-5^Coded CE^LN||POS^Positive^HL70078||||||F',
        'OBX|6|CWE|100-6^Coded CWE^LN||260385009^Negative^SCT^NEG^neg^L^^^Negative result||||||F',
        'OBX|7|SN|100-7^SN comparator^LN||>^200|mg/dL^^UCUM|||||F',
        'OBX|8|SN|100-8^SN range^LN||^10^-^20|mg/dL|||||F',
        'OBX|9|SN|100-9^SN ratio^LN||^1^:^128||||||F',
        'OBX|10|SN|100-10^SN plain^LN||^42|{copies}/mL|||||F',
        'OBX|11|DT|100-11^Date^LN||20231224||||||F',
        'OBX|12|TM|100-12^Time^LN||1345||||||F',
        'OBX|13|NM|100-13^No value^LN||||||||I',
        'OBX|14|ED|100-14^Report PDF^LN||^application^pdf^Base64^JVBERi0xLjQK||||||F',
        'OBX|15|ED|100-15^Report text^LN||^TEXT^^A^plain words||||||F',
      ),
    );
    expect(bySetId(c, '100-1')).toMatchObject({
      valueQuantity: { value: 7.25, unit: 'beats/min' },
      referenceRange: [{ low: { value: 5, unit: 'beats/min' }, high: { value: 10, unit: 'beats/min' } }],
      effectiveDateTime: '2024-01-05T08:15:00+00:00',
    });
    expect(bySetId(c, '100-1').valueQuantity).not.toHaveProperty('system');
    expect(bySetId(c, '100-2').valueString).toBe('slightly hemolyzed');
    expect(bySetId(c, '100-3').valueString).toBe('First line\nSecond line');
    expect(bySetId(c, '100-4').valueString).toBe('Para one\nPara two bold end');
    expect(bySetId(c, '100-5').valueCodeableConcept).toEqual({
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0078', code: 'POS', display: 'Positive' }],
    });
    expect(bySetId(c, '100-6').valueCodeableConcept).toEqual({
      coding: [
        { system: 'http://snomed.info/sct', code: '260385009', display: 'Negative' },
        { system: 'urn:switchboard:hl7:codesystem:L', code: 'NEG', display: 'neg' },
      ],
      text: 'Negative result',
    });
    expect(bySetId(c, '100-7').valueQuantity).toEqual({ value: 200, comparator: '>', unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' });
    expect(bySetId(c, '100-8').valueRange).toEqual({
      low: { value: 10, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
      high: { value: 20, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
    });
    expect(bySetId(c, '100-9').valueRatio).toEqual({ numerator: { value: 1 }, denominator: { value: 128 } });
    expect(bySetId(c, '100-10').valueQuantity).toEqual({ value: 42, unit: '{copies}/mL', system: 'http://unitsofmeasure.org', code: '{copies}/mL' });
    expect(bySetId(c, '100-11').valueDateTime).toBe('2023-12-24');
    expect(bySetId(c, '100-12').valueTime).toBe('13:45:00');
    expect(bySetId(c, '100-13')).toMatchObject({
      status: 'registered',
      dataAbsentReason: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'unknown' }] },
    });
    expect(bySetId(c, '100-13')).not.toHaveProperty('valueQuantity');

    // ED has no Observation value type in R4: the documents go to DiagnosticReport.presentedForm.
    expect(ofType<Observation>(c, 'Observation')).toHaveLength(13);
    const [report] = ofType<DiagnosticReport>(c, 'DiagnosticReport');
    expect(report.presentedForm).toEqual([
      { contentType: 'application/pdf', data: 'JVBERi0xLjQK', title: 'Report PDF' },
      { contentType: 'text/plain', data: Buffer.from('plain words').toString('base64'), title: 'Report text' },
    ]);
    expect(report.result).toHaveLength(13);
  });

  it('keeps OBX under the preceding OBR, NTE under the preceding OBX, and tolerates odd segment order', () => {
    const c = convertOrFail(
      hl7(
        msh('ORU^R01^ORU_R01'),
        'PV1|1|O|||||||||||||||||V-9^^^SYNHOSP^VN',
        SYNTHETIC_PID,
        'OBX|1|NM|200-1^Before any OBR^LN||1||||||F',
        OBR,
        'NTE|1||Report comment',
        'OBX|2|NM|200-2^Second^LN||2||||||F',
        'NTE|1||About the second result',
        'SPM|1|SP-1||BLD',
        segment('OBR', { 1: '2', 3: 'FL-2^SYNLAB', 4: '24357-6^Urinalysis^LN', 7: '20240105090000-0600', 25: 'P' }),
        'OBX|1|NM|200-3^Third^LN||3||||||P',
      ),
    );
    const reports = ofType<DiagnosticReport>(c, 'DiagnosticReport');
    expect(reports.map((r) => r.result?.length)).toEqual([2, 1]);
    expect(reports[0].conclusion).toBe('Report comment');
    expect(reports[1].status).toBe('preliminary');
    expect(bySetId(c, '200-2').note).toEqual([{ text: 'About the second result' }]);
    expect(reports[0].encounter?.reference).toMatch(/^Encounter\//);
    expect(bySetId(c, '200-3').encounter).toEqual(reports[0].encounter);
    expect(c.events.map((e) => e.resourceId)).toEqual(reports.map((r) => r.id));
  });

  it('keys Observations on report + set id + code, so a corrected result replaces the preliminary one', () => {
    const preliminary = convertOrFail(oru(OBR.replace('|||F', '|||P'), 'OBX|1|NM|2093-3^Cholesterol^LN||180|mg/dL|||||P'));
    const corrected = convertOrFail(oru(OBR.replace('|||F', '|||C'), 'OBX|1|NM|2093-3^Cholesterol^LN||185|mg/dL|||||C'));
    expect(corrected.resources.map((r) => r.id)).toEqual(preliminary.resources.map((r) => r.id));
    expect(ofType<Observation>(corrected, 'Observation')[0].status).toBe('corrected');
    expect(ofType<DiagnosticReport>(corrected, 'DiagnosticReport')[0].status).toBe('corrected');
  });

  it('converts the 20-OBX benchmark message and every value type of the builder', () => {
    const c = convertOrFail(buildOru(20));
    expect(ofType<Observation>(c, 'Observation')).toHaveLength(20);
    const mixed = convertOrFail(buildOru(10, { valueTypes: ['NM', 'ST', 'TX', 'CWE', 'SN'], separator: '\n' }));
    expect(ofType<Observation>(mixed, 'Observation').map((o) => Object.keys(o).find((k) => k.startsWith('value')))).toEqual([
      'valueQuantity',
      'valueString',
      'valueString',
      'valueCodeableConcept',
      'valueQuantity',
      'valueQuantity',
      'valueString',
      'valueString',
      'valueCodeableConcept',
      'valueQuantity',
    ]);
  });
});
