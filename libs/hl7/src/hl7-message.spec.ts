import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_DELIMITERS, decodeEscapes, encodeEscapes, parseHeader, readControlId, readField, segments } from './hl7-message';
import type { Hl7Delimiters, ParsedHeader } from './hl7-message';

/** The repo root (holds package.json and libs/), whose sibling `shared/` CI provides. */
function repoRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'libs'))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}
const CORPUS = resolve(repoRoot(), '..', 'shared/fixtures/hl7/fhir-converter/messages');

const ADT = [
  'MSH|^~\\&|SEND\\T\\APP^1.2.3^ISO|SFAC|RECV|RFAC|20240102030405+0100|SEC|ADT^A01^ADT_A01|CTRL-1|P^T|2.5.1^USA|||AL|NE||UNICODE UTF-8',
  'EVN|A01|20240102',
  'PID|1||123^^^HOSP^MR~456^^^SSA^SS||Doe^J\\S\\ane&Mary||19700101|F',
].join('\r');

function headerOrFail(message: Buffer | string): ParsedHeader {
  const result = parseHeader(message);
  if (!result.ok) throw new Error(`parse failed: ${result.error.code}/${result.error.reason}`);
  return result.header;
}

describe('parseHeader', () => {
  it('reads the MSH fields the gateway needs', () => {
    expect(headerOrFail(ADT)).toMatchObject({
      delimiters: DEFAULT_DELIMITERS,
      encodingCharacters: '^~\\&',
      sendingApplication: 'SEND&APP',
      sendingFacility: 'SFAC',
      receivingApplication: 'RECV',
      receivingFacility: 'RFAC',
      timestamp: '20240102030405+0100',
      messageType: { code: 'ADT', trigger: 'A01', structure: 'ADT_A01' },
      controlId: 'CTRL-1',
      processingId: 'P',
      version: '2.5.1',
      acceptAckType: 'AL',
      applicationAckType: 'NE',
      charset: 'UNICODE UTF-8',
      raw: { sendingApplication: 'SEND\\T\\APP^1.2.3^ISO', processingId: 'P^T', version: '2.5.1^USA' },
    });
  });

  it.each([
    ['CR', '\r'],
    ['LF', '\n'],
    ['CRLF', '\r\n'],
  ])('accepts %s segment separators', (_name, sep) => {
    const header = headerOrFail(ADT.split('\r').join(sep));
    expect(header.charset).toBe('UNICODE UTF-8');
    expect(segments(ADT.split('\r').join(sep)).map((s) => s[0])).toEqual(['MSH', 'EVN', 'PID']);
  });

  it('strips a UTF-8 BOM from a Buffer and from a string', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    expect(headerOrFail(Buffer.concat([bom, Buffer.from(ADT)])).controlId).toBe('CTRL-1');
    expect(headerOrFail(`\uFEFF${ADT}`).controlId).toBe('CTRL-1');
  });

  it('reads non-standard delimiters, including a v2.7 truncation character', () => {
    const header = headerOrFail('MSH#$*!%@#APP$X#FAC#R#RF#2024##ORU$R01$ORU_R01#C!F!1#D#2.8\rOBX#1');
    expect(header.delimiters).toEqual({ field: '#', component: '$', repetition: '*', escape: '!', subcomponent: '%', truncation: '@' });
    expect(header).toMatchObject({ sendingApplication: 'APP', controlId: 'C#1', processingId: 'D', version: '2.8' });
    expect(header.messageType).toEqual({ code: 'ORU', trigger: 'R01', structure: 'ORU_R01' });
  });

  it('leaves optional fields undefined and tolerates a v2.3 two-part message type', () => {
    const header = headerOrFail('MSH|^~\\&|A|B|C|D|2019||ADT^A04|1270326314|T|2.3');
    expect(header.messageType).toEqual({ code: 'ADT', trigger: 'A04', structure: '' });
    expect(header.acceptAckType).toBeUndefined();
    expect(header.charset).toBeUndefined();
  });

  it.each<[string, string | Buffer, 'not_hl7' | 'bad_header', string]>([
    ['empty frame', '', 'not_hl7', 'empty'],
    ['binary junk', Buffer.from([0x00, 0xff, 0x10]), 'not_hl7', 'no_msh'],
    ['a PID first', 'PID|1||123', 'not_hl7', 'no_msh'],
    ['a batch envelope', 'FHS|^~\\&|A\rBHS|^~\\&\rMSH|^~\\&', 'not_hl7', 'batch'],
    ['MSH alone', 'MSH', 'bad_header', 'bad_field_separator'],
    ['an alphanumeric field separator', 'MSHA^~\\&A', 'bad_header', 'bad_field_separator'],
    ['three encoding characters', 'MSH|^~\\|A|B|C|D|1||ADT^A01|1|P|2.5', 'bad_header', 'bad_encoding_characters'],
    ['duplicate encoding characters', 'MSH|^^\\&|A|B|C|D|1||ADT^A01|1|P|2.5', 'bad_header', 'bad_encoding_characters'],
    ['encoding characters repeating the field separator', 'MSH|^|\\&|A', 'bad_header', 'bad_encoding_characters'],
    ['no message type', 'MSH|^~\\&|A|B|C|D|1|||1|P|2.5', 'bad_header', 'missing_message_type'],
    ['no control id', 'MSH|^~\\&|A|B|C|D|1||ADT^A01||P|2.5', 'bad_header', 'missing_control_id'],
    ['a truncated MSH', 'MSH|^~\\&|A|B', 'bad_header', 'missing_message_type'],
  ])('rejects %s without echoing content', (_name, input, code, reason) => {
    const result = parseHeader(input);
    expect(result).toEqual({ ok: false, error: { code, reason } });
  });

  describe('readControlId (MSH-10 of a header parseHeader may refuse)', () => {
    it.each<[string, string | Buffer, string | undefined]>([
      ['a valid header', ADT, 'CTRL-1'],
      ['no MSH-9, escape-decoded with the declared delimiters', 'MSH|^~\\&|A|B|C|D|1|||C\\F\\9|P|2.5', 'C|9'],
      ['no MSH-9 and non-standard delimiters', 'MSH#$*!%#A#B#C#D#1###CTL$X#P#2.5', 'CTL'],
      ['an empty MSH-2: the field as received', 'MSH||A|B|C|D|1||ADT^A01|CTL-2|P|2.5', 'CTL-2'],
      ['invalid encoding characters', 'MSH|^~\\|A|B|C|D|1||ADT^A01|CTL-3|P|2.5', 'CTL-3'],
      ['an empty MSH-2 and no MSH-9, after a BOM and a blank line', '\uFEFF\r\nMSH||A|B|C|D|1|||CTL-4|P|2.5\rPID|1', 'CTL-4'],
      ['MSH-2 left out (every field shifted): no guess', 'MSH|A|B|C|D|1||ADT^A01|CTL-5|P|2.5', undefined],
      ['no MSH-10', 'MSH|^~\\&|A|B|C|D|1||ADT^A01||P|2.5', undefined],
      ['a blank MSH-10', 'MSH||A|B|C|D|1||ADT^A01|  |P|2.5', undefined],
      ['a truncated MSH', 'MSH|^~\\&|A|B', undefined],
      ['MSH-10 on the next line only', 'MSH||A|B|C|D|1|\rPID|1|2|3|4|5|6|7|8|CTL-6', undefined],
      ['a bad field separator', 'MSHA^~\\&A1A2', undefined],
      ['not HL7', 'PID|1||123', undefined],
      ['binary junk', Buffer.from([0x00, 0xff, 0x10]), undefined],
    ])('%s', (_name, input, expected) => {
      expect(readControlId(input)).toBe(expected);
    });
  });

  describe('real-world corpus (microsoft/FHIR-Converter samples, ../shared/fixtures)', () => {
    const present = existsSync(CORPUS);

    it('reports where the corpus is expected', () => {
      // Without ../shared this is the only corpus assertion: the path that was looked for.
      expect(CORPUS).toMatch(/shared[\\/]fixtures[\\/]hl7[\\/]fhir-converter[\\/]messages$/);
      if (!present) console.warn(`HL7 corpus not found at ${CORPUS}; corpus checks asserted nothing`);
    });

    it('parses every message with a message type and control id', () => {
      if (!present) return;
      const files = readdirSync(CORPUS).filter((f) => f.endsWith('.hl7'));
      expect(files).toHaveLength(139);
      const versions = new Set<string>();
      let withBom = 0;
      const failures: string[] = [];
      for (const file of files) {
        const bytes = readFileSync(join(CORPUS, file));
        if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) withBom += 1;
        const result = parseHeader(bytes);
        if (!result.ok) {
          failures.push(`${file}: ${result.error.reason}`);
          continue;
        }
        const { messageType, controlId, version } = result.header;
        if (!/^[A-Z0-9]{3}$/.test(messageType.code) || !/^[A-Z0-9]{3}$/.test(messageType.trigger) || controlId === '') {
          failures.push(`${file}: ${messageType.code}^${messageType.trigger} / ${controlId}`);
        }
        versions.add(version);
        expect(segments(bytes)[0]![0]).toBe('MSH');
      }
      expect(failures).toEqual([]);
      expect(withBom).toBe(27);
      expect([...versions].sort()).toEqual(['2.3', '2.3.1', '2.4', '2.5', '2.5.1', '2.6', '2.8']);
    });
  });
});

describe('segments and readField', () => {
  const segs = segments(ADT);
  const pid = segs[2]!;

  it('numbers fields like HL7, MSH included', () => {
    expect(segs[0]!.slice(0, 4)).toEqual(['MSH', '|', '^~\\&', 'SEND\\T\\APP^1.2.3^ISO']);
    expect(readField(segs[0]!, { field: 10 })).toBe('CTRL-1');
    expect(readField(segs[0]!, { field: 2 })).toBe('^~\\&');
    expect(readField(segs[0]!, { field: 9, component: 2 })).toBe('A01');
  });

  it('reads repetitions, components and subcomponents, then decodes escapes', () => {
    expect(readField(pid, { field: 3, repetition: 1, component: 4 })).toBe('SSA');
    expect(readField(pid, { field: 5, component: 2 })).toBe('J^ane');
    expect(readField(pid, { field: 5, component: 2, subcomponent: 2 })).toBe('Mary');
    expect(readField(pid, { field: 30 })).toBe('');
  });

  it('skips empty lines', () => {
    expect(segments('MSH|^~\\&|A\n\nPID|1\n').map((s) => s[0])).toEqual(['MSH', 'PID']);
  });
});

describe('escape sequences', () => {
  const custom: Hl7Delimiters = { field: '#', component: '$', repetition: '*', escape: '!', subcomponent: '%', truncation: '@' };

  it.each<[string, string, Hl7Delimiters, string]>([
    ['field', 'a\\F\\b', DEFAULT_DELIMITERS, 'a|b'],
    ['component', 'a\\S\\b', DEFAULT_DELIMITERS, 'a^b'],
    ['subcomponent', 'a\\T\\b', DEFAULT_DELIMITERS, 'a&b'],
    ['repetition', 'a\\R\\b', DEFAULT_DELIMITERS, 'a~b'],
    ['escape', 'a\\E\\b', DEFAULT_DELIMITERS, 'a\\b'],
    ['hex (CR LF)', 'line1\\X0D0A\\line2', DEFAULT_DELIMITERS, 'line1\r\nline2'],
    ['hex UTF-8', '\\XC3A9\\', DEFAULT_DELIMITERS, 'é'],
    ['hex that is not UTF-8 (Latin-1)', '\\XE9\\', DEFAULT_DELIMITERS, 'é'],
    ['several in a row', '\\F\\\\S\\\\E\\', DEFAULT_DELIMITERS, '|^\\'],
    ['formatting kept verbatim', 'a\\.br\\b\\H\\c', DEFAULT_DELIMITERS, 'a\\.br\\b\\H\\c'],
    ['odd hex kept verbatim', '\\XABC\\', DEFAULT_DELIMITERS, '\\XABC\\'],
    ['unterminated kept verbatim', 'a\\F', DEFAULT_DELIMITERS, 'a\\F'],
    ['truncation undeclared kept verbatim', '\\P\\', DEFAULT_DELIMITERS, '\\P\\'],
    ['custom delimiters', 'x!F!y!S!z!E!!P!', custom, 'x#y$z!@'],
  ])('decodes %s', (_name, input, delimiters, expected) => {
    expect(decodeEscapes(input, delimiters)).toBe(expected);
  });

  it.each([DEFAULT_DELIMITERS, custom])('round-trips through encodeEscapes', (delimiters) => {
    const text = 'a|b^c&d~e\\f#g$h*i!j%k@l\r\nm é';
    const encoded = encodeEscapes(text, delimiters);
    expect(encoded).not.toMatch(/[\r\n]/);
    for (const d of [delimiters.field, delimiters.component, delimiters.repetition, delimiters.subcomponent]) {
      expect(encoded.includes(d)).toBe(false);
    }
    expect(decodeEscapes(encoded, delimiters)).toBe(text);
  });
});
