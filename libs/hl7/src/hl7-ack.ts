import { randomBytes } from 'node:crypto';
import { DEFAULT_DELIMITERS, encodeEscapes } from './hl7-message';
import type { Hl7Delimiters, Hl7ParseError, ParsedHeader } from './hl7-message';

/** Original mode (AA/AE/AR) or enhanced-mode commit (CA/CE/CR) codes, HL7 table 0008. */
export type AckCode = 'AA' | 'AE' | 'AR' | 'CA' | 'CE' | 'CR';

/** HL7 table 0357 "Message error condition codes" (v2.5), written to ERR-3. */
export const Hl7ErrorCode = {
  SegmentSequenceError: '100',
  RequiredFieldMissing: '101',
  DataTypeError: '102',
  TableValueNotFound: '103',
  UnsupportedMessageType: '200',
  UnsupportedEventCode: '201',
  UnsupportedProcessingId: '202',
  UnsupportedVersionId: '203',
  UnknownKeyIdentifier: '204',
  DuplicateKeyIdentifier: '205',
  ApplicationRecordLocked: '206',
  ApplicationInternalError: '207',
} as const;
export type Hl7ErrorCode = (typeof Hl7ErrorCode)[keyof typeof Hl7ErrorCode];

/** Table 0357 display names, written to ERR-3.2 so a peer's log is readable without the table. */
const ERROR_TEXT: Readonly<Record<Hl7ErrorCode, string>> = {
  '100': 'Segment sequence error',
  '101': 'Required field missing',
  '102': 'Data type error',
  '103': 'Table value not found',
  '200': 'Unsupported message type',
  '201': 'Unsupported event code',
  '202': 'Unsupported processing id',
  '203': 'Unsupported version id',
  '204': 'Unknown key identifier',
  '205': 'Duplicate key identifier',
  '206': 'Application record locked',
  '207': 'Application internal error',
};

/** HL7 table 0516 "Error severity", written to ERR-4. */
export type Hl7ErrorSeverity = 'E' | 'W' | 'I' | 'F';

/** Where the error is (ERR-2, data type ERL); numbers are 1-based like HL7 paths. */
export interface Hl7ErrorLocation {
  readonly segment: string;
  readonly sequence?: number;
  readonly field?: number;
  readonly repetition?: number;
  readonly component?: number;
  readonly subcomponent?: number;
}

export interface Hl7AckError {
  /** ERR-3; defaults to 207 (application internal error). */
  readonly code?: Hl7ErrorCode;
  /** ERR-4; defaults to `E`. */
  readonly severity?: Hl7ErrorSeverity;
  /** ERR-8 user message. Static text only: it is sent to the peer and must never carry PHI. */
  readonly text?: string;
  readonly location?: Hl7ErrorLocation;
}

export interface AckOptions {
  readonly code: AckCode;
  /** MSH-10 of the ACK itself. */
  readonly controlId: string;
  /** Written to ERR for AE/AR/CE/CR; ignored for AA/CA. */
  readonly error?: Hl7AckError;
  /** MSH-7; defaults to now. */
  readonly now?: Date;
}

export interface AckFallbackOptions {
  /** MSH-10 of the ACK; defaults to 20 random hex characters (the v2.5 length of MSH-10). */
  readonly controlId?: string;
  /**
   * MSA-2: the received message's MSH-10 when it could still be read (see `readControlId`);
   * empty when undefined.
   */
  readonly receivedControlId?: string;
  /** ERR-3; defaults to 207. See {@link errorCodeForParseError}. */
  readonly errorCode?: Hl7ErrorCode;
  /** MSH-12; defaults to `2.5.1`. */
  readonly version?: string;
  /** MSH-11; defaults to `P`. */
  readonly processingId?: string;
  readonly now?: Date;
}

/**
 * Builds the acknowledgment for a received message: an original-mode ACK (AA/AE/AR) or an
 * enhanced-mode commit ACK (CA/CE/CR). Sending and receiving application/facility are
 * swapped, version and processing id echoed, MSH-9 is `ACK^<trigger>^ACK`, MSA-2 is the
 * received MSH-10, and non-accept codes carry a v2.5 ERR segment. The ACK is written with
 * the received message's delimiters; segments end in CR.
 *
 * HL7 v2.5.1 chapter 2, "Acknowledgment messages" / "Message processing rules" (original
 * and enhanced mode) and the MSH, MSA and ERR segment definitions, https://www.hl7.org/implement/standards/product_brief.cfm?product_id=144.
 */
export function buildAck(received: ParsedHeader, options: AckOptions): string {
  const d = received.delimiters;
  const raw = received.raw;
  const messageType = received.messageType.trigger
    ? ['ACK', encodeEscapes(received.messageType.trigger, d), 'ACK'].join(d.component)
    : 'ACK';
  const msh = mshSegment(d, received.encodingCharacters, {
    sendingApplication: raw.receivingApplication,
    sendingFacility: raw.receivingFacility,
    receivingApplication: raw.sendingApplication,
    receivingFacility: raw.sendingFacility,
    timestamp: hl7Timestamp(options.now ?? new Date()),
    messageType,
    controlId: encodeEscapes(options.controlId, d),
    processingId: raw.processingId || 'P',
    version: raw.version || '2.5.1',
  });
  const msa = ['MSA', options.code, encodeEscapes(received.controlId, d)].join(d.field);
  const segments = [msh, msa];
  if (isNegative(options.code)) segments.push(errSegment(d, options.error ?? {}));
  return segments.map((s) => `${s}\r`).join('');
}

/**
 * A minimal acknowledgment for a frame whose header could not be read: default delimiters,
 * empty sender/receiver, MSA-2 the received MSH-10 when the caller could still read it (else
 * empty), plus an ERR segment for non-accept codes. HL7 v2.5.1 chapter 2, "Acknowledgment messages", https://www.hl7.org/implement/standards/product_brief.cfm?product_id=144.
 */
export function ackFallback(code: AckCode, text: string, options: AckFallbackOptions = {}): string {
  const d = DEFAULT_DELIMITERS;
  const msh = mshSegment(d, '^~\\&', {
    sendingApplication: '',
    sendingFacility: '',
    receivingApplication: '',
    receivingFacility: '',
    timestamp: hl7Timestamp(options.now ?? new Date()),
    messageType: 'ACK',
    controlId: encodeEscapes(options.controlId ?? randomBytes(10).toString('hex'), d),
    processingId: encodeEscapes(options.processingId ?? 'P', d),
    version: encodeEscapes(options.version ?? '2.5.1', d),
  });
  const segments = [msh, ['MSA', code, encodeEscapes(options.receivedControlId ?? '', d)].join(d.field)];
  if (isNegative(code)) segments.push(errSegment(d, { code: options.errorCode, text }));
  return segments.map((s) => `${s}\r`).join('');
}

/** The table 0357 code that best describes why a header was rejected. */
export function errorCodeForParseError(error: Hl7ParseError): Hl7ErrorCode {
  switch (error.reason) {
    case 'empty':
    case 'batch':
    case 'no_msh':
      return Hl7ErrorCode.SegmentSequenceError;
    case 'bad_field_separator':
    case 'bad_encoding_characters':
      return Hl7ErrorCode.DataTypeError;
    case 'missing_message_type':
    case 'missing_control_id':
      return Hl7ErrorCode.RequiredFieldMissing;
  }
}

function isNegative(code: AckCode): boolean {
  return code !== 'AA' && code !== 'CA';
}

interface MshValues {
  sendingApplication: string;
  sendingFacility: string;
  receivingApplication: string;
  receivingFacility: string;
  timestamp: string;
  messageType: string;
  controlId: string;
  processingId: string;
  version: string;
}

/** All values must already be escaped for `d`. */
function mshSegment(d: Hl7Delimiters, encodingCharacters: string, v: MshValues): string {
  // MSH-1 is the separator itself, so the segment id and MSH-2 are joined without one.
  return `MSH${d.field}${[
    encodingCharacters,
    v.sendingApplication,
    v.sendingFacility,
    v.receivingApplication,
    v.receivingFacility,
    v.timestamp,
    '',
    v.messageType,
    v.controlId,
    v.processingId,
    v.version,
  ].join(d.field)}`;
}

function errSegment(d: Hl7Delimiters, error: Hl7AckError): string {
  const code = error.code ?? Hl7ErrorCode.ApplicationInternalError;
  const loc = error.location;
  const location = loc
    ? [
        encodeEscapes(loc.segment, d),
        loc.sequence ?? 1,
        loc.field ?? '',
        loc.field !== undefined ? (loc.repetition ?? 1) : '',
        loc.component ?? '',
        loc.subcomponent ?? '',
      ]
        .join(d.component)
        .replace(new RegExp(`${escapeRegExp(d.component)}+$`), '')
    : '';
  const errorCode = [code, encodeEscapes(ERROR_TEXT[code], d), 'HL70357'].join(d.component);
  // ERR-1 (error code and location) is deprecated since v2.5 and left empty.
  const fields = ['ERR', '', location, errorCode, error.severity ?? 'E', '', '', '', encodeEscapes(error.text ?? '', d)];
  while (fields.length > 5 && fields[fields.length - 1] === '') fields.pop();
  return fields.join(d.field);
}

/** `YYYYMMDDHHMMSS+0000`: UTC, so the ACK never depends on the host's time zone. */
function hl7Timestamp(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}+0000`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
