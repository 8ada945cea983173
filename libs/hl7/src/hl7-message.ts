/**
 * The delimiters a message declares in MSH-1 and MSH-2 (HL7 v2.5.1 chapter 2, "Message delimiters",
 * https://www.hl7.org/implement/standards/product_brief.cfm?product_id=144).
 */
export interface Hl7Delimiters {
  readonly field: string;
  readonly component: string;
  readonly repetition: string;
  readonly escape: string;
  readonly subcomponent: string;
  /** The v2.7+ truncation character (fifth character of MSH-2), when declared. */
  readonly truncation?: string;
}

/** `|^~\&`: the delimiters HL7 recommends and that {@link ackFallback} uses. */
export const DEFAULT_DELIMITERS: Hl7Delimiters = Object.freeze({
  field: '|',
  component: '^',
  repetition: '~',
  escape: '\\',
  subcomponent: '&',
});

/** MSH-9 (HL7 v2.5.1 chapter 2, "MSH - message header segment", data type MSG). */
export interface Hl7MessageType {
  /** MSG.1, e.g. `ADT`. */
  readonly code: string;
  /** MSG.2, e.g. `A01`; empty when absent. */
  readonly trigger: string;
  /** MSG.3, e.g. `ADT_A01`; empty when absent (common before v2.3.1). */
  readonly structure: string;
}

/**
 * The MSH fields the gateway needs before it stores or acknowledges a message
 * (HL7 v2.5.1 chapter 2, "MSH - message header segment"). Values are escape-decoded
 * first components; `raw` keeps whole fields as received for echoing into the ACK.
 */
export interface ParsedHeader {
  readonly delimiters: Hl7Delimiters;
  /** MSH-2 exactly as received (4 or 5 characters). */
  readonly encodingCharacters: string;
  /** MSH-3.1 */
  readonly sendingApplication: string;
  /** MSH-4.1 */
  readonly sendingFacility: string;
  /** MSH-5.1 */
  readonly receivingApplication: string;
  /** MSH-6.1 */
  readonly receivingFacility: string;
  /** MSH-7.1, unparsed (`YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]`). */
  readonly timestamp: string;
  /** MSH-9 */
  readonly messageType: Hl7MessageType;
  /** MSH-10; never empty. */
  readonly controlId: string;
  /** MSH-11.1: `P`, `D` or `T` (empty when absent). */
  readonly processingId: string;
  /** MSH-12.1, e.g. `2.5.1` (empty when absent). */
  readonly version: string;
  /** MSH-15 (table 0155: AL, NE, ER, SU), when present. */
  readonly acceptAckType?: string;
  /** MSH-16 (table 0155), when present. */
  readonly applicationAckType?: string;
  /** MSH-18 first repetition, e.g. `UNICODE UTF-8`, when present. */
  readonly charset?: string;
  /** Whole fields as received, still escaped in `delimiters`. */
  readonly raw: {
    readonly sendingApplication: string;
    readonly sendingFacility: string;
    readonly receivingApplication: string;
    readonly receivingFacility: string;
    readonly processingId: string;
    readonly version: string;
  };
}

/** Why a header was rejected. Reason codes only: the message text never leaves the parser. */
export type Hl7HeaderProblem =
  | 'empty'
  | 'batch'
  | 'no_msh'
  | 'bad_field_separator'
  | 'bad_encoding_characters'
  | 'missing_message_type'
  | 'missing_control_id';

export interface Hl7ParseError {
  /** `not_hl7`: the frame does not start with MSH; `bad_header`: it does, but the MSH is unusable. */
  readonly code: 'not_hl7' | 'bad_header';
  readonly reason: Hl7HeaderProblem;
}

export type ParseHeaderResult =
  | { readonly ok: true; readonly header: ParsedHeader }
  | { readonly ok: false; readonly error: Hl7ParseError };

/** Position of a value inside a segment; repetition is 0-based, component and subcomponent 1-based like HL7 paths. */
export interface Hl7FieldRef {
  readonly field: number;
  readonly repetition?: number;
  readonly component?: number;
  readonly subcomponent?: number;
}

const SEGMENT_SEPARATOR = /\r\n|\r|\n/;
const BOM = '\uFEFF';
const ESCAPE_NAMES: Readonly<Record<string, keyof Hl7Delimiters>> = {
  F: 'field',
  S: 'component',
  T: 'subcomponent',
  R: 'repetition',
  E: 'escape',
  P: 'truncation',
};

/**
 * Decodes a frame as text: UTF-8 (a superset of the ASCII default) with a leading BOM
 * removed. Invalid bytes become U+FFFD rather than failing, so the header stays readable.
 */
export function messageText(message: Buffer | string): string {
  const text = typeof message === 'string' ? message : message.toString('utf8');
  return text.startsWith(BOM) ? text.slice(1) : text;
}

/**
 * Reads the MSH segment (HL7 v2.5.1 chapter 2, "MSH - message header segment") without parsing the rest of the
 * message. Accepts CR, LF or CRLF segment separators, a UTF-8 BOM and non-standard
 * delimiters; requires MSH-9.1 and MSH-10, the minimum needed to acknowledge. Never throws.
 */
export function parseHeader(message: Buffer | string): ParseHeaderResult {
  const text = messageText(message).replace(/^[\r\n]+/, '');
  if (text.length === 0) return fail('not_hl7', 'empty');
  if (!text.startsWith('MSH')) {
    return fail('not_hl7', text.startsWith('FHS') || text.startsWith('BHS') ? 'batch' : 'no_msh');
  }
  const lineEnd = text.search(SEGMENT_SEPARATOR);
  const mshLine = lineEnd === -1 ? text : text.slice(0, lineEnd);

  const field = mshLine.charAt(3);
  if (!isDelimiterChar(field)) return fail('bad_header', 'bad_field_separator');
  const fields = mshLine.split(field);
  // fields[0] is "MSH" and fields[1] is MSH-2, so MSH-n is fields[n - 1] for n ≥ 2.
  const encodingCharacters = fields[1] ?? '';
  const delimiters = parseEncodingCharacters(field, encodingCharacters);
  if (!delimiters) return fail('bad_header', 'bad_encoding_characters');

  const msh = (n: number): string => fields[n - 1] ?? '';
  const first = (n: number): string => readComponent(msh(n), delimiters, 0, 1, 1);
  const messageType: Hl7MessageType = {
    code: first(9),
    trigger: readComponent(msh(9), delimiters, 0, 2, 1),
    structure: readComponent(msh(9), delimiters, 0, 3, 1),
  };
  if (messageType.code.trim() === '') return fail('bad_header', 'missing_message_type');
  const controlId = first(10);
  if (controlId.trim() === '') return fail('bad_header', 'missing_control_id');

  const optional = (n: number): string | undefined => first(n) || undefined;
  return {
    ok: true,
    header: {
      delimiters,
      encodingCharacters,
      sendingApplication: first(3),
      sendingFacility: first(4),
      receivingApplication: first(5),
      receivingFacility: first(6),
      timestamp: first(7),
      messageType,
      controlId,
      processingId: first(11),
      version: first(12),
      acceptAckType: optional(15),
      applicationAckType: optional(16),
      charset: optional(18),
      raw: {
        sendingApplication: msh(3),
        sendingFacility: msh(4),
        receivingApplication: msh(5),
        receivingFacility: msh(6),
        processingId: msh(11),
        version: msh(12),
      },
    },
  };
}

/**
 * MSH-10 (message control id) of a message, read as far as the MSH allows, so that even a header
 * {@link parseHeader} refuses (no MSH-9, unusable MSH-2) can be acknowledged by name in MSA-2
 * (HL7 v2.5.1 chapter 2, "MSA-2 message control ID"). Needs MSH first and a usable field
 * separator. With valid encoding characters the value is escape-decoded like `parseHeader` does;
 * with an empty or invalid MSH-2 the field is taken as received (MSH-10 is an ST, so it has no
 * components), unless MSH-2 holds letters or digits: then MSH-2 was most likely left out and
 * every later field shifted, so no field can be trusted to be MSH-10. Undefined when empty or absent.
 */
export function readControlId(message: Buffer | string): string | undefined {
  const text = messageText(message).replace(/^[\r\n]+/, '');
  if (!text.startsWith('MSH')) return undefined;
  const lineEnd = text.search(SEGMENT_SEPARATOR);
  const mshLine = lineEnd === -1 ? text : text.slice(0, lineEnd);
  const field = mshLine.charAt(3);
  if (!isDelimiterChar(field)) return undefined;
  const fields = mshLine.split(field);
  const encodingCharacters = fields[1] ?? '';
  // MSH-10 is fields[9] (fields[1] is MSH-2).
  const raw = fields[9] ?? '';
  const delimiters = parseEncodingCharacters(field, encodingCharacters);
  let controlId: string;
  if (delimiters) controlId = readComponent(raw, delimiters, 0, 1, 1);
  else if ([...encodingCharacters].every(isDelimiterChar)) controlId = raw;
  else return undefined;
  return controlId.trim() === '' ? undefined : controlId;
}

/**
 * Splits a message into segments and fields, still escaped (decode leaf values with
 * {@link readField}: decoding a whole field first would turn `\S\` into a real component
 * separator). Indexes follow HL7 numbering: `seg[0]` is the segment id and `seg[n]` is
 * field n; for MSH, `seg[1]` is the field separator and `seg[2]` the encoding characters
 * (HL7 v2.5.1 chapter 2, "Message construction rules"). Empty lines are skipped.
 */
export function segments(message: Buffer | string): string[][] {
  const text = messageText(message);
  const parsed = parseHeader(text);
  const fieldSeparator = parsed.ok ? parsed.header.delimiters.field : DEFAULT_DELIMITERS.field;
  return text
    .split(SEGMENT_SEPARATOR)
    .filter((line) => line.length > 0)
    .map((line) => {
      const fields = line.split(fieldSeparator);
      if (fields[0] === 'MSH') fields.splice(1, 0, fieldSeparator);
      return fields;
    });
}

/**
 * One escape-decoded value of a segment from {@link segments}; empty when absent.
 * Defaults to the first repetition, component and subcomponent.
 */
export function readField(segment: readonly string[], ref: Hl7FieldRef, delimiters: Hl7Delimiters = DEFAULT_DELIMITERS): string {
  // MSH-1 and MSH-2 hold the delimiters themselves and are never split or decoded.
  if (segment[0] === 'MSH' && (ref.field === 1 || ref.field === 2)) return segment[ref.field] ?? '';
  return readComponent(segment[ref.field] ?? '', delimiters, ref.repetition ?? 0, ref.component ?? 1, ref.subcomponent ?? 1);
}

/**
 * Decodes HL7 escape sequences (HL7 v2.5.1 chapter 2, "Use of escape sequences in
 * text fields"): `\F\ \S\ \T\ \R\ \E\` (and `\P\` when a truncation character is declared)
 * become delimiters, `\Xhh…\` becomes the bytes it encodes (UTF-8 when valid, else Latin-1).
 * Formatting, highlighting and character-set sequences are kept verbatim, as is an
 * unterminated escape.
 */
export function decodeEscapes(text: string, delimiters: Hl7Delimiters = DEFAULT_DELIMITERS): string {
  const esc = delimiters.escape;
  if (!text.includes(esc)) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf(esc, i);
    if (open === -1) break;
    const close = text.indexOf(esc, open + 1);
    if (close === -1) break;
    out += text.slice(i, open);
    const body = text.slice(open + 1, close);
    out += decodeSequence(body, delimiters) ?? text.slice(open, close + 1);
    i = close + 1;
  }
  return out + text.slice(i);
}

/**
 * Escapes delimiters, CR and LF so `text` can be written as one leaf value
 * (HL7 v2.5.1 chapter 2, "Use of escape sequences in text fields"). The inverse of {@link decodeEscapes}.
 */
export function encodeEscapes(text: string, delimiters: Hl7Delimiters = DEFAULT_DELIMITERS): string {
  const names: [string | undefined, string][] = [
    [delimiters.escape, 'E'],
    [delimiters.field, 'F'],
    [delimiters.component, 'S'],
    [delimiters.subcomponent, 'T'],
    [delimiters.repetition, 'R'],
    [delimiters.truncation, 'P'],
    ['\r', 'X0D'],
    ['\n', 'X0A'],
  ];
  let out = '';
  for (const ch of text) {
    const name = names.find(([d]) => d === ch)?.[1];
    out += name === undefined ? ch : `${delimiters.escape}${name}${delimiters.escape}`;
  }
  return out;
}

function decodeSequence(body: string, delimiters: Hl7Delimiters): string | undefined {
  const name = ESCAPE_NAMES[body];
  if (name !== undefined) return delimiters[name];
  if (/^X(?:[0-9A-Fa-f]{2})+$/.test(body)) {
    const bytes = Buffer.from(body.slice(1), 'hex');
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return bytes.toString('latin1');
    }
  }
  return undefined;
}

function readComponent(
  fieldValue: string,
  delimiters: Hl7Delimiters,
  repetition: number,
  component: number,
  subcomponent: number,
): string {
  const rep = fieldValue.split(delimiters.repetition)[repetition] ?? '';
  const comp = rep.split(delimiters.component)[component - 1] ?? '';
  const sub = comp.split(delimiters.subcomponent)[subcomponent - 1] ?? '';
  return decodeEscapes(sub, delimiters);
}

function parseEncodingCharacters(field: string, chars: string): Hl7Delimiters | undefined {
  if (chars.length < 4 || chars.length > 5) return undefined;
  const all = [field, ...chars];
  if (new Set(all).size !== all.length || !all.every(isDelimiterChar)) return undefined;
  const [component, repetition, escape, subcomponent, truncation] = [...chars] as [string, string, string, string, string?];
  return { field, component, repetition, escape, subcomponent, ...(truncation ? { truncation } : {}) };
}

/** Delimiters must be printable, non-alphanumeric and not a separator HL7 already uses. */
function isDelimiterChar(ch: string): boolean {
  return ch.length === 1 && /^[\x21-\x7e]$/.test(ch) && !/^[A-Za-z0-9]$/.test(ch);
}

function fail(code: Hl7ParseError['code'], reason: Hl7HeaderProblem): ParseHeaderResult {
  return { ok: false, error: { code, reason } };
}
