import type { Resource } from '@medplum/fhirtypes';
import { usCoreAvailable, usCoreFixturePath, validateUsCore } from '@sb/testing';
import { existsSync } from 'node:fs';
import { convertOrFail } from './testing/convert-or-fail';
import { buildOru } from './testing/oru-with-obx';
import { hl7, msh, segment, SYNTHETIC_PID, syntheticPv1 } from './testing/synthetic-messages';

/**
 * Every resource type the converter produces from the synthetic messages, validated against its
 * US Core 6.1.0 profile (chosen by `usCoreProfileFor`: Observation with category laboratory →
 * us-core-observation-lab, DiagnosticReport with LAB → us-core-diagnosticreport-lab, …).
 * Appointment has no US Core profile (base R4 StructureDefinition check only).
 */
const MESSAGES: Readonly<Record<string, string>> = {
  'ADT^A01 with AL1': hl7(msh('ADT^A01^ADT_A01'), SYNTHETIC_PID, syntheticPv1({ 45: '' }), 'AL1|1|DA|70618^Penicillin^RXNORM|SV|Hives|20200101'),
  'ADT^A03': hl7(msh('ADT^A03^ADT_A03'), SYNTHETIC_PID, syntheticPv1({ 45: '20240312093000' })),
  'ORU^R01 (builder, every value type)': buildOru(10, { valueTypes: ['NM', 'ST', 'TX', 'CWE', 'SN'] }),
  'ORU^R01 without a value': hl7(msh('ORU^R01'), SYNTHETIC_PID, 'OBR|1||F-9^SYNLAB|2345-7^Glucose^LN|||20240105080000||||||||||||||||F', 'OBX|1|NM|2345-7^Glucose^LN||||||||X'),
  'MDM^T02': hl7(
    msh('MDM^T02^MDM_T02'),
    SYNTHETIC_PID,
    syntheticPv1(),
    segment('TXA', { 1: '1', 2: 'PN^Procedure note^HL70270', 3: 'TX', 4: '20240312100000', 9: '1234^Author^Avery', 12: 'DOC-7^SYNHOSP', 17: 'LA' }),
    'OBX|1|TX|||Procedure completed without complications.||||||F',
  ),
  'VXU^V04': hl7(msh('VXU^V04^VXU_V04'), SYNTHETIC_PID, 'ORC|RE||IZ-1^SYNIIS', 'RXA|0|1|20240115||208^COVID-19 vaccine^CVX|0.3|mL^mL^UCUM||00^New record^NIP001||||||LOT-1||||CP|A'),
  'VXU^V04 refused': hl7(msh('VXU^V04^VXU_V04'), SYNTHETIC_PID, segment('RXA', { 1: '0', 2: '1', 3: '20240201', 5: '88^influenza^CVX', 6: '999', 9: '00', 18: '00^Parental decision^NIP002', 20: 'RE' })),
  'SIU^S12': hl7(msh('SIU^S12^SIU_S12'), segment('SCH', { 2: 'APT-1', 7: 'ROUTINE' }), 'TQ1|||||||202406010900|202406010930', SYNTHETIC_PID, 'AIL|1||ROOM-1^^^CLINIC'),
};

const available = usCoreAvailable();

it(`US Core validation runs when the package is at ${usCoreFixturePath()}`, () => {
  expect(existsSync(usCoreFixturePath())).toBe(available);
});

const cases: [string, Resource][] = available
  ? Object.entries(MESSAGES).flatMap(([name, raw]) => convertOrFail(raw).resources.map((r): [string, Resource] => [`${name}: ${r.resourceType}`, r]))
  : [];

describe('US Core 6.1.0', () => {
  // Without the package there are no cases (the test above records why).
  if (!available) return;

  it('covers every resource type the converter produces', () => {
    expect(new Set(cases.map(([, r]) => r.resourceType))).toEqual(
      new Set(['Patient', 'Encounter', 'AllergyIntolerance', 'DiagnosticReport', 'Observation', 'DocumentReference', 'Immunization', 'Appointment']),
    );
  });

  it.each(cases)('%s validates against its profile with no errors', (_, resource) => {
    expect(validateUsCore(resource).errors).toEqual([]);
  });
});
