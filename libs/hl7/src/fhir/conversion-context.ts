import { createHash } from 'node:crypto';
import type { Reference, Resource } from '@medplum/fhirtypes';
import type { CompiledDialect } from '../dialect/compiled-dialect';
import { Hl7ErrorCode } from '../hl7-ack';
import type { Hl7ConversionError, Hl7ConversionErrorLocation } from './conversion.types';
import type { V2Message, V2Segment } from './v2-message';
import { parseV2DateTime, type V2DateTime } from './v2-time';

/** Thrown inside a conversion and turned into `{ ok: false, error }` by `convertMessage`. */
export class ConversionFailure extends Error {
  constructor(readonly detail: Hl7ConversionError) {
    super(detail.reason);
    this.name = 'ConversionFailure';
  }
}

export function failConversion(code: Hl7ErrorCode, reason: string, location?: Hl7ConversionErrorLocation): never {
  throw new ConversionFailure({ code, reason, ...(location ? { location } : {}) });
}

/**
 * Deterministic resource id: SHA-256 of (namespace, resource type, natural key) shaped as a
 * name-based UUID (version 5 bits set), so the same thing converted again, or updated by a
 * later message, gets the same id and the store upserts it. Matches the FHIR id pattern.
 */
export function deterministicId(namespace: string, resourceType: string, naturalKey: string): string {
  const hex = createHash('sha256').update(`${namespace}\u0000${resourceType}\u0000${naturalKey}`).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** State shared by the mappers of one message. */
export class ConversionContext {
  constructor(
    readonly message: V2Message,
    readonly dialect: CompiledDialect,
    readonly idNamespace: string,
  ) {}

  id(resourceType: string, naturalKey: string): string {
    return deterministicId(this.idNamespace, resourceType, naturalKey);
  }

  /** `Type/id`; the target type comes from where the reference is used. */
  ref<T extends Resource>(resourceType: T['resourceType'], id: string): Reference<T> {
    return { reference: `${resourceType}/${id}` };
  }

  /** The first segment with this id, or a 101 error naming it. */
  requireSegment(id: string): V2Segment {
    return this.message.first(id) ?? failConversion(Hl7ErrorCode.RequiredFieldMissing, `required segment ${id} is missing`, { segment: id });
  }

  /**
   * A DTM/TS/DT field (component `component`, first repetition) parsed strictly: empty → undefined,
   * malformed → a 102 error at that location (a date the converter maps is never guessed or dropped).
   */
  dateTime(segment: V2Segment, field: number, component = 1): V2DateTime | undefined {
    const text = segment.value(field, component);
    if (text === '') return undefined;
    return (
      parseV2DateTime(text, this.dialect.timezone) ??
      failConversion(Hl7ErrorCode.DataTypeError, 'malformed date/time', {
        segment: segment.id,
        sequence: segment.sequence,
        field,
        ...(component > 1 ? { component } : {}),
      })
    );
  }

  /** Like {@link dateTime} but the field must be present (101 when empty). */
  requiredDateTime(segment: V2Segment, field: number, component = 1): V2DateTime {
    return (
      this.dateTime(segment, field, component) ??
      failConversion(Hl7ErrorCode.RequiredFieldMissing, 'required date/time is missing', { segment: segment.id, sequence: segment.sequence, field })
    );
  }
}
