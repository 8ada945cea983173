import { z } from 'zod';

/**
 * A per-connection HL7 v2 "dialect": the declarative, site-specific adjustments the
 * v2 → FHIR converter applies (which identifier is the MRN, which systems identifiers
 * and codes belong to, fields a site puts in the wrong place, Z-segments worth keeping).
 * Stored as JSON on the connection and validated with {@link hl7DialectSchema}; every
 * field is optional, so `{}` is the standard HL7 v2-to-FHIR mapping
 * (https://build.fhir.org/ig/HL7/v2-to-fhir/).
 */

/** Resource types a Z-segment value can be attached to as an extension. */
export const Z_SEGMENT_RESOURCES = [
  'Patient',
  'Encounter',
  'Observation',
  'DiagnosticReport',
  'Appointment',
  'DocumentReference',
  'Immunization',
] as const;

/** FHIR primitive types a Z-segment value is converted to (`value<Type>` of the extension). */
export const Z_SEGMENT_VALUE_TYPES = ['string', 'code', 'boolean', 'integer', 'dateTime'] as const;

/** Coded (CE/CWE) fields a code map can apply to: the fields the converter maps to a CodeableConcept. */
export const CODE_MAP_FIELDS = [
  'OBX-3',
  'OBX-5',
  'OBR-4',
  'TXA-2',
  'RXA-5',
  'AL1-3',
  'SCH-7',
  'AIS-3',
  'PV2-3',
  'RXR-1',
  'RXR-2',
] as const;

export const PATIENT_IDENTIFIER_FIELDS = ['PID-2', 'PID-3', 'PID-4'] as const;

const MAX_CODE_MAP_ENTRIES = 10_000;
const MAX_OTHER_SYSTEMS = 200;

/** An absolute URI (`scheme:rest`, no whitespace): `http://…`, `urn:oid:…`, `urn:uuid:…`. */
const uri = z
  .string()
  .min(3)
  .max(255)
  .regex(/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/, 'must be an absolute URI such as http://… or urn:oid:…');

/**
 * A position in a message: `SEG-field[-component[-subcomponent]]`, e.g. `PID-3`, `PV1-3-1`,
 * `PID-3-4-2` (HL7 v2.5.1 chapter 2 "Message element naming"). MSH-1 and MSH-2 (the delimiters) cannot be targeted.
 */
const fieldPath = z
  .string()
  .max(20)
  .regex(/^[A-Z][A-Z0-9]{2}-[1-9]\d{0,2}(-[1-9]\d{0,1}(-[1-9]\d{0,1})?)?$/, 'must look like PID-3, PV1-3-1 or PID-3-4-2')
  .refine((p) => !/^MSH-[12](-|$)/.test(p), 'MSH-1 and MSH-2 hold the delimiters and cannot be overridden');

/** A time zone the JavaScript runtime knows (IANA tz database name, e.g. `America/Chicago`). */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const boundedRecord = <V extends z.ZodType>(value: V, max: number) =>
  z
    .record(z.string().min(1).max(128), value)
    .refine((r) => Object.keys(r).length <= max, `at most ${max} entries`);

const fieldOverrideSchema = z.union([
  z.strictObject({
    /** Where the value goes. */
    target: fieldPath,
    /** Copy this position of the same message (escaped text as received); skipped when the source is empty. */
    from: fieldPath,
  }),
  z.strictObject({
    target: fieldPath,
    /** A literal value (plain text; it is escaped with the message's delimiters). */
    value: z.string().max(1000),
  }),
]);

const codingSchema = z.strictObject({
  system: uri,
  code: z.string().min(1).max(128).regex(/^\S+( \S+)*$/, 'must not start or end with whitespace'),
  display: z.string().min(1).max(500).optional(),
});

const codeMapSchema = z.strictObject({
  /** The coded field the map applies to. */
  field: z.enum(CODE_MAP_FIELDS),
  /**
   * Only codes sent with this coding system name (CWE.3, or CWE.6 for the alternate code), e.g. `L` or `99LAB`.
   * When absent, the map applies whatever the system.
   */
  sourceSystem: z.string().min(1).max(64).optional(),
  /** Local code → the standard coding added in front of it (the local coding is kept after it). */
  map: boundedRecord(codingSchema, MAX_CODE_MAP_ENTRIES),
});

const zSegmentSchema = z.strictObject({
  /** The Z-segment id, e.g. `ZPI`. */
  segment: z.string().regex(/^Z[A-Z0-9]{2}$/, 'must be a Z-segment id such as ZPI'),
  field: z.number().int().min(1).max(999),
  /** Component of the field (first repetition); the whole first component when absent. */
  component: z.number().int().min(1).max(99).optional(),
  /** The converted resource(s) of this type that receive the extension. */
  resource: z.enum(Z_SEGMENT_RESOURCES),
  /** The extension's canonical URL. */
  url: uri,
  valueType: z.enum(Z_SEGMENT_VALUE_TYPES),
});

/**
 * The connection dialect (see the module comment; each property documents its field). A
 * `z.strictObject`: unknown keys are rejected, every list and map is bounded. Applied on top of
 * the HL7 v2-to-FHIR IG mappings (https://build.fhir.org/ig/HL7/v2-to-fhir/).
 */
export const hl7DialectSchema = z.strictObject({
  /**
   * IANA zone used for HL7 times sent without a UTC offset (DST-correct). Default `UTC`.
   * Times that carry an offset (`+0200`) keep it.
   */
  timezone: z.string().min(1).max(64).refine(isKnownTimeZone, 'must be an IANA time zone such as America/Chicago').optional(),
  /** Identifier systems (URIs) by who assigned the identifier. */
  identifierSystems: z
    .strictObject({
      /** System of the patient's MRN (the identifier chosen by `patientIdentifier`). */
      mrn: uri.optional(),
      /** By assigning authority (CX.4 namespace id or universal id) or identifier type code (CX.5). */
      other: boundedRecord(uri, MAX_OTHER_SYSTEMS).optional(),
    })
    .optional(),
  /** Which identifier is the patient's MRN (the key used for Patient ids and per-patient ordering). */
  patientIdentifier: z
    .strictObject({
      /** Field holding the MRN; default `PID-3`. Falls back to PID-3 when the field is empty. */
      field: z.enum(PATIENT_IDENTIFIER_FIELDS).optional(),
      /** Preferred identifier type code (CX.5); default `MR`. Falls back to the first repetition. */
      typeCode: z.string().min(1).max(16).optional(),
      /** Preferred assigning authority (CX.4.1 or CX.4.2). Falls back to every repetition. */
      assigningAuthority: z.string().min(1).max(128).optional(),
    })
    .optional(),
  /** Rewrites applied to the parsed message, in order, before mapping (at most 200). */
  fieldOverrides: z.array(fieldOverrideSchema).max(200).optional(),
  /** Local code → standard code maps for coded fields (at most 50 maps). */
  codeMaps: z.array(codeMapSchema).max(50).optional(),
  /** Z-segment values kept as extensions (at most 50). */
  zSegments: z.array(zSegmentSchema).max(50).optional(),
});

export type Hl7Dialect = z.infer<typeof hl7DialectSchema>;
export type Hl7FieldOverride = z.infer<typeof fieldOverrideSchema>;
export type Hl7CodeMap = z.infer<typeof codeMapSchema>;
export type Hl7ZSegmentRule = z.infer<typeof zSegmentSchema>;
