import type { AckCode } from '../hl7-ack';
import { parseHeader, readField, segments, type Hl7Delimiters } from '../hl7-message';

/** One problem a receiver reported: an ERR segment, or the MSA-3 text of an older peer. */
export interface AckErrorDetail {
  /** ERR-3.1 (table 0357 in v2.5+), else ERR-1.4.1 (v2.3 ELD), else MSA-6.1. */
  code?: string;
  /** ERR-8 user message, else ERR-7 diagnostics, else the code's display text, else MSA-3. */
  text?: string;
  /** ERR-2 (or ERR-1) as `SEG[-field[.component[.subcomponent]]]`, e.g. `PID-3.1`. */
  location?: string;
}

/** What came back for one sent message. */
export interface AckResult {
  code: AckCode;
  /** MSA-2: the MSH-10 of the message this acknowledges. */
  controlId: string;
  errors: AckErrorDetail[];
  /** The acknowledgment as received. */
  raw: string;
}

const ACK_CODES: ReadonlySet<string> = new Set<AckCode>(['AA', 'AE', 'AR', 'CA', 'CE', 'CR']);

/** True for AA and CA: the receiver accepted (or, in enhanced mode, committed) the message. */
export function isAccepted(code: AckCode): boolean {
  return code === 'AA' || code === 'CA';
}

/**
 * Reads an acknowledgment (HL7 v2.5.1 chapter 2, "MSA - message acknowledgment segment" and
 * "ERR - error segment", https://www.hl7.org/implement/standards/product_brief.cfm?product_id=144):
 * MSA-1 code, MSA-2 control id, and every ERR segment. Accepts the v2.5 ERR layout (ERR-2
 * location, ERR-3 code, ERR-7/8 texts) and the older ERR-1 layout, and MSA-3 text.
 * Returns `undefined` when the frame is not an acknowledgment (no MSH, no MSA or an
 * unknown MSA-1 code). Never throws.
 */
export function parseAckResult(raw: string): AckResult | undefined {
  const header = parseHeader(raw);
  if (!header.ok) return undefined;
  const d = header.header.delimiters;
  const all = segments(raw);
  const msa = all.find((s) => s[0] === 'MSA');
  if (!msa) return undefined;
  const code = readField(msa, { field: 1 }, d).trim().toUpperCase();
  if (!ACK_CODES.has(code)) return undefined;

  const errors: AckErrorDetail[] = all.filter((s) => s[0] === 'ERR').map((err) => errDetail(err, d));
  const msaText = readField(msa, { field: 3 }, d);
  const msaCode = readField(msa, { field: 6 }, d);
  if ((msaText !== '' || msaCode !== '') && !errors.some((e) => e.text === msaText && msaText !== '')) {
    errors.push(compact({ code: msaCode, text: msaText }));
  }
  return { code: code as AckCode, controlId: readField(msa, { field: 2 }, d), errors, raw };
}

function errDetail(err: readonly string[], d: Hl7Delimiters): AckErrorDetail {
  const f = (field: number, component = 1, subcomponent = 1): string => readField(err, { field, component, subcomponent }, d);
  // v2.5+: ERR-3 (CWE) code^text^system; before: ERR-1 (ELD) segment^sequence^field^code&text&system.
  const code = f(3) || f(1, 4, 1);
  const text = f(8) || f(7) || f(3, 2) || f(1, 4, 2);
  const location = f(2) ? erl(f(2), f(2, 3), f(2, 5), f(2, 6)) : f(1) ? erl(f(1), f(1, 3)) : '';
  return compact({ code, text, location });
}

/** ERL (segment^sequence^field^repetition^component^subcomponent) in the usual `PID-3.1` notation. */
function erl(segment: string, field: string, component = '', subcomponent = ''): string {
  let out = segment;
  if (field) out += `-${field}`;
  if (field && component) out += `.${component}`;
  if (field && component && subcomponent) out += `.${subcomponent}`;
  return out;
}

function compact(detail: { code?: string; text?: string; location?: string }): AckErrorDetail {
  const out: AckErrorDetail = {};
  if (detail.code) out.code = detail.code;
  if (detail.text) out.text = detail.text;
  if (detail.location) out.location = detail.location;
  return out;
}
