import type { Immunization } from '@medplum/fhirtypes';
import { convertMessage } from './convert-message';
import { convertOrFail, resourcesOf } from './testing/convert-or-fail';
import { hl7, msh, segment, SYNTHETIC_PID } from './testing/synthetic-messages';

const ORC = segment('ORC', { 1: 'RE', 2: 'IZ-PL-1^SYNEHR', 3: 'IZ-FL-1^SYNIIS' });
const RXA = segment('RXA', {
  1: '0',
  2: '1',
  3: '20240115103000-0600',
  5: '208^COVID-19, mRNA, LNP-S, PF, 30 mcg/0.3 mL dose^CVX',
  6: '0.3',
  7: 'mL^milliliter^UCUM',
  9: '00^New immunization record^NIP001',
  15: 'LOT-SYN-1',
  16: '20241231',
  17: 'PFR^Pfizer, Inc^MVX',
  20: 'CP',
  21: 'A',
});
const RXR = 'RXR|C28161^Intramuscular^NCIT|LD^Left Deltoid^HL70163';
const vxu = (...rest: string[]): string => hl7(msh('VXU^V04^VXU_V04'), SYNTHETIC_PID, ...rest);

describe('VXU^V04 → Immunization', () => {
  it('maps RXA (+ ORC, RXR) to a completed Immunization', () => {
    const c = convertOrFail(vxu(ORC, RXA, RXR, 'OBX|1|CE|64994-7^Vaccine funding program eligibility^LN|1|V01^Not VFC eligible^HL70064||||||F'));
    expect(c.resources[0].resourceType).toBe('Patient');
    const [immunization] = resourcesOf<Immunization>(c, 'Immunization');
    expect(immunization).toMatchObject({
      status: 'completed',
      vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '208' }] },
      patient: { reference: `Patient/${c.resources[0].id}` },
      occurrenceDateTime: '2024-01-15T10:30:00-06:00',
      primarySource: true,
      doseQuantity: { value: 0.3, unit: 'mL', system: 'http://unitsofmeasure.org', code: 'mL' },
      lotNumber: 'LOT-SYN-1',
      expirationDate: '2024-12-31',
      manufacturer: { display: 'Pfizer, Inc' },
      route: { coding: [{ code: 'C28161' }] },
      site: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0163', code: 'LD' }] },
      identifier: [{ value: 'IZ-PL-1' }, { value: 'IZ-FL-1' }],
    });
    expect(c.events).toEqual([{ type: 'immunization.recorded', resourceType: 'Immunization', resourceId: immunization.id }]);
  });

  it('maps each RXA; a refusal is not-done with its reason, a historical record is not the primary source, 999 is no dose', () => {
    const refused = RXA.replace('|CP|A', '|RE|A');
    const withReason = segment('RXA', { 1: '0', 2: '1', 3: '20240201', 5: '88^influenza^CVX', 6: '999', 18: '00^Parental decision^NIP002', 20: 'RE' });
    const historical = segment('RXA', { 1: '0', 2: '1', 3: '20100501', 5: '03^MMR^CVX', 6: '999', 9: '01^Historical information^NIP001', 20: 'CP' });
    const c = convertOrFail(vxu(ORC, RXA, RXR, 'ORC|RE', withReason, 'ORC|RE', historical, 'ORC|RE', refused.replace('20240115103000-0600', '20240116')));
    const immunizations = resourcesOf<Immunization>(c, 'Immunization');
    expect(immunizations.map((i) => i.status)).toEqual(['completed', 'not-done', 'completed', 'not-done']);
    expect(immunizations[1].statusReason).toEqual({ coding: [{ system: 'urn:switchboard:hl7:codesystem:NIP002', code: '00', display: 'Parental decision' }] });
    expect(immunizations[1]).not.toHaveProperty('doseQuantity');
    expect(immunizations[2]).toMatchObject({ primarySource: false, reportOrigin: { coding: [{ code: '01' }] }, occurrenceDateTime: '2010-05-01' });
    expect(new Set(immunizations.map((i) => i.id)).size).toBe(4);
  });

  it('announces each Immunization once as immunization.recorded, whatever its status; a dose repeated in the message once', () => {
    const deleted = segment('RXA', { 1: '0', 2: '1', 3: '20240301', 5: '88^influenza^CVX', 6: '999', 20: 'CP', 21: 'D' });
    const refused = segment('RXA', { 1: '0', 2: '1', 3: '20240201', 5: '03^MMR^CVX', 6: '999', 20: 'RE' });
    const c = convertOrFail(vxu(ORC, RXA, RXR, 'ORC|RE', refused, 'ORC|RE', deleted, ORC, RXA, RXR));
    const immunizations = resourcesOf<Immunization>(c, 'Immunization');
    expect(immunizations.map((i) => i.status)).toEqual(['completed', 'not-done', 'entered-in-error']);
    expect(c.events).toEqual(immunizations.map((i) => ({ type: 'immunization.recorded', resourceType: 'Immunization', resourceId: i.id })));
  });

  it('needs RXA (101), RXA-3 (101) and a well-formed RXA-3 (102)', () => {
    const ctx = { idNamespace: 'c' };
    expect(convertMessage(vxu(ORC), {}, ctx)).toMatchObject({ ok: false, error: { code: '101', location: { segment: 'RXA' } } });
    expect(convertMessage(vxu(RXA.replace('20240115103000-0600', '')), {}, ctx)).toMatchObject({
      ok: false,
      error: { code: '101', location: { segment: 'RXA', sequence: 1, field: 3 } },
    });
    expect(convertMessage(vxu(RXA.replace('20240115103000-0600', '20241315')), {}, ctx)).toEqual({
      ok: false,
      error: { code: '102', reason: 'malformed date/time', location: { segment: 'RXA', sequence: 1, field: 3 } },
    });
  });
});
