import { isUtf8 } from 'node:buffer';
import { errorCodeForParseError, Hl7ErrorCode, type Hl7ErrorLocation } from './hl7-ack';
import { messageText, parseHeader, type Hl7Delimiters, type Hl7ParseError, type ParsedHeader } from './hl7-message';

/**
 * Message types the gateway accepts at receipt, by MSH-9.1 → MSH-9.2 (HL7 v2.5.1 chapter 2,
 * "MSH-9 message type"; chapters 3, 4, 7, 9 and 10 for ADT, VXU, ORU, MDM and SIU).
 * Anything else is refused with 200 (unknown MSH-9.1) or 201 (unknown trigger).
 */
export const SUPPORTED_MESSAGE_TYPES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  ADT: Object.freeze(['A01', 'A02', 'A03', 'A04', 'A08', 'A11', 'A13', 'A28', 'A31', 'A40']),
  ORU: Object.freeze(['R01']),
  SIU: Object.freeze(['S12', 'S13', 'S14', 'S15', 'S26']),
  MDM: Object.freeze(['T02']),
  VXU: Object.freeze(['V04']),
});

/** MSH-12 version ids accepted at receipt; anything else is refused with 203. */
export const SUPPORTED_HL7_VERSIONS: readonly string[] = Object.freeze(['2.3', '2.3.1', '2.4', '2.5', '2.5.1', '2.6', '2.7', '2.7.1', '2.8']);

/**
 * MSH-18 character sets accepted (HL7 table 0211, compared case-insensitively); an empty
 * MSH-18 means ASCII. Multi-byte encodings other than UTF-8 cannot travel over an
 * MLLP stream decoded as bytes, so they are refused with 102.
 */
export const SUPPORTED_CHARSETS: readonly string[] = Object.freeze([
  'ASCII',
  ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 15].map((n) => `8859/${n}`),
  'UNICODE',
  'UNICODE UTF-8',
]);

/** What {@link validateMessage} found wrong first. Static texts only: they are sent to the peer in ERR-8. */
export interface Hl7ValidationProblem {
  /** HL7 table 0357: 100, 101, 102, 200, 201 or 203. */
  readonly code: Hl7ErrorCode;
  /** A static explanation, never message content. */
  readonly reason: string;
  /**
   * Where it is (ERR-2). For a line whose segment id cannot be read, `segment` is empty and
   * `sequence` is the line's 1-based position in the message (the id is never echoed: a
   * broken line is often text split off a field).
   */
  readonly location?: Hl7ErrorLocation;
}

/** Segments each supported type must carry, in the order they are checked (MRG only for ADT^A40). */
function requiredSegments(code: string, trigger: string): readonly string[] {
  switch (code) {
    case 'ADT':
      return trigger === 'A40' ? ['PID', 'MRG'] : ['PID'];
    case 'ORU':
      return ['PID', 'OBR'];
    case 'SIU':
      return ['SCH', 'PID'];
    case 'MDM':
      return ['PID', 'TXA'];
    case 'VXU':
      return ['PID', 'RXA'];
    default:
      return [];
  }
}

const SEGMENT_SEPARATOR = /\r\n|\r|\n/;
const SEGMENT_ID = /^[A-Z0-9]{3}$/;
const DTM = /^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.\d{1,4})?)?)?)?)?)?(?:([+-])(\d{2})(\d{2}))?$/;
/**
 * Escape sequences HL7 defines (v2.5.1 chapter 2, "Use of escape sequences in text fields"): delimiters,
 * highlighting, formatted-text commands (2.7.6, including `.fi`/`.nf`), hexadecimal data, character-set
 * switches (`\Cxxyy\`, `\Mxxyy[zz]\`) and locally defined `\Z…\` sequences.
 */
const ESCAPE_BODY = /^(?:[FSTREHN]|X(?:[0-9A-Fa-f]{2})+|\.br|\.ce|\.fi|\.nf|\.sp ?\+?\d*|\.sk ?\+?\d*|\.in ?[+-]?\d+|\.ti ?[+-]?\d+|C[0-9A-Fa-f]{4}|M[0-9A-Fa-f]{4}(?:[0-9A-Fa-f]{2})?|Z[\x21-\x7e]*)$/;

const MSH_LOCATION = { segment: 'MSH', sequence: 1 } as const;

/**
 * A cheap structural check of a received message before it is stored and acknowledged
 * (HL7 v2.5.1 chapter 2, "Message construction rules" and "Acknowledgment messages";
 * error codes from table 0357). Returns the first problem, in this order, or undefined:
 *
 * 1. the header as {@link parseHeader} reads it (100/101/102);
 * 2. MSH-12 present (101) and supported (203);
 * 3. MSH-9 supported (200), with a trigger (101) that is supported (201);
 * 4. MSH-18 a known character set, and valid UTF-8 when it says UTF-8 (102);
 * 5. MSH-7 a valid DTM when present (102);
 * 6. every line a segment: a 3-character `[A-Z0-9]` id followed by the field separator, and
 *    MSH only first (100);
 * 7. no NUL character, and every escape sequence defined and terminated (102);
 * 8. the segments the message type requires (101).
 *
 * Does not check field lengths, tables or segment order within groups: the worker's
 * conversion reports those. `header` skips re-parsing when the caller already has it.
 */
export function validateMessage(message: Buffer | string, header?: ParsedHeader): Hl7ValidationProblem | undefined {
  let h = header;
  if (!h) {
    const parsed = parseHeader(message);
    if (!parsed.ok) return problemForParseError(parsed.error);
    h = parsed.header;
  }

  if (h.version === '') return { code: Hl7ErrorCode.RequiredFieldMissing, reason: 'MSH-12 version id is missing', location: { ...MSH_LOCATION, field: 12 } };
  if (!SUPPORTED_HL7_VERSIONS.includes(h.version)) {
    return { code: Hl7ErrorCode.UnsupportedVersionId, reason: 'HL7 version is not supported', location: { ...MSH_LOCATION, field: 12 } };
  }

  const triggers = SUPPORTED_MESSAGE_TYPES[h.messageType.code];
  if (!triggers) return { code: Hl7ErrorCode.UnsupportedMessageType, reason: 'Message type is not supported', location: { ...MSH_LOCATION, field: 9, component: 1 } };
  if (h.messageType.trigger === '') return { code: Hl7ErrorCode.RequiredFieldMissing, reason: 'MSH-9 trigger event is missing', location: { ...MSH_LOCATION, field: 9, component: 2 } };
  if (!triggers.includes(h.messageType.trigger)) {
    return { code: Hl7ErrorCode.UnsupportedEventCode, reason: 'Trigger event is not supported', location: { ...MSH_LOCATION, field: 9, component: 2 } };
  }

  const charset = (h.charset ?? '').trim().toUpperCase();
  if (charset !== '' && !SUPPORTED_CHARSETS.includes(charset)) {
    return { code: Hl7ErrorCode.DataTypeError, reason: 'Character set in MSH-18 is not supported', location: { ...MSH_LOCATION, field: 18 } };
  }
  if (charset === 'UNICODE UTF-8' && typeof message !== 'string' && !isUtf8(message)) {
    return { code: Hl7ErrorCode.DataTypeError, reason: 'Message is not valid UTF-8 as MSH-18 declares', location: invalidUtf8Location(message, h.delimiters.field) };
  }

  if (h.timestamp !== '' && !isValidDtm(h.timestamp)) {
    return { code: Hl7ErrorCode.DataTypeError, reason: 'MSH-7 is not a valid date/time', location: { ...MSH_LOCATION, field: 7 } };
  }

  const structural = checkSegments(messageText(message), h.delimiters);
  if (structural.problem) return structural.problem;

  for (const id of requiredSegments(h.messageType.code, h.messageType.trigger)) {
    if (!structural.seen.has(id)) return { code: Hl7ErrorCode.RequiredFieldMissing, reason: 'Required segment is missing', location: { segment: id, sequence: 1 } };
  }
  return undefined;
}

/** The problem for a header {@link parseHeader} refused, located where HL7 would look for it. */
export function problemForParseError(error: Hl7ParseError): Hl7ValidationProblem {
  const code = errorCodeForParseError(error);
  switch (error.reason) {
    case 'empty':
      return { code, reason: 'Message is empty', location: MSH_LOCATION };
    case 'batch':
      return { code, reason: 'Batch messages are not accepted', location: MSH_LOCATION };
    case 'no_msh':
      return { code, reason: 'MSH is not the first segment', location: MSH_LOCATION };
    case 'bad_field_separator':
      return { code, reason: 'MSH-1 field separator is invalid', location: { ...MSH_LOCATION, field: 1 } };
    case 'bad_encoding_characters':
      return { code, reason: 'MSH-2 encoding characters are invalid', location: { ...MSH_LOCATION, field: 2 } };
    case 'missing_message_type':
      return { code, reason: 'MSH-9 message type is missing', location: { ...MSH_LOCATION, field: 9, component: 1 } };
    case 'missing_control_id':
      return { code, reason: 'MSH-10 message control id is missing', location: { ...MSH_LOCATION, field: 10 } };
  }
}

/**
 * Whether `value` is an HL7 DTM/TS `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]` naming a real
 * instant (month 1–12, the month's days, hour < 24, minute and second < 60, offset within ±14:00).
 */
export function isValidDtm(value: string): boolean {
  const m = DTM.exec(value);
  if (!m) return false;
  const [, year, month, day, hour, minute, second, , tzHours, tzMinutes] = m;
  const num = (s: string | undefined): number => (s === undefined ? 0 : Number(s));
  if (month !== undefined && (num(month) < 1 || num(month) > 12)) return false;
  if (day !== undefined) {
    const days = new Date(Date.UTC(num(year), num(month), 0)).getUTCDate();
    if (num(day) < 1 || num(day) > days) return false;
  }
  if (num(hour) > 23 || num(minute) > 59 || num(second) > 59) return false;
  if (tzHours !== undefined && (num(tzHours) > 14 || num(tzMinutes) > 59)) return false;
  return true;
}

interface SegmentScan {
  problem?: Hl7ValidationProblem;
  /** Segment ids present. */
  seen: Set<string>;
}

function checkSegments(text: string, d: Hl7Delimiters): SegmentScan {
  const seen = new Set<string>();
  const occurrences = new Map<string, number>();
  const lines = text.split(SEGMENT_SEPARATOR);
  let position = 0;
  for (const line of lines) {
    // Blank lines (a trailing newline, CRLF written twice) carry nothing and are skipped.
    if (line.trim() === '') continue;
    position += 1;
    const id = line.slice(0, 3);
    if (!SEGMENT_ID.test(id) || (line.length > 3 && line.charAt(3) !== d.field)) {
      return { seen, problem: { code: Hl7ErrorCode.SegmentSequenceError, reason: 'Line is not a well-formed segment', location: { segment: '', sequence: position } } };
    }
    const sequence = (occurrences.get(id) ?? 0) + 1;
    occurrences.set(id, sequence);
    seen.add(id);
    if (id === 'MSH' && position > 1) {
      return { seen, problem: { code: Hl7ErrorCode.SegmentSequenceError, reason: 'MSH appears after the first segment', location: { segment: 'MSH', sequence } } };
    }
    const hasNul = line.includes('\0');
    if (!hasNul && !line.includes(d.escape)) continue;
    const fields = line.split(d.field);
    if (hasNul) {
      const at = fields.findIndex((f) => f.includes('\0'));
      return { seen, problem: { code: Hl7ErrorCode.DataTypeError, reason: 'Message contains a NUL character', location: { segment: id, sequence, field: id === 'MSH' ? at + 1 : at } } };
    }
    // For MSH, fields[1] is MSH-2 (the encoding characters themselves) and field n is fields[n - 1].
    const first = id === 'MSH' ? 2 : 1;
    for (let i = first; i < fields.length; i++) {
      const value = fields[i] ?? '';
      const escape = badEscape(value, d);
      if (!escape) continue;
      const before = value.slice(0, escape.at);
      const rep = before.lastIndexOf(d.repetition);
      const inRepetition = before.slice(rep + 1);
      const repetition = rep === -1 ? undefined : before.split(d.repetition).length;
      return {
        seen,
        problem: {
          code: Hl7ErrorCode.DataTypeError,
          reason: escape.nul ? 'Escape sequence decodes to a NUL character' : 'Invalid or unterminated escape sequence',
          location: { segment: id, sequence, field: id === 'MSH' ? i + 1 : i, ...(repetition ? { repetition } : {}), component: inRepetition.split(d.component).length },
        },
      };
    }
  }
  return { seen };
}

/** The first escape that does not open a defined, terminated sequence, or decodes to U+0000; null when all are fine. */
function badEscape(value: string, d: Hl7Delimiters): { at: number; nul: boolean } | null {
  let open = value.indexOf(d.escape);
  while (open !== -1) {
    const close = value.indexOf(d.escape, open + 1);
    if (close === -1) return { at: open, nul: false };
    const body = value.slice(open + 1, close);
    if (!ESCAPE_BODY.test(body) && !(body === 'P' && d.truncation !== undefined)) return { at: open, nul: false };
    // A hex escape (`\X…\`) holding a 00 byte: nothing downstream can store the U+0000 it decodes to.
    if (body.charAt(0) === 'X' && /^(?:[0-9A-Fa-f]{2})*00/.test(body.slice(1))) return { at: open, nul: true };
    open = value.indexOf(d.escape, close + 1);
  }
  return null;
}

/** The segment (and field) holding the first invalid UTF-8 byte; CR and LF never occur inside a UTF-8 sequence. */
function invalidUtf8Location(bytes: Buffer, fieldSeparator: string): Hl7ErrorLocation {
  const separator = fieldSeparator.charCodeAt(0);
  const occurrences = new Map<string, number>();
  let start = 0;
  let position = 0;
  while (start < bytes.length) {
    let end = start;
    while (end < bytes.length && bytes[end] !== 0x0d && bytes[end] !== 0x0a) end++;
    if (end > start) {
      position += 1;
      const line = bytes.subarray(start, end);
      const id = line.subarray(0, 3).toString('latin1');
      const named = SEGMENT_ID.test(id);
      const sequence = (occurrences.get(id) ?? 0) + 1;
      if (named) occurrences.set(id, sequence);
      if (!isUtf8(line)) {
        if (!named) return { segment: '', sequence: position };
        let field = 0;
        let from = 0;
        for (;;) {
          const next = line.indexOf(separator, from);
          const value = line.subarray(from, next === -1 ? line.length : next);
          if (!isUtf8(value)) break;
          if (next === -1) break;
          field += 1;
          from = next + 1;
        }
        // MSH-1 is the separator itself, so the count is one behind for MSH.
        return { segment: id, sequence, field: id === 'MSH' ? field + 1 : field };
      }
    }
    start = end + 1;
  }
  return { ...MSH_LOCATION, field: 18 };
}
