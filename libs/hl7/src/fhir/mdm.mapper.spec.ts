import type { DocumentReference } from '@medplum/fhirtypes';
import { convertMessage } from './convert-message';
import { convertOrFail, onlyResource } from './testing/convert-or-fail';
import { hl7, msh, segment, SYNTHETIC_PID, syntheticPv1 } from './testing/synthetic-messages';

const TXA = segment('TXA', {
  1: '1',
  2: 'DS^Discharge summary^HL70270',
  3: 'TX',
  4: '20240312100000',
  5: '1234^Author^Avery^^^Dr',
  6: '20240312093000',
  12: 'DOC-5001^SYNHOSP',
  17: 'AU',
});
const mdm = (...rest: string[]): string => hl7(msh('MDM^T02^MDM_T02'), 'EVN|T02|20240312100000', SYNTHETIC_PID, syntheticPv1(), TXA, ...rest);
const text = (d: DocumentReference, i = 0): string => Buffer.from(d.content[i].attachment.data ?? '', 'base64').toString('utf8');

describe('MDM^T02 → DocumentReference', () => {
  it('maps TXA and the OBX text to a current DocumentReference with a text/plain attachment', () => {
    const c = convertOrFail(mdm('OBX|1|TX|DS^Discharge summary^HL70270||Patient admitted for observation.~Discharged in good condition.||||||F', 'OBX|2|TX|DS||Follow up in 2 weeks.||||||F'));
    const document = onlyResource<DocumentReference>(c, 'DocumentReference');
    expect(document).toMatchObject({
      status: 'current',
      docStatus: 'final',
      masterIdentifier: { system: 'urn:switchboard:hl7:SYNHOSP', value: 'DOC-5001' },
      type: {
        coding: [
          { system: 'http://loinc.org', code: '18842-5', display: 'Discharge summary' },
          { system: 'http://terminology.hl7.org/CodeSystem/v2-0270', code: 'DS', display: 'Discharge summary' },
        ],
      },
      category: [{ coding: [{ code: 'clinical-note' }] }],
      subject: { reference: `Patient/${c.resources[0].id}` },
      date: '2024-03-12T09:30:00+00:00',
      author: [{ display: 'Dr Avery Author' }],
      context: { encounter: [{ reference: expect.stringMatching(/^Encounter\//) }], period: { start: '2024-03-12T10:00:00+00:00' } },
    });
    expect(document.content[0].attachment.contentType).toBe('text/plain');
    expect(text(document)).toBe('Patient admitted for observation.\nDischarged in good condition.\nFollow up in 2 weeks.');
    expect(c.events).toEqual([{ type: 'document.created', resourceType: 'DocumentReference', resourceId: document.id }]);
  });

  it('keeps a LOINC TXA-2 as sent, and adds ED documents as their own attachment', () => {
    const loinc = TXA.replace('DS^Discharge summary^HL70270', '11506-3^Progress note^LN');
    const c = convertOrFail(
      hl7(msh('MDM^T02^MDM_T02'), SYNTHETIC_PID, loinc, 'OBX|1|ST|||Short note||||||F', 'OBX|2|ED|||^application^pdf^Base64^JVBERi0xLjQK||||||F'),
    );
    const document = onlyResource<DocumentReference>(c, 'DocumentReference');
    expect(document.type).toEqual({ coding: [{ system: 'http://loinc.org', code: '11506-3', display: 'Progress note' }] });
    expect(document.content.map((x) => x.attachment.contentType)).toEqual(['text/plain', 'application/pdf']);
    expect(document.content[1].attachment.data).toBe('JVBERi0xLjQK');
  });

  it('gives a document the same id when it is sent again', () => {
    const a = convertOrFail(mdm('OBX|1|TX|||v1||||||F'));
    const b = convertOrFail(mdm('OBX|1|TX|||v2||||||F'));
    expect(onlyResource<DocumentReference>(b, 'DocumentReference').id).toBe(onlyResource<DocumentReference>(a, 'DocumentReference').id);
  });

  it('needs TXA (101), a unique document number (101 at TXA-12) and content (101 at OBX-5)', () => {
    const ctx = { idNamespace: 'c' };
    expect(convertMessage(hl7(msh('MDM^T02'), SYNTHETIC_PID, 'OBX|1|TX|||text'), {}, ctx)).toMatchObject({ ok: false, error: { code: '101', location: { segment: 'TXA' } } });
    expect(convertMessage(hl7(msh('MDM^T02'), SYNTHETIC_PID, 'TXA|1|DS|TX', 'OBX|1|TX|||text'), {}, ctx)).toMatchObject({
      ok: false,
      error: { code: '101', location: { segment: 'TXA', sequence: 1, field: 12 } },
    });
    expect(convertMessage(mdm('OBX|1|TX|||'), {}, ctx)).toMatchObject({ ok: false, error: { code: '101', location: { segment: 'OBX', sequence: 1, field: 5 } } });
  });
});
