import { buildAck } from '../hl7-ack';
import { parseHeader } from '../hl7-message';
import { parseAckResult } from './ack-result';
import { negativeAckError } from './send-with-retry';

const adt = 'MSH|^~\\&|APP|FAC|GW|GWF|20261120101500||ADT^A01^ADT_A01|CTRL-1|P|2.5.1\rEVN|A01|20261120101500\r';
const header = () => {
  const parsed = parseHeader(adt);
  if (!parsed.ok) throw new Error('fixture');
  return parsed.header;
};

describe('parseAckResult', () => {
  it('reads an AA', () => {
    const raw = buildAck(header(), { code: 'AA', controlId: 'A1' });
    expect(parseAckResult(raw)).toEqual({ code: 'AA', controlId: 'CTRL-1', errors: [], raw });
  });

  it('reads a v2.5 ERR segment: code, user message and location', () => {
    const raw = buildAck(header(), {
      code: 'AE',
      controlId: 'A2',
      error: { code: '101', text: 'Patient identifier missing', location: { segment: 'PID', field: 3, component: 1 } },
    });
    expect(parseAckResult(raw)).toMatchObject({ code: 'AE', errors: [{ code: '101', text: 'Patient identifier missing', location: 'PID-3.1' }] });
  });

  it('falls back to the table text when ERR-8 is empty, and decodes escapes', () => {
    const raw = 'MSH|^~\\&|GW|GWF|APP|FAC|20261120||ACK|A3|P|2.5.1\rMSA|AR|CTRL-1\rERR||PID^1^3|207^Internal \\T\\ error^HL70357|E\r';
    expect(parseAckResult(raw)?.errors).toEqual([{ code: '207', text: 'Internal & error', location: 'PID-3' }]);
  });

  it('reads the pre-2.5 ERR-1 layout and the MSA-3 text', () => {
    const raw = 'MSH|^~\\&|GW|GWF|APP|FAC|20261120||ACK|A4|P|2.3\rMSA|AE|CTRL-1|Unknown patient\rERR|PID^1^3^204&Unknown key identifier&HL70357\r';
    expect(parseAckResult(raw)?.errors).toEqual([{ code: '204', text: 'Unknown key identifier', location: 'PID-3' }, { text: 'Unknown patient' }]);
  });

  it('reads an ACK written with other delimiters', () => {
    const raw = 'MSH#*~\\&#GW#GWF#APP#FAC#20261120##ACK#A5#P#2.5.1\rMSA#CE#CTRL*1#Busy\r';
    expect(parseAckResult(raw)).toMatchObject({ code: 'CE', controlId: 'CTRL', errors: [{ text: 'Busy' }] });
  });

  it('refuses frames that are not acknowledgments', () => {
    expect(parseAckResult('hello')).toBeUndefined();
    expect(parseAckResult(adt)).toBeUndefined();
    expect(parseAckResult('MSH|^~\\&|GW|GWF|APP|FAC|20261120||ACK|A6|P|2.5.1\rMSA|ZZ|CTRL-1\r')).toBeUndefined();
  });
});

describe('negativeAckError', () => {
  it('carries codes and the site text, never the message', () => {
    const raw = buildAck(header(), { code: 'AR', controlId: 'A7', error: { code: '204', text: 'Unknown sender' } });
    const error = negativeAckError(parseAckResult(raw)!);
    expect(error).toMatchObject({ name: 'Hl7NegativeAckError', ackCode: 'AR', controlId: 'CTRL-1', errorCode: '204', text: 'Unknown sender', code: 'vendor_error' });
    expect(error.message).toBe('HL7 receiver refused the message');
  });
});
