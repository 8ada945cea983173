import type { Patient, ServiceRequest } from '@medplum/fhirtypes';
import { parseHeader, readField, segments } from '../hl7-message';
import { Hl7BuildError } from './hl7-build-error';
import { buildOrderMessage, type OrderMessageOptions } from './order-message';

const NOW = new Date('2026-11-20T15:04:05.000Z');

const patient = (): Patient => ({
  resourceType: 'Patient',
  id: 'p1',
  identifier: [
    { system: 'urn:oid:2.16.840.1.113883.3.9999.1', value: 'SSN-IGNORED', use: 'secondary' },
    {
      use: 'usual',
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] },
      system: 'urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14',
      value: 'E4006',
      assigner: { display: 'SANDBOX' },
    },
  ],
  name: [
    { use: 'usual', family: 'Wrenmoor', given: ['Addie'] },
    { use: 'official', family: 'Wrenmoor', given: ['Ada', 'Grace', 'Lena'], suffix: ['Jr'] },
  ],
  birthDate: '1984-03-09',
  gender: 'female',
  address: [{ use: 'home', line: ['12 Larkspur Ln', 'Apt 3'], city: 'Verdant Falls', state: 'WI', postalCode: '53702' }],
  telecom: [
    { system: 'phone', value: '608-555-0142', use: 'home' },
    { system: 'email', value: 'ada@example.org' },
  ],
});

const serviceRequest = (): ServiceRequest => ({
  resourceType: 'ServiceRequest',
  id: 'sr1',
  status: 'active',
  intent: 'order',
  identifier: [
    { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'PLAC' }] }, system: 'urn:oid:1.2.3', value: 'ORD-1001' },
    { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'FILL' }] }, value: 'LAB-77' },
  ],
  requisition: { value: 'REQ-9' },
  code: { coding: [{ system: 'http://loinc.org', code: '24323-8', display: 'Comprehensive metabolic panel' }, { system: 'urn:local', code: 'CMP' }], text: 'CMP' },
  priority: 'stat',
  subject: { reference: 'Patient/p1' },
  encounter: { reference: 'Encounter/e1', identifier: { system: 'urn:oid:1.2.3.4', value: 'V-55' } },
  occurrenceDateTime: '2026-11-21T08:30:00-05:00',
  authoredOn: '2026-11-20T10:00:00-05:00',
  requester: { reference: '#pr1' },
  contained: [
    {
      resourceType: 'Practitioner',
      id: 'pr1',
      identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '9123456789' }],
      name: [{ family: 'Kestrelholt', given: ['Jonah'], prefix: ['Dr'] }],
    },
  ],
  reasonCode: [{ coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9', display: 'Type 2 diabetes mellitus without complications' }] }],
  note: [{ text: 'Fasting since midnight.\nDraw before insulin.' }],
  patientInstruction: 'Do not eat after midnight.',
});

const opts = (over: Partial<OrderMessageOptions> = {}): OrderMessageOptions => ({
  messageType: 'ORM^O01',
  controlId: 'CTRL-1',
  sendingApplication: 'SWITCHBOARD',
  sendingFacility: 'GW',
  receivingApplication: 'LIS',
  receivingFacility: 'LAB',
  now: NOW,
  ...over,
});

const parse = (message: string) => {
  const all = segments(message);
  const seg = (id: string, n = 0) => all.filter((s) => s[0] === id)[n] ?? [];
  const f = (id: string, field: number, component = 1, repetition = 0, subcomponent = 1, n = 0) => readField(seg(id, n), { field, component, repetition, subcomponent });
  return { all, ids: all.map((s) => s[0]), seg, f };
};

describe('buildOrderMessage', () => {
  it('writes an ORM^O01: MSH, PID, PV1, ORC, OBR and NTE in order', () => {
    const message = buildOrderMessage(serviceRequest(), patient(), opts());
    expect(message.split('\r').every((line) => line.length > 0)).toBe(true);
    const { ids, f, seg } = parse(message);
    expect(ids).toEqual(['MSH', 'PID', 'PV1', 'ORC', 'OBR', 'NTE', 'NTE', 'NTE']);
    const header = parseHeader(message);
    expect(header).toMatchObject({
      ok: true,
      header: {
        sendingApplication: 'SWITCHBOARD',
        sendingFacility: 'GW',
        receivingApplication: 'LIS',
        receivingFacility: 'LAB',
        timestamp: '20261120150405+0000',
        messageType: { code: 'ORM', trigger: 'O01', structure: 'ORM_O01' },
        controlId: 'CTRL-1',
        processingId: 'P',
        version: '2.5.1',
      },
    });
    expect(f('MSH', 18)).toBe('');

    // PID: the MRN first, with its assigning authority and type; official name first.
    expect([f('PID', 3, 1), f('PID', 3, 4, 0, 1), f('PID', 3, 4, 0, 2), f('PID', 3, 4, 0, 3), f('PID', 3, 5)]).toEqual(['E4006', 'SANDBOX', '1.2.840.114350.1.13.0.1.7.5.737384.14', 'ISO', 'MR']);
    expect(f('PID', 3, 1, 1)).toBe('SSN-IGNORED');
    expect([1, 2, 3, 4, 7].map((c) => f('PID', 5, c))).toEqual(['Wrenmoor', 'Ada', 'Grace Lena', 'Jr', 'L']);
    expect([f('PID', 5, 2, 1), f('PID', 5, 7, 1)]).toEqual(['Addie', 'D']);
    expect([f('PID', 7), f('PID', 8)]).toEqual(['19840309', 'F']);
    expect([1, 2, 3, 4, 5, 7].map((c) => f('PID', 11, c))).toEqual(['12 Larkspur Ln', 'Apt 3', 'Verdant Falls', 'WI', '53702', 'H']);
    expect([f('PID', 13, 2), f('PID', 13, 3), f('PID', 13, 12)]).toEqual(['PRN', 'PH', '608-555-0142']);
    expect([f('PID', 13, 2, 1), f('PID', 13, 4, 1)]).toEqual(['NET', 'ada@example.org']);

    expect([f('PV1', 1), f('PV1', 2), f('PV1', 19)]).toEqual(['1', 'U', 'V-55']);

    // ORC: new order, placer and filler numbers, requisition, timing, transaction time, provider.
    expect([f('ORC', 1), f('ORC', 2), f('ORC', 2, 2), f('ORC', 3), f('ORC', 4)]).toEqual(['NW', 'ORD-1001', 'SWITCHBOARD', 'LAB-77', 'REQ-9']);
    expect([f('ORC', 7, 4), f('ORC', 7, 6)]).toEqual(['20261121083000-0500', 'S']);
    expect(f('ORC', 9)).toBe('20261120100000-0500');
    expect([1, 2, 3, 6, 9, 13].map((c) => f('ORC', 12, c))).toEqual(['9123456789', 'Kestrelholt', 'Jonah', 'Dr', 'NPI', 'NPI']);

    // OBR: the same placer number, the service code, provider, timing and reason.
    expect([f('OBR', 1), f('OBR', 2), f('OBR', 3)]).toEqual(['1', 'ORD-1001', 'LAB-77']);
    expect([1, 2, 3, 4, 6, 9].map((c) => f('OBR', 4, c))).toEqual(['24323-8', 'Comprehensive metabolic panel', 'LN', 'CMP', 'L', 'CMP']);
    expect(seg('OBR')[16]).toBe(seg('ORC')[12]);
    expect(f('OBR', 27, 6)).toBe('S');
    expect([f('OBR', 31), f('OBR', 31, 3)]).toEqual(['E11.9', 'I10']);

    // NTE: one per line, placer-sourced, remark or patient instruction.
    expect([0, 1, 2].map((n) => [f('NTE', 1, 1, 0, 1, n), f('NTE', 2, 1, 0, 1, n), f('NTE', 3, 1, 0, 1, n), f('NTE', 4, 1, 0, 1, n)])).toEqual([
      ['1', 'P', 'Fasting since midnight.', 'RE'],
      ['2', 'P', 'Draw before insulin.', 'RE'],
      ['3', 'P', 'Do not eat after midnight.', 'PI'],
    ]);
  });

  it('writes an OML^O21 with the timing in TQ1 after ORC instead of ORC-7/OBR-27', () => {
    const sr = { ...serviceRequest(), occurrenceDateTime: undefined, occurrencePeriod: { start: '2026-11-21T08:00:00Z', end: '2026-11-21T12:00:00Z' } };
    const { ids, f, seg } = parse(buildOrderMessage(sr, patient(), opts({ messageType: 'OML^O21' })));
    expect(ids.slice(0, 6)).toEqual(['MSH', 'PID', 'PV1', 'ORC', 'TQ1', 'OBR']);
    expect([f('MSH', 9), f('MSH', 9, 2), f('MSH', 9, 3)]).toEqual(['OML', 'O21', 'OML_O21']);
    expect([f('TQ1', 1), f('TQ1', 7), f('TQ1', 8), f('TQ1', 9), f('TQ1', 9, 2), f('TQ1', 9, 3)]).toEqual(['1', '20261121080000+0000', '20261121120000+0000', 'S', 'Stat', 'HL70485']);
    expect(seg('ORC')[7] ?? '').toBe('');
    expect(seg('OBR')[27] ?? '').toBe('');
  });

  it('leaves TQ1 out when there is neither priority nor occurrence, and maps urgent to ASAP', () => {
    const bare = { ...serviceRequest(), priority: undefined, occurrenceDateTime: undefined };
    expect(parse(buildOrderMessage(bare, patient(), opts({ messageType: 'OML^O21' }))).ids).not.toContain('TQ1');
    const urgent = parse(buildOrderMessage({ ...bare, priority: 'urgent' }, patient(), opts({ messageType: 'OML^O21' })));
    expect(urgent.f('TQ1', 9)).toBe('A');
  });

  it('escapes every value, so delimiters and line breaks in data cannot change the structure', () => {
    const p = patient();
    p.name = [{ use: 'official', family: 'O|Brien^&~\\Smith', given: ['Ada\rMSH|^~\\&|EVIL'] }];
    const sr = serviceRequest();
    sr.code = { coding: [{ system: 'http://loinc.org', code: '24323-8', display: 'Panel | with ^ odd & chars ~ \\' }] };
    sr.note = [{ text: 'line with | pipe' }];
    sr.patientInstruction = undefined;
    const message = buildOrderMessage(sr, p, opts());
    const { ids, f } = parse(message);
    expect(ids).toEqual(['MSH', 'PID', 'PV1', 'ORC', 'OBR', 'NTE']);
    expect(f('PID', 5)).toBe('O|Brien^&~\\Smith');
    expect(f('PID', 5, 2)).toBe('Ada\rMSH|^~\\&|EVIL');
    expect(f('OBR', 4, 2)).toBe('Panel | with ^ odd & chars ~ \\');
    expect(f('NTE', 3)).toBe('line with | pipe');
  });

  it('declares UTF-8 in MSH-18 when the message is not ASCII', () => {
    const p = patient();
    p.name = [{ family: 'Zoë', given: ['Renée'] }];
    const { f } = parse(buildOrderMessage(serviceRequest(), p, opts()));
    expect(f('MSH', 18)).toBe('UNICODE UTF-8');
    expect(f('PID', 5)).toBe('Zoë');
  });

  it('uses the subject reference identifier when no Patient is given, and the id as placer number', () => {
    const sr: ServiceRequest = {
      resourceType: 'ServiceRequest',
      id: 'sr-9',
      status: 'active',
      intent: 'order',
      code: { text: 'Chest X-ray, two views' },
      subject: { reference: 'Patient/p1', identifier: { system: 'urn:oid:1.2.3', value: 'MRN-5', type: { coding: [{ code: 'MR' }] } } },
      requester: { display: 'Dr Kestrelholt' },
    };
    const { f, ids } = parse(buildOrderMessage(sr, undefined, opts()));
    expect(ids).toEqual(['MSH', 'PID', 'PV1', 'ORC', 'OBR']);
    expect([f('PID', 3), f('PID', 3, 4, 0, 2), f('PID', 3, 5), f('PID', 5), f('PID', 8)]).toEqual(['MRN-5', '1.2.3', 'MR', '', '']);
    expect(f('ORC', 2)).toBe('sr-9');
    expect([f('OBR', 4), f('OBR', 4, 2), f('OBR', 4, 9)]).toEqual(['', 'Chest X-ray, two views', 'Chest X-ray, two views']);
    expect([f('ORC', 12), f('ORC', 12, 2)]).toEqual(['', 'Dr Kestrelholt']);
    expect(f('ORC', 9)).toBe('20261120150405+0000');
  });

  it('refuses what it cannot send, with a static message naming the FHIR path only', () => {
    const expectProblem = (run: () => unknown, problem: string, path: string) => {
      let error: unknown;
      try {
        run();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(Hl7BuildError);
      expect(error).toMatchObject({ problem, code: 'validation_failed', message: 'The resource cannot be sent as an HL7 v2 message', issues: [{ path }] });
      expect(JSON.stringify({ m: (error as Error).message, i: (error as Hl7BuildError).issues, d: (error as Hl7BuildError).details })).not.toMatch(/Wrenmoor|E4006|24323/);
    };
    expectProblem(() => buildOrderMessage({ ...serviceRequest(), code: undefined }, patient(), opts()), 'missing_code', 'ServiceRequest.code');
    expectProblem(() => buildOrderMessage({ ...serviceRequest(), code: { coding: [{ display: 'no code' }] } }, patient(), opts()), 'missing_code', 'ServiceRequest.code');
    expectProblem(() => buildOrderMessage({ ...serviceRequest(), subject: undefined as never }, patient(), opts()), 'missing_subject', 'ServiceRequest.subject');
    expectProblem(() => buildOrderMessage(serviceRequest(), { ...patient(), id: 'someone-else' }, opts()), 'patient_mismatch', 'ServiceRequest.subject');
    expectProblem(() => buildOrderMessage(serviceRequest(), { ...patient(), identifier: [] }, opts()), 'missing_patient_identifier', 'ServiceRequest.subject.identifier');
    expectProblem(() => buildOrderMessage({ ...serviceRequest(), id: undefined, identifier: undefined }, patient(), opts()), 'missing_order_number', 'ServiceRequest.identifier');
    expectProblem(() => buildOrderMessage(serviceRequest(), patient(), opts({ controlId: 'A\rB' })), 'invalid_option', 'controlId');
    expectProblem(() => buildOrderMessage(serviceRequest(), patient(), opts({ sendingFacility: ' ' })), 'invalid_option', 'sendingFacility');
    expectProblem(() => buildOrderMessage(serviceRequest(), patient(), opts({ messageType: 'ADT^A01' as never })), 'invalid_option', 'messageType');
    expectProblem(() => buildOrderMessage(serviceRequest(), patient(), opts({ now: new Date('nope') })), 'invalid_option', 'now');
  });
});
