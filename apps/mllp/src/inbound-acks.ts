import { buildAck, encodeEscapes, Hl7ErrorCode, type AckCode, type Hl7ValidationProblem, type ParsedHeader } from '@sb/hl7';
import { randomBytes } from 'node:crypto';

/** MSH-10 of an ACK we send: 20 hex characters, the v2.5 length of MSH-10. */
export const ackControlId = (): string => randomBytes(10).toString('hex');

/** Refusals the sender should not resend unchanged (AR/CR); the others (AE/CE) invite a corrected resend. */
const REJECT_CODES: ReadonlySet<Hl7ErrorCode> = new Set([
  Hl7ErrorCode.UnsupportedMessageType,
  Hl7ErrorCode.UnsupportedEventCode,
  Hl7ErrorCode.UnsupportedProcessingId,
  Hl7ErrorCode.UnsupportedVersionId,
  Hl7ErrorCode.UnknownKeyIdentifier,
  Hl7ErrorCode.ApplicationInternalError,
]);

/**
 * The acknowledgment code for a message refused at receipt (HL7 v2.5.1 chapter 2, "Acknowledgment
 * messages"): AR for what will never be accepted as sent (unsupported type, event or version, a
 * policy refusal), AE for errors in the message; CR/CE instead in enhanced mode.
 */
export function refusalCode(problem: Pick<Hl7ValidationProblem, 'code'>, enhanced: boolean): AckCode {
  const reject = REJECT_CODES.has(problem.code);
  if (enhanced) return reject ? 'CR' : 'CE';
  return reject ? 'AR' : 'AE';
}

/**
 * A negative ACK carrying `problem` in a v2.5 ERR segment (ERR-2 location, ERR-3 code, ERR-8
 * static text). For v2.3 and v2.4 senders, whose ERR has only ERR-1 (ELD: segment ^ sequence ^
 * field ^ code), ERR-1 is filled as well; they ignore the later fields.
 */
export function refusalAck(header: ParsedHeader, code: AckCode, problem: Hl7ValidationProblem): string {
  const ack = buildAck(header, { code, controlId: ackControlId(), error: { code: problem.code, text: problem.reason, location: problem.location } });
  return /^2\.[34](\.|$)/.test(header.version) ? withLegacyErr1(ack, header, problem) : ack;
}

function withLegacyErr1(ack: string, header: ParsedHeader, problem: Hl7ValidationProblem): string {
  const d = header.delimiters;
  return ack
    .split('\r')
    .map((line) => {
      if (!line.startsWith(`ERR${d.field}`)) return line;
      const fields = line.split(d.field);
      // ERR-3 is `code^text^HL70357` as buildAck wrote it; ELD.4 carries the same as a CE in subcomponents.
      const [, text = '', system = ''] = (fields[3] ?? '').split(d.component);
      const loc = problem.location;
      fields[1] = [
        loc ? encodeEscapes(loc.segment, d) : '',
        loc?.sequence ?? '',
        loc?.field ?? '',
        [problem.code, text, system].join(d.subcomponent),
      ].join(d.component);
      return fields.join(d.field);
    })
    .join('\r');
}
