import { Hl7ErrorCode } from './hl7-ack';
import { parseHeader } from './hl7-message';
import { isValidDtm, problemForParseError, SUPPORTED_MESSAGE_TYPES, validateMessage } from './validate-message';

const msh = (over: { type?: string; version?: string; time?: string; charset?: string; control?: string } = {}): string =>
  `MSH|^~\\&|APP|FAC|SB|GW|${over.time ?? '20261120101500'}||${over.type ?? 'ADT^A01^ADT_A01'}|${over.control ?? 'C1'}|P|${over.version ?? '2.5.1'}${
    over.charset !== undefined ? `||||||${over.charset}` : ''
  }`;
const PID = 'PID|1||MRN1^^^HOSP^MR||Synthetic^Person||19700101|U';
const msg = (...segs: string[]): string => segs.join('\r');
const adt = (...extra: string[]): string => msg(msh(), 'EVN|A01|20261120101500', PID, ...extra);

describe('validateMessage', () => {
  it('accepts a well-formed message of every supported type', () => {
    const body: Record<string, string[]> = {
      ADT: [PID, 'MRG|OLD^^^HOSP^MR'],
      ORU: [PID, 'OBR|1||F1|GLU', 'OBX|1|NM|GLU||5.5'],
      SIU: ['SCH|A1', PID],
      MDM: ['EVN|T02', PID, 'TXA|1|CN'],
      VXU: [PID, 'ORC|RE', 'RXA|0|1|20261120'],
    };
    for (const [code, triggers] of Object.entries(SUPPORTED_MESSAGE_TYPES)) {
      for (const trigger of triggers) {
        expect(validateMessage(msg(msh({ type: `${code}^${trigger}` }), ...body[code]!))).toBeUndefined();
      }
    }
  });

  it('accepts CRLF and LF separators, a trailing newline, formatted text and hex escapes, and every supported version', () => {
    expect(validateMessage(`${msh()}\r\n${PID}\r\nNTE|1||a\\.br\\b\\H\\bold\\N\\ \\.sp 2\\\\.in+4\\\\F\\\\S\\\\T\\\\R\\\\E\\\\X0D0A\\\\C2842\\\\M248421\\\\Zlocal\\\r\n`)).toBeUndefined();
    expect(validateMessage(`${msh()}\n${PID}\n`)).toBeUndefined();
    for (const version of ['2.3', '2.3.1', '2.4', '2.5', '2.5.1', '2.6', '2.7', '2.7.1', '2.8']) expect(validateMessage(msg(msh({ version }), PID))).toBeUndefined();
  });

  it('accepts the supported character sets, and UTF-8 text that MSH-18 declares', () => {
    for (const charset of ['ASCII', '8859/1', '8859/15', 'UNICODE UTF-8', 'UNICODE', 'unicode utf-8', '']) {
      expect(validateMessage(Buffer.from(msg(msh({ charset }), PID.replace('Person', 'Zoë')), 'utf8'))).toBeUndefined();
    }
  });

  describe('100 segment sequence error', () => {
    it.each([
      ['a segment id that is not 3 capitals or digits', adt('Pv1|1|I'), 4],
      ['a segment id of two characters', adt('PV|1'), 4],
      ['a field glued to the id', adt('NTE1|x'), 4],
      ['text split off a field by a bare line break', msg(msh(), PID, 'NTE|1||first line', 'SMITH^JOHN continued'), 4],
    ])('%s, located by line position without echoing it', (_, message, position) => {
      expect(validateMessage(message)).toEqual({ code: Hl7ErrorCode.SegmentSequenceError, reason: expect.any(String), location: { segment: '', sequence: position } });
    });

    it('a second MSH (two messages in one frame)', () => {
      expect(validateMessage(msg(msh(), PID, msh(), PID))).toMatchObject({ code: '100', location: { segment: 'MSH', sequence: 2 } });
    });

    it('MSH not first, batches and empty frames', () => {
      expect(validateMessage(msg('EVN|A01', msh(), PID))).toMatchObject({ code: '100', location: { segment: 'MSH', sequence: 1 } });
      expect(validateMessage('BHS|^~\\&|APP')).toMatchObject({ code: '100', reason: 'Batch messages are not accepted' });
      expect(validateMessage('')).toMatchObject({ code: '100' });
    });
  });

  describe('101 required field missing', () => {
    it('MSH-9, MSH-10 and MSH-12', () => {
      expect(validateMessage(msg(msh({ type: '' }), PID))).toEqual({ code: '101', reason: expect.any(String), location: { segment: 'MSH', sequence: 1, field: 9, component: 1 } });
      expect(validateMessage(msg(msh({ control: '' }), PID))).toEqual({ code: '101', reason: expect.any(String), location: { segment: 'MSH', sequence: 1, field: 10 } });
      expect(validateMessage(msg(msh({ version: '' }), PID))).toEqual({ code: '101', reason: expect.any(String), location: { segment: 'MSH', sequence: 1, field: 12 } });
      expect(validateMessage(msg(msh({ type: 'ADT' }), PID))).toEqual({ code: '101', reason: expect.any(String), location: { segment: 'MSH', sequence: 1, field: 9, component: 2 } });
    });

    it.each([
      ['ADT^A01', 'PID', []],
      ['ADT^A40', 'MRG', [PID]],
      ['ORU^R01', 'PID', ['OBR|1']],
      ['ORU^R01', 'OBR', [PID, 'OBX|1|NM']],
      ['SIU^S12', 'SCH', [PID]],
      ['MDM^T02', 'TXA', [PID]],
      ['VXU^V04', 'RXA', [PID, 'ORC|RE']],
    ])('%s without %s → that segment is reported', (type, missing, segs) => {
      expect(validateMessage(msg(msh({ type }), ...segs))).toEqual({ code: '101', reason: 'Required segment is missing', location: { segment: missing, sequence: 1 } });
    });
  });

  describe('102 data type error', () => {
    it.each([
      ['an unknown escape', 'NTE|1||fine^C:\\temp\\x', { field: 3, component: 2 }],
      ['an unterminated escape', 'NTE|1||fine~ok^end\\F', { field: 3, repetition: 2, component: 2 }],
      ['an empty escape', 'NTE|1|\\\\', { field: 2, component: 1 }],
      ['an odd-length hex escape', 'NTE|1||\\X0\\', { field: 3, component: 1 }],
      ['a delimiter inside an escape', 'NTE|1||\\F^S\\', { field: 3, component: 1 }],
    ])('%s, located to the field, repetition and component', (_, nte, where) => {
      expect(validateMessage(adt('NTE|0', nte))).toEqual({ code: '102', reason: expect.any(String), location: { segment: 'NTE', sequence: 2, ...where } });
    });

    it('an invalid escape in MSH is located with MSH numbering', () => {
      expect(validateMessage(msg(msh().replace('|APP|', '|A\\Q\\P|'), PID))).toMatchObject({ code: '102', location: { segment: 'MSH', sequence: 1, field: 3, component: 1 } });
    });

    it.each(['2026', '202611', '20261120', '2026112010', '202611201015', '20261120101500.1234', '20261120101500-0500', '20240229', '2026112010+0100'])('MSH-7 %s is a valid DTM', (time) => {
      expect(isValidDtm(time)).toBe(true);
      expect(validateMessage(msg(msh({ time }), PID))).toBeUndefined();
    });

    it.each(['2026-11-20', '20261320', '20250229', '20261120250000', '20261120106000', '2026112010150', '20261120101500+2500', 'yesterday', '20261120101500.12345'])(
      'MSH-7 %s is not',
      (time) => {
        expect(isValidDtm(time)).toBe(false);
        expect(validateMessage(msg(msh({ time }), PID))).toEqual({ code: '102', reason: expect.any(String), location: { segment: 'MSH', sequence: 1, field: 7 } });
      },
    );

    it('an unknown MSH-18 character set', () => {
      expect(validateMessage(msg(msh({ charset: 'EBCDIC' }), PID))).toEqual({ code: '102', reason: expect.any(String), location: { segment: 'MSH', sequence: 1, field: 18 } });
      expect(validateMessage(msg(msh({ charset: 'UNICODE UTF-16' }), PID))).toMatchObject({ code: '102' });
    });

    it('bytes that are not UTF-8 when MSH-18 says UTF-8, located to the segment and field', () => {
      const latin1 = Buffer.from(msg(msh({ charset: 'UNICODE UTF-8' }), 'EVN|A01', PID.replace('Person', 'Zoë')), 'latin1');
      expect(validateMessage(latin1)).toEqual({ code: '102', reason: expect.any(String), location: { segment: 'PID', sequence: 1, field: 5 } });
      // The same bytes under a Latin-1 declaration are fine.
      expect(validateMessage(Buffer.from(msg(msh({ charset: '8859/1' }), PID.replace('Person', 'Zoë')), 'latin1'))).toBeUndefined();
    });

    it('a NUL character', () => {
      expect(validateMessage(adt('NTE|1||a\0b'))).toEqual({ code: '102', reason: expect.any(String), location: { segment: 'NTE', sequence: 1, field: 3 } });
    });

    it('a hex escape decoding to NUL, wherever its 00 byte sits; other hex escapes pass', () => {
      for (const escape of ['\\X00\\', '\\X0000\\', '\\X4100\\']) {
        expect(validateMessage(adt(`NTE|1||a~b^${escape}`))).toEqual({
          code: '102',
          reason: 'Escape sequence decodes to a NUL character',
          location: { segment: 'NTE', sequence: 1, field: 3, repetition: 2, component: 2 },
        });
      }
      expect(validateMessage(adt('NTE|1||\\X0A\\\\XC3A9\\\\X100A\\'))).toBeUndefined();
    });

    it('bad MSH-1 and MSH-2', () => {
      expect(validateMessage('MSHA^~\\&|x')).toMatchObject({ code: '102', location: { segment: 'MSH', field: 1 } });
      expect(validateMessage('MSH|^~|x')).toMatchObject({ code: '102', location: { segment: 'MSH', field: 2 } });
    });
  });

  it('200 unsupported message type and 201 unsupported trigger', () => {
    expect(validateMessage(msg(msh({ type: 'ORM^O01' }), PID))).toEqual({ code: '200', reason: expect.any(String), location: { segment: 'MSH', sequence: 1, field: 9, component: 1 } });
    expect(validateMessage(msg(msh({ type: 'ACK' }), 'MSA|AA|X'))).toMatchObject({ code: '200' });
    expect(validateMessage(msg(msh({ type: 'ADT^A99' }), PID))).toEqual({ code: '201', reason: expect.any(String), location: { segment: 'MSH', sequence: 1, field: 9, component: 2 } });
  });

  it('203 unsupported version id', () => {
    for (const version of ['2.2', '2.1', '3.0', '2.9', 'x']) {
      expect(validateMessage(msg(msh({ version }), PID))).toEqual({ code: '203', reason: expect.any(String), location: { segment: 'MSH', sequence: 1, field: 12 } });
    }
  });

  it('reports the first problem: version before type before structure before segments', () => {
    expect(validateMessage(msg(msh({ version: '2.1', type: 'ZZZ^Z01', time: 'bad' }), 'bad line'))).toMatchObject({ code: '203' });
    expect(validateMessage(msg(msh({ type: 'ZZZ^Z01', time: 'bad' }), 'bad line'))).toMatchObject({ code: '200' });
    expect(validateMessage(msg(msh({ time: 'bad' }), 'bad line'))).toMatchObject({ code: '102' });
    expect(validateMessage(msg(msh(), 'bad line'))).toMatchObject({ code: '100' });
  });

  it('uses the header it is given instead of parsing again', () => {
    const text = msg(msh({ type: 'ORU^R01' }), PID, 'OBR|1');
    const parsed = parseHeader(text);
    if (!parsed.ok) throw new Error('unparsed');
    expect(validateMessage(text, parsed.header)).toBeUndefined();
  });

  it('never puts message content in a reason', () => {
    const secret = 'SECRETNAME';
    const problems = [
      validateMessage(adt(`${secret}|x`)),
      validateMessage(adt(`NTE|1||${secret}\\Q\\`)),
      validateMessage(msg(msh({ type: `${secret}^A01` }), PID)),
      problemForParseError({ code: 'bad_header', reason: 'missing_control_id' }),
    ];
    for (const p of problems) expect(JSON.stringify(p)).not.toContain(secret.slice(0, 3));
  });
});
