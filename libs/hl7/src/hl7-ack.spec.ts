import { ackFallback, buildAck, errorCodeForParseError, Hl7ErrorCode } from './hl7-ack';
import type { AckCode } from './hl7-ack';
import { DEFAULT_DELIMITERS, parseHeader, readField, segments } from './hl7-message';
import type { Hl7Delimiters, ParsedHeader } from './hl7-message';

const NOW = new Date('2024-05-06T07:08:09Z');

function headerOrFail(message: string): ParsedHeader {
  const result = parseHeader(message);
  if (!result.ok) throw new Error(`parse failed: ${result.error.reason}`);
  return result.header;
}

/** Parses an ACK with our own parser, as a peer would. */
function readAck(ack: string): { header: ParsedHeader; segs: string[][]; d: Hl7Delimiters } {
  const header = headerOrFail(ack);
  return { header, segs: segments(ack), d: header.delimiters };
}

const ADT = [
  'MSH|^~\\&|SENDAPP^1.2.3^ISO|SENDFAC|RECVAPP|RECVFAC|20240102030405||ADT^A01^ADT_A01|CTRL\\F\\1|T|2.5.1|||AL|AL',
  'PID|1||123',
].join('\r');
const CUSTOM = 'MSH#$*!%#SAPP$X#SFAC#RAPP#RFAC#2024##ORU$R01$ORU_R01#C!S!7#D#2.3.1\rOBX#1#ST#A$B';

describe('buildAck', () => {
  it('acknowledges with swapped routing, echoed version and processing id, and MSA-2 = MSH-10', () => {
    const ack = buildAck(headerOrFail(ADT), { code: 'AA', controlId: 'ACK-1', now: NOW });
    expect(ack.split('\r')).toEqual([
      'MSH|^~\\&|RECVAPP|RECVFAC|SENDAPP^1.2.3^ISO|SENDFAC|20240506070809+0000||ACK^A01^ACK|ACK-1|T|2.5.1',
      'MSA|AA|CTRL\\F\\1',
      '',
    ]);
    const { header, segs, d } = readAck(ack);
    expect(header).toMatchObject({
      sendingApplication: 'RECVAPP',
      receivingApplication: 'SENDAPP',
      receivingFacility: 'SENDFAC',
      messageType: { code: 'ACK', trigger: 'A01', structure: 'ACK' },
      controlId: 'ACK-1',
      processingId: 'T',
      version: '2.5.1',
    });
    expect(readField(segs[1]!, { field: 2 }, d)).toBe('CTRL|1');
    expect(segs.map((s) => s[0])).toEqual(['MSH', 'MSA']);
  });

  it.each<[AckCode, boolean]>([
    ['AA', false],
    ['AE', true],
    ['AR', true],
    ['CA', false],
    ['CE', true],
    ['CR', true],
  ])('%s carries an ERR segment: %s', (code, hasErr) => {
    const ack = buildAck(headerOrFail(ADT), {
      code,
      controlId: 'A2',
      now: NOW,
      error: { code: Hl7ErrorCode.UnsupportedEventCode, text: 'Event not supported' },
    });
    const { segs, d } = readAck(ack);
    expect(readField(segs[1]!, { field: 1 }, d)).toBe(code);
    expect(readField(segs[1]!, { field: 2 }, d)).toBe('CTRL|1');
    const err = segs.find((s) => s[0] === 'ERR');
    expect(err !== undefined).toBe(hasErr);
    if (err) {
      expect(readField(err, { field: 3 }, d)).toBe('201');
      expect(readField(err, { field: 3, component: 2 }, d)).toBe('Unsupported event code');
      expect(readField(err, { field: 3, component: 3 }, d)).toBe('HL70357');
      expect(readField(err, { field: 4 }, d)).toBe('E');
      expect(readField(err, { field: 8 }, d)).toBe('Event not supported');
    }
  });

  it('defaults ERR to 207 severity E, and writes ERR-2 location', () => {
    const ack = buildAck(headerOrFail(ADT), {
      code: 'AR',
      controlId: 'A3',
      now: NOW,
      error: { code: Hl7ErrorCode.RequiredFieldMissing, location: { segment: 'PID', field: 3 }, severity: 'E' },
    });
    expect(ack.split('\r')[2]).toBe('ERR||PID^1^3^1|101^Required field missing^HL70357|E');
    const fallback = buildAck(headerOrFail(ADT), { code: 'AE', controlId: 'A4', now: NOW });
    expect(fallback.split('\r')[2]).toBe('ERR|||207^Application internal error^HL70357|E');
  });

  it('escapes ERR text so delimiters and line breaks cannot break the segment', () => {
    const text = 'bad | value ^ with ~ all & \\ kinds\rof\nbreaks';
    const ack = buildAck(headerOrFail(ADT), { code: 'AE', controlId: 'A5', now: NOW, error: { text } });
    const { segs, d } = readAck(ack);
    expect(segs.map((s) => s[0])).toEqual(['MSH', 'MSA', 'ERR']);
    expect(readField(segs[2]!, { field: 8 }, d)).toBe(text);
  });

  it('keeps the received non-standard delimiters', () => {
    const received = headerOrFail(CUSTOM);
    const ack = buildAck(received, { code: 'CE', controlId: 'X#1', now: NOW, error: { text: 'a#b$c' } });
    expect(ack.startsWith('MSH#$*!%#RAPP#RFAC#SAPP$X#SFAC#20240506070809+0000##ACK$R01$ACK#X!F!1#D#2.3.1\r')).toBe(true);
    const { header, segs, d } = readAck(ack);
    expect(d).toEqual(received.delimiters);
    expect(header.controlId).toBe('X#1');
    expect(readField(segs[1]!, { field: 1 }, d)).toBe('CE');
    expect(readField(segs[1]!, { field: 2 }, d)).toBe('C$7');
    expect(readField(segs[2]!, { field: 8 }, d)).toBe('a#b$c');
  });

  it('fills processing id and version when the sender left them out', () => {
    const ack = buildAck(headerOrFail('MSH|^~\\&|A|B|C|D|1||ZZZ|99'), { code: 'AR', controlId: '1', now: NOW });
    expect(readAck(ack).header).toMatchObject({ processingId: 'P', version: '2.5.1', messageType: { code: 'ACK', trigger: '' } });
  });
});

describe('ackFallback', () => {
  it('builds a minimal ACK with default delimiters and an empty MSA-2', () => {
    const ack = ackFallback('AR', 'Unreadable | header', { controlId: 'F1', now: NOW, errorCode: Hl7ErrorCode.SegmentSequenceError });
    expect(ack.split('\r')).toEqual([
      'MSH|^~\\&|||||20240506070809+0000||ACK|F1|P|2.5.1',
      'MSA|AR|',
      'ERR|||100^Segment sequence error^HL70357|E||||Unreadable \\F\\ header',
      '',
    ]);
    const { header, segs, d } = readAck(ack);
    expect(d).toEqual(DEFAULT_DELIMITERS);
    expect(readField(segs[1]!, { field: 2 }, d)).toBe('');
    expect(readField(segs[2]!, { field: 8 }, d)).toBe('Unreadable | header');
    expect(header.messageType.code).toBe('ACK');
  });

  it('echoes the received MSH-10 in MSA-2 when the caller could read it, escaped for the default delimiters', () => {
    const ack = ackFallback('AR', 'MSH-9 message type is missing', { controlId: 'F2', now: NOW, errorCode: Hl7ErrorCode.RequiredFieldMissing, receivedControlId: 'C|9^x' });
    expect(ack.split('\r')[1]).toBe('MSA|AR|C\\F\\9\\S\\x');
    const { segs, d } = readAck(ack);
    expect(readField(segs[1]!, { field: 2 }, d)).toBe('C|9^x');
  });

  it('generates a 20-character control id and omits ERR for accepts', () => {
    const ack = ackFallback('CA', 'ignored');
    const { header, segs } = readAck(ack);
    expect(header.controlId).toMatch(/^[0-9a-f]{20}$/);
    expect(segs.map((s) => s[0])).toEqual(['MSH', 'MSA']);
  });

  it('maps header parse errors to table 0357 codes', () => {
    const cases = ['', 'PID|1', 'MSH|^~\\|A', 'MSH|^~\\&|A|B|C|D|1||ADT^A01||P|2.5'].map((m) => {
      const result = parseHeader(m);
      return result.ok ? undefined : errorCodeForParseError(result.error);
    });
    expect(cases).toEqual(['100', '100', '102', '101']);
  });
});
