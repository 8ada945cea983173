import type { DocumentReference, Patient } from '@medplum/fhirtypes';
import { parseHeader, readField, segments } from '../hl7-message';
import { Hl7BuildError } from './hl7-build-error';
import { buildNoteMessage, type NoteMessageOptions } from './note-message';

const NOW = new Date('2026-11-20T15:04:05.000Z');
const b64 = (text: string, encoding: BufferEncoding = 'utf8') => Buffer.from(text, encoding).toString('base64');

const patient = (): Patient => ({
  resourceType: 'Patient',
  id: 'p1',
  identifier: [{ type: { coding: [{ code: 'MR' }] }, system: 'urn:oid:1.2.3', value: 'MRN-77' }],
  name: [{ family: 'Quillbrook', given: ['Bruno'] }],
  birthDate: '1958-12',
  gender: 'male',
});

const NOTE_TEXT = 'Subjective: feels well | no complaints.\r\n\r\nPlan: continue metformin.\n';

const doc = (): DocumentReference => ({
  resourceType: 'DocumentReference',
  id: 'doc-1',
  masterIdentifier: { system: 'urn:ietf:rfc:3986', value: 'urn:uuid:6f1c0b7e-8f7e-4c1e-9a55-1f0d3f9f0a11' },
  identifier: [{ value: 'DOC-42' }],
  status: 'current',
  docStatus: 'final',
  type: { coding: [{ system: 'http://loinc.org', code: '11506-3', display: 'Progress note' }] },
  subject: { reference: 'Patient/p1' },
  date: '2026-11-19T16:20:00Z',
  author: [{ reference: 'Practitioner/pr1' }],
  authenticator: { reference: '#auth', display: 'ignored when contained' },
  contained: [{ resourceType: 'Practitioner', id: 'auth', name: [{ family: 'Larchmere', given: ['Dana'] }] }],
  content: [{ attachment: { contentType: 'text/plain; charset=utf-8', data: b64(NOTE_TEXT) } }],
  context: { encounter: [{ reference: 'Encounter/e1', identifier: { value: 'V-9' } }], period: { start: '2026-11-19T15:00:00Z' } },
});

const opts = (over: Partial<NoteMessageOptions> = {}): NoteMessageOptions => ({
  controlId: 'MDM-1',
  sendingApplication: 'SWITCHBOARD',
  sendingFacility: 'GW',
  receivingApplication: 'EHR',
  receivingFacility: 'HOSP',
  now: NOW,
  practitioners: [{ resourceType: 'Practitioner', id: 'pr1', identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '9876543210' }], name: [{ family: 'Kestrelholt', given: ['Jonah'] }] }],
  ...over,
});

const parse = (message: string) => {
  const all = segments(message);
  const seg = (id: string, n = 0) => all.filter((s) => s[0] === id)[n] ?? [];
  const f = (id: string, field: number, component = 1, n = 0) => readField(seg(id, n), { field, component });
  return { ids: all.map((s) => s[0]), all, seg, f };
};

describe('buildNoteMessage', () => {
  it('writes an MDM^T02: MSH, EVN, PID, PV1, TXA and one TX OBX per line', () => {
    const message = buildNoteMessage(doc(), patient(), opts());
    const { ids, f, all } = parse(message);
    expect(ids).toEqual(['MSH', 'EVN', 'PID', 'PV1', 'TXA', 'OBX', 'OBX', 'OBX']);
    expect(parseHeader(message)).toMatchObject({ ok: true, header: { messageType: { code: 'MDM', trigger: 'T02', structure: 'MDM_T02' }, controlId: 'MDM-1', version: '2.5.1' } });
    expect([f('EVN', 1), f('EVN', 2)]).toEqual(['T02', '20261120150405+0000']);
    expect([f('PID', 3), f('PID', 3, 5), f('PID', 5), f('PID', 7), f('PID', 8)]).toEqual(['MRN-77', 'MR', 'Quillbrook', '195812', 'M']);
    expect([f('PV1', 2), f('PV1', 19)]).toEqual(['U', 'V-9']);

    expect([f('TXA', 1), f('TXA', 2), f('TXA', 3), f('TXA', 4), f('TXA', 6)]).toEqual(['1', 'PR', 'TX', '20261119150000+0000', '20261119162000+0000']);
    expect([f('TXA', 9), f('TXA', 9, 2), f('TXA', 9, 13)]).toEqual(['9876543210', 'Kestrelholt', 'NPI']);
    expect([f('TXA', 10), f('TXA', 10, 2), f('TXA', 10, 3)]).toEqual(['', 'Larchmere', 'Dana']);
    expect([f('TXA', 12), f('TXA', 12, 2)]).toEqual(['urn:uuid:6f1c0b7e-8f7e-4c1e-9a55-1f0d3f9f0a11', 'SWITCHBOARD']);
    expect([f('TXA', 17), f('TXA', 19)]).toEqual(['AU', 'AV']);

    const obx = all.filter((s) => s[0] === 'OBX');
    expect(obx.map((s) => [1, 2, 4, 5, 11].map((field) => readField(s, { field })))).toEqual([
      ['1', 'TX', '1', 'Subjective: feels well | no complaints.', 'F'],
      ['2', 'TX', '1', '', 'F'],
      ['3', 'TX', '1', 'Plan: continue metformin.', 'F'],
    ]);
    expect(obx.map((s) => [readField(s, { field: 3 }), readField(s, { field: 3, component: 2 }), readField(s, { field: 3, component: 3 })])).toEqual(Array(3).fill(['11506-3', 'Progress note', 'LN']));
  });

  it('maps preliminary notes, other charsets and unknown document types', () => {
    const d = doc();
    d.docStatus = 'preliminary';
    d.status = 'superseded';
    d.masterIdentifier = undefined;
    d.type = { coding: [{ system: 'http://loinc.org', code: '68608-9', display: 'Summary note' }] };
    d.content = [{ attachment: { contentType: 'text/plain; charset=ISO-8859-1', data: b64('Température normale', 'latin1') } }];
    const { f } = parse(buildNoteMessage(d, patient(), opts()));
    expect([f('TXA', 2), f('TXA', 12), f('TXA', 17), f('TXA', 19)]).toEqual(['68608-9', 'DOC-42', 'IP', 'OB']);
    expect([f('OBX', 5), f('OBX', 11), f('MSH', 18)]).toEqual(['Température normale', 'P', 'UNICODE UTF-8']);
  });

  it('sends a non-text attachment as one ED observation and skips attachments given only by URL', () => {
    const d = doc();
    const pdf = b64('%PDF-1.4 synthetic');
    d.content = [{ attachment: { contentType: 'application/pdf', url: 'Binary/b1' } }, { attachment: { contentType: 'application/pdf', data: pdf } }];
    const { ids, f } = parse(buildNoteMessage(d, patient(), opts()));
    expect(ids.filter((id) => id === 'OBX')).toHaveLength(1);
    expect([f('OBX', 2), f('OBX', 4), f('OBX', 5, 2), f('OBX', 5, 3), f('OBX', 5, 4), f('OBX', 5, 5), f('TXA', 3)]).toEqual(['ED', '2', 'AP', 'PDF', 'Base64', pdf, 'AP']);
  });

  it('refuses a document it cannot send, with a static message', () => {
    const problem = (d: DocumentReference, p: Patient | undefined = patient()) => {
      try {
        buildNoteMessage(d, p, opts());
      } catch (e) {
        expect(e).toBeInstanceOf(Hl7BuildError);
        expect((e as Error).message).not.toMatch(/Quillbrook|MRN-77|metformin/);
        return [(e as Hl7BuildError).problem, (e as Hl7BuildError).issues?.[0]?.path];
      }
      return undefined;
    };
    expect(problem({ ...doc(), type: undefined })).toEqual(['missing_document_type', 'DocumentReference.type']);
    expect(problem({ ...doc(), subject: undefined })).toEqual(['missing_subject', 'DocumentReference.subject']);
    expect(problem({ ...doc(), content: [{ attachment: { url: 'Binary/1', contentType: 'text/plain' } }] })).toEqual(['missing_document_content', 'DocumentReference.content.attachment.data']);
    expect(problem({ ...doc(), content: [{ attachment: { contentType: 'text/plain', data: 'not base64!' } }] })).toEqual(['invalid_attachment', 'DocumentReference.content[0].attachment.data']);
    expect(problem({ ...doc(), content: [{ attachment: { contentType: 'text/plain; charset=x-unknown', data: b64('x') } }] })).toEqual(['invalid_attachment', 'DocumentReference.content[0].attachment.contentType']);
    expect(problem(doc(), { ...patient(), id: 'other' })).toEqual(['patient_mismatch', 'DocumentReference.subject']);
  });
});
