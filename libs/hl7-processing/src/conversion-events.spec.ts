import Ajv2020 from 'ajv/dist/2020';
import { eventTypeDefinition } from '@sb/events';
import { convertMessage, type Hl7Conversion } from '@sb/hl7';
import { conversionEvents } from './conversion-events';

// Synthetic messages (invented people and numbers), HL7 v2.5.1.
const msh = (type: string) => `MSH|^~\\&|SYNAPP|SYNFAC|SWITCHBOARD|GW|20260301101500||${type}|CTL-1|P|2.5.1`;
const pid = (mrn: string) => `PID|1||${mrn}^^^SYNHOSP^MR||Testperson^Alex||19800229|F`;
const rxa = (date: string, cvx: string) => `RXA|0|1|${date}||${cvx}^vaccine^CVX|999|||00^New immunization record^NIP001||||||||||CP|A`;

const TENANT = '0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e';
const CONNECTION = '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const MESSAGE = '2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a';

function convert(raw: string): Hl7Conversion {
  const outcome = convertMessage(raw, {}, { idNamespace: CONNECTION });
  if (!outcome.ok) throw new Error(`conversion failed: ${outcome.error.reason}`);
  return outcome.value;
}
const patientIdOf = (mrn: string) => convert([msh('ADT^A28^ADT_A05'), pid(mrn)].join('\r')).resources[0]?.id;

const ajv = new Ajv2020({ strict: true, allErrors: true });
/** Whether `data` is valid against the catalog's schema for `type` (and the type is in the catalog). */
function validAgainstCatalog(type: string, data: unknown): [boolean, unknown] {
  const definition = eventTypeDefinition(type);
  if (!definition) return [false, `${type} is not in the catalog`];
  const validate = ajv.compile(definition.schema);
  return [validate(data), validate.errors ?? []];
}

describe('conversionEvents', () => {
  it('VXU^V04: one immunization.recorded per Immunization, naming it and the patient, valid against the catalog', () => {
    const conversion = convert([msh('VXU^V04^VXU_V04'), pid('100001'), 'ORC|RE', rxa('20260115', '208'), 'ORC|RE', rxa('20260201', '88')].join('\r'));
    const immunizations = conversion.resources.filter((r) => r.resourceType === 'Immunization');
    expect(immunizations).toHaveLength(2);
    const patient = `Patient/${patientIdOf('100001')}`;

    const events = conversionEvents(conversion, TENANT, CONNECTION, MESSAGE);
    expect(events.map((e) => [e.type, e.data, e.patientRef])).toEqual(
      immunizations.map((i) => ['immunization.recorded', { patient, immunization: `Immunization/${i.id}` }, patient]),
    );
    for (const e of events) expect(validAgainstCatalog(e.type, e.data)).toEqual([true, []]);
    // The full payload carries the patient and that event's Immunization only.
    expect(events.map((e) => (e.full as { resources: { resourceType: string; id?: string }[] }).resources.map((r) => `${r.resourceType}/${r.id}`))).toEqual(
      immunizations.map((i) => [patient, `Immunization/${i.id}`]),
    );
    expect(JSON.stringify(events.map((e) => e.data))).not.toContain('Testperson');
  });

  it('ADT^A40 with two pairs: one patient.merged per pair, each naming its own survivor and retired patient', () => {
    const conversion = convert([msh('ADT^A40^ADT_A39'), 'EVN|A40|20260301', pid('100001'), 'MRG|200002^^^SYNHOSP^MR', pid('300003'), 'MRG|400004^^^SYNHOSP^MR'].join('\r'));
    const [a, retiredA, b, retiredB] = ['100001', '200002', '300003', '400004'].map((mrn) => `Patient/${patientIdOf(mrn)}`);

    const events = conversionEvents(conversion, TENANT, CONNECTION, MESSAGE);
    expect(events.map((e) => [e.type, e.data, e.patientRef])).toEqual([
      ['patient.merged', { patient: a, replaced: retiredA }, a],
      ['patient.merged', { patient: b, replaced: retiredB }, b],
    ]);
    for (const e of events) expect(validAgainstCatalog(e.type, e.data)).toEqual([true, []]);
    expect(events.map((e) => (e.full as { resources: { id?: string }[] }).resources.map((r) => `Patient/${r.id}`))).toEqual([[a], [b]]);
  });
});
