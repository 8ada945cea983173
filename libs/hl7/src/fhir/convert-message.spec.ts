import { Hl7ErrorCode } from '../hl7-ack';
import { convertMessage, patientKeyOf, type ConversionOutcome } from './convert-message';
import { buildOru } from './testing/oru-with-obx';
import { hl7, msh, segment, SYNTHETIC_PID, syntheticPv1 } from './testing/synthetic-messages';

const CTX = { idNamespace: 'conn-errors' };
const convert = (raw: string): ConversionOutcome => convertMessage(raw, {}, CTX);
const errorOf = (raw: string) => {
  const outcome = convert(raw);
  if (outcome.ok) throw new Error('expected the conversion to fail');
  return outcome.error;
};

describe('convertMessage errors', () => {
  it.each(['2.2', '2.9', '3.0', ''])('203 for MSH-12 %j', (version) => {
    const raw = hl7(msh('ADT^A01^ADT_A01', { version }), SYNTHETIC_PID, syntheticPv1());
    expect(errorOf(raw)).toEqual({ code: Hl7ErrorCode.UnsupportedVersionId, reason: 'unsupported HL7 version', location: { segment: 'MSH', sequence: 1, field: 12 } });
  });

  it.each(['2.3', '2.3.1', '2.4', '2.5', '2.5.1', '2.6', '2.7', '2.7.1', '2.8'])('accepts version %s', (version) => {
    expect(convert(hl7(msh('ADT^A01^ADT_A01', { version }), SYNTHETIC_PID, syntheticPv1())).ok).toBe(true);
  });

  it.each(['ADT^A05^ADT_A05', 'ORM^O01^ORM_O01', 'ORU^R30', 'MDM^T01', 'SIU^S16', 'ACK^A01'])('200 for %s', (type) => {
    expect(errorOf(hl7(msh(type), SYNTHETIC_PID))).toEqual({
      code: Hl7ErrorCode.UnsupportedMessageType,
      reason: 'unsupported message type or trigger event',
      location: { segment: 'MSH', sequence: 1, field: 9 },
    });
  });

  it('102 when a field decodes to U+0000, which nothing downstream can store', () => {
    const pid = SYNTHETIC_PID.replace(/\|([A-Za-z]+)\^/, '|$1\\X00\\^');
    expect(pid).not.toBe(SYNTHETIC_PID);
    expect(errorOf(hl7(msh('ADT^A01^ADT_A01'), pid, syntheticPv1()))).toEqual({ code: Hl7ErrorCode.DataTypeError, reason: 'a field decodes to U+0000 or an unpaired surrogate' });
  });

  it('reads the trigger from EVN-1 when a pre-2.3.1 sender leaves it out of MSH-9', () => {
    const outcome = convert(hl7(msh('ADT', { version: '2.3' }), 'EVN|A04|20240101', SYNTHETIC_PID));
    expect(outcome.ok && outcome.value.messageType).toBe('ADT^A04');
  });

  it('101 with the location of the missing segment or field', () => {
    expect(errorOf(hl7(msh('ADT^A01'), syntheticPv1()))).toEqual({ code: '101', reason: 'required segment PID is missing', location: { segment: 'PID' } });
    expect(errorOf(hl7(msh('ADT^A01'), SYNTHETIC_PID))).toEqual({ code: '101', reason: 'required segment PV1 is missing', location: { segment: 'PV1' } });
    expect(errorOf(hl7(msh('ORU^R01'), SYNTHETIC_PID, 'OBX|1|NM|1-1^x^LN||1'))).toEqual({ code: '101', reason: 'required segment OBR is missing', location: { segment: 'OBR' } });
    expect(errorOf(hl7(msh('ADT^A08'), 'PID|1||||Nobody^Noname'))).toEqual({ code: '101', reason: 'patient identifier is missing', location: { segment: 'PID', sequence: 1, field: 3 } });
    expect(errorOf(hl7(msh('ORU^R01'), SYNTHETIC_PID, 'OBR|1|||^no code'))).toEqual({
      code: '101',
      reason: 'filler or placer order number is missing',
      location: { segment: 'OBR', sequence: 1, field: 3 },
    });
    expect(errorOf(hl7(msh('ADT^A40'), SYNTHETIC_PID))).toEqual({ code: '101', reason: 'required segment MRG is missing', location: { segment: 'MRG', sequence: 1 } });
  });

  it('102 with segment, sequence and field for a malformed date/time the mapping needs', () => {
    expect(errorOf(hl7(msh('ADT^A01'), SYNTHETIC_PID.replace('19800229', '19810229'), syntheticPv1()))).toEqual({
      code: '102',
      reason: 'malformed date/time',
      location: { segment: 'PID', sequence: 1, field: 7 },
    });
    expect(errorOf(hl7(msh('ADT^A03'), SYNTHETIC_PID, syntheticPv1({ 45: '2024-03-12' })))).toEqual({
      code: '102',
      reason: 'malformed date/time',
      location: { segment: 'PV1', sequence: 1, field: 45 },
    });
    const oru = hl7(msh('ORU^R01'), SYNTHETIC_PID, 'OBR|1||F-1|1-1^x^LN|||20240105', 'OBR|2||F-2|1-2^y^LN|||yesterday');
    expect(errorOf(oru)).toEqual({ code: '102', reason: 'malformed date/time', location: { segment: 'OBR', sequence: 2, field: 7 } });
    const siu = hl7(msh('SIU^S12'), segment('SCH', { 2: 'A-1' }), 'TQ1|||||||2024010199', SYNTHETIC_PID);
    expect(errorOf(siu)).toEqual({ code: '102', reason: 'malformed date/time', location: { segment: 'TQ1', sequence: 1, field: 7 } });
    const obx = hl7(msh('ORU^R01'), SYNTHETIC_PID, 'OBR|1||F-1|1-1^x^LN', segment('OBX', { 1: '1', 2: 'NM', 3: '1-1^x^LN', 5: '5', 11: 'F', 14: '202401051' }));
    expect(errorOf(obx)).toEqual({ code: '102', reason: 'malformed date/time', location: { segment: 'OBX', sequence: 1, field: 14 } });
  });

  it('100 for a message about more than one patient, or that is not HL7', () => {
    const twoPatients = hl7(msh('ORU^R01'), SYNTHETIC_PID, 'OBR|1||F-1|1-1^x^LN', SYNTHETIC_PID.replace('100001', '100002'), 'OBR|2||F-2|1-1^x^LN');
    expect(errorOf(twoPatients)).toEqual({ code: '100', reason: 'messages about more than one patient are not supported', location: { segment: 'PID', sequence: 2 } });
    expect(errorOf('PID|1||123')).toEqual({ code: '100', reason: 'message header is not valid HL7 v2', location: { segment: 'MSH', sequence: 1 } });
    expect(errorOf('')).toMatchObject({ code: '100' });
  });

  it('reasons are static: no value of the message ever appears in an error', () => {
    const secret = 'Zzyzx-Secret';
    const messages = [
      hl7(msh('ADT^A01'), `PID|1||${secret}^^^H^MR||${secret}^${secret}||${secret}`, syntheticPv1()),
      hl7(msh(`ADT^${secret}`), SYNTHETIC_PID),
      hl7(msh('ADT^A01', { version: secret }), SYNTHETIC_PID),
      hl7(msh('ORU^R01'), `PID|1||${secret}^^^H^MR`, `OBR|1||${secret}|x|||${secret}`),
    ];
    for (const raw of messages) {
      const outcome = convert(raw);
      expect(outcome.ok).toBe(false);
      expect(JSON.stringify(outcome)).not.toContain(secret);
    }
  });

  it('never throws, whatever the input', () => {
    const inputs = [
      '\u0000\u0001',
      'MSH|^~\\&',
      'MSH|^~\\&|||||||ADT^A01|1|P|2.5.1\rPID|1||^^^^MR',
      'MSH|^~\\&|||||||ORU^R01|1|P|2.5.1\rPID|1||1^^^A^MR\rOBR|1||F-1\rOBX|1|ED|x||^^^Base64^%%%',
      buildOru(3).replace(/\r/g, '\r\r\n'),
      `MSH|^~\\&|||||||ADT^A01|1|P|2.5.1\r${'PID|'.repeat(5000)}`,
    ];
    for (const raw of inputs) expect(() => convert(raw)).not.toThrow();
    expect(errorOf(inputs[3])).toEqual({ code: '102', reason: 'malformed base64 data', location: { segment: 'OBX', sequence: 1, field: 5, component: 5 } });
  });
});

describe('patientKeyOf', () => {
  it('gives the key convertMessage gives, for every message family, and null without a patient', () => {
    const messages = [
      hl7(msh('ADT^A01'), SYNTHETIC_PID, syntheticPv1()),
      buildOru(2, { mrn: 'K-1' }),
      hl7(msh('SIU^S12'), segment('SCH', { 2: 'A-1' }), SYNTHETIC_PID, 'AIL|1||ROOM'),
      hl7(msh('VXU^V04'), SYNTHETIC_PID, 'RXA|0|1|20240101||03^MMR^CVX'),
    ];
    for (const raw of messages) {
      const outcome = convert(raw);
      expect(outcome.ok && outcome.value.patientKey).toBe(patientKeyOf(raw, {}));
    }
    expect(patientKeyOf(buildOru(1, { mrn: 'K-1' }), {})).toBe('urn:switchboard:hl7:SYNLAB|K-1');
    const noPatient = hl7(msh('SIU^S12'), segment('SCH', { 2: 'A-1' }), 'AIL|1||ROOM');
    expect(patientKeyOf(noPatient, {})).toBeNull();
    expect(convert(noPatient)).toMatchObject({ ok: true, value: { patientKey: null } });
    expect(patientKeyOf('not hl7', {})).toBeNull();
  });
});
