import { holdsUnstorableText } from '@sb/core';
import { compileDialect } from '../dialect/compiled-dialect';
import type { Hl7Dialect } from '../dialect/hl7-dialect.schema';
import { errorCodeForParseError, Hl7ErrorCode } from '../hl7-ack';
import { ADT_TRIGGERS, convertAdt } from './adt.mapper';
import { convertMdm } from './mdm.mapper';
import { convertOru } from './oru.mapper';
import { convertSiu, SIU_TRIGGERS } from './siu.mapper';
import { ConversionContext, ConversionFailure } from './conversion-context';
import type { ConversionOutcome, Hl7Conversion, Hl7ConversionError } from './conversion.types';
import { choosePatientIdentifier } from './patient.mapper';
import { parseV2Message, type V2Message } from './v2-message';
import { convertVxu } from './vxu.mapper';
import { applyZSegments } from './z-segments';

export type {
  ConversionOutcome,
  Hl7Conversion,
  Hl7ConversionError,
  Hl7ConversionErrorLocation,
  Hl7ConversionEvent,
  Hl7EventType,
  Hl7PatientMerge,
} from './conversion.types';

/** MSH-12 versions whose fields the mappers read (2.6–2.8 share them for the segments used). */
const CONVERTIBLE_VERSIONS: ReadonlySet<string> = new Set(['2.3', '2.3.1', '2.4', '2.5', '2.5.1', '2.6', '2.7', '2.7.1', '2.8', '2.8.1', '2.8.2']);

type MessageConverter = (ctx: ConversionContext, trigger: string) => Omit<Hl7Conversion, 'messageType'>;

/** Message code → supported triggers → converter. */
const CONVERTERS: Readonly<Record<string, { triggers: ReadonlySet<string>; convert: MessageConverter }>> = {
  ADT: { triggers: new Set(Object.keys(ADT_TRIGGERS)), convert: convertAdt },
  ORU: { triggers: new Set(['R01']), convert: convertOru },
  MDM: { triggers: new Set(['T02']), convert: convertMdm },
  SIU: { triggers: new Set(Object.keys(SIU_TRIGGERS)), convert: convertSiu },
  VXU: { triggers: new Set(['V04']), convert: convertVxu },
};

const fail = (code: Hl7ConversionError['code'], reason: string, location?: Hl7ConversionError['location']): ConversionOutcome => ({
  ok: false,
  error: { code, reason, ...(location ? { location } : {}) },
});

/** MSH-9.1 and MSH-9.2 (EVN-1 when a pre-2.3.1 sender leaves the trigger out of MSH-9). */
function messageTypeOf(message: V2Message): { code: string; trigger: string } {
  const msh = message.segments[0];
  const trigger = msh.value(9, 2) || message.first('EVN')?.value(1) || '';
  return { code: msh.value(9, 1).toUpperCase(), trigger: trigger.toUpperCase() };
}

/**
 * Converts one HL7 v2 message to FHIR R4 resources (US Core 6.1.0 where a profile applies),
 * following the HL7 v2-to-FHIR IG (https://build.fhir.org/ig/HL7/v2-to-fhir/) with the
 * connection's dialect applied. Pure and synchronous: no I/O, never throws.
 *
 * Supported: ADT A01 A02 A03 A04 A08 A11 A13 A28 A31 A40, ORU^R01, SIU S12 S13 S14 S15 S26,
 * MDM^T02, VXU^V04, versions 2.3 to 2.8. Errors carry a table 0357 code (200 unsupported
 * type/trigger, 203 unsupported version, 101 required segment/field missing, 102 malformed
 * date/time, 100 more than one patient) and a location, never message content.
 *
 * Resource ids are deterministic in (`ctx.idNamespace`, resource type, natural key), so
 * re-converting a message, or a later message about the same thing, gives the same ids.
 */
export function convertMessage(raw: string, dialect: Hl7Dialect, ctx: { idNamespace: string }): ConversionOutcome {
  const compiled = compileDialect(dialect);
  if (!compiled) return fail(Hl7ErrorCode.ApplicationInternalError, 'the connection dialect names an unknown time zone');
  try {
    const parsed = parseV2Message(raw, compiled.overrides);
    if (!parsed.ok) return fail(errorCodeForParseError(parsed.error), 'message header is not valid HL7 v2', { segment: 'MSH', sequence: 1 });
    const message = parsed.message;
    const msh = message.segments[0];
    if (!CONVERTIBLE_VERSIONS.has(msh.value(12))) {
      return fail(Hl7ErrorCode.UnsupportedVersionId, 'unsupported HL7 version', { segment: 'MSH', sequence: 1, field: 12 });
    }
    const { code, trigger } = messageTypeOf(message);
    const converter = CONVERTERS[code];
    if (!converter || !converter.triggers.has(trigger)) {
      return fail(Hl7ErrorCode.UnsupportedMessageType, 'unsupported message type or trigger event', { segment: 'MSH', sequence: 1, field: 9 });
    }
    const context = new ConversionContext(message, compiled, ctx.idNamespace);
    const converted = converter.convert(context, trigger);
    applyZSegments(context, converted.resources);
    // Refused at receipt since validation learned of NUL escapes; a message stored before that fails here, once, not as a transient error.
    if (holdsUnstorableText(converted.resources)) return fail(Hl7ErrorCode.DataTypeError, 'a field decodes to U+0000 or an unpaired surrogate');
    return { ok: true, value: { messageType: `${code}^${trigger}`, ...converted } };
  } catch (err) {
    if (err instanceof ConversionFailure) return { ok: false, error: err.detail };
    return fail(Hl7ErrorCode.ApplicationInternalError, 'internal conversion error');
  }
}

/**
 * The patient key `convertMessage` would give (`system|value` of the MRN chosen from the first
 * PID), without converting: parse, apply field overrides, choose the identifier. Used to order
 * processing per patient. Null when the message has no PID or the PID no identifier.
 * See the PID → Patient map (https://build.fhir.org/ig/HL7/v2-to-fhir/ConceptMap-segment-pid-to-patient.html).
 */
export function patientKeyOf(raw: string, dialect: Hl7Dialect): string | null {
  const compiled = compileDialect(dialect);
  if (!compiled) return null;
  const parsed = parseV2Message(raw, compiled.overrides);
  if (!parsed.ok) return null;
  const pid = parsed.message.first('PID');
  return (pid && choosePatientIdentifier(pid, compiled)?.key) ?? null;
}
