import type { Annotation, Attachment, CodeableConcept, Encounter, Observation, ObservationReferenceRange, Patient, Quantity, Reference } from '@medplum/fhirtypes';
import { Hl7ErrorCode } from '../hl7-ack';
import { failConversion, type ConversionContext } from './conversion-context';
import { codeableConcept, decimal, quantity } from './v2-datatypes';
import type { V2Composite, V2Segment } from './v2-message';
import { DATA_ABSENT_REASON, INTERPRETATION_CODES, OBSERVATION_STATUS } from './v2-tables';

/**
 * OBX → Observation, after the HL7 v2-to-FHIR segment map OBX → Observation
 * (https://build.fhir.org/ig/HL7/v2-to-fhir/ConceptMap-segment-obx-to-observation.html).
 * OBX-2 `ED` (encapsulated data) has no Observation value type in R4: it becomes an
 * Attachment, which the caller places on DiagnosticReport.presentedForm or DocumentReference.content.
 */

/** An OBX and the NTE segments that follow it. */
export interface ObxGroup {
  readonly obx: V2Segment;
  readonly notes: V2Segment[];
}

export interface ObservationOptions {
  /** Natural key of what the result belongs to (the report, or the visit/patient for ADT). */
  readonly parentKey: string;
  /** 1-based position of the OBX in its group, used when OBX-1 (set id) is empty. */
  readonly position: number;
  readonly category: { readonly code: string; readonly display: string };
  readonly subject: Reference<Patient>;
  readonly encounter?: Reference<Encounter>;
  /** Used when OBX-14 is empty (OBR-7 for results). */
  readonly fallbackEffective?: string;
  /** Observation ids already given in this message: a repeated set id + code gets its position in the key. */
  readonly taken?: Set<string>;
}

export type MappedObx = { kind: 'observation'; observation: Observation & { id: string } } | { kind: 'attachment'; attachment: Attachment };

const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';

export function mapObx(ctx: ConversionContext, group: ObxGroup, options: ObservationOptions): MappedObx | undefined {
  const obx = group.obx;
  const valueType = obx.value(2).toUpperCase();
  if (valueType === 'ED') {
    const attachment = encapsulatedData(obx);
    return attachment ? { kind: 'attachment', attachment } : undefined;
  }
  const code: CodeableConcept = codeableConcept(obx.rep(3), ctx.dialect, 'OBX-3') ?? { text: 'unknown' };
  const setId = obx.value(1) || String(options.position);
  const subId = obx.value(4);
  const localCode = `${obx.value(3, 3)}|${obx.value(3, 1) || obx.value(3, 2)}`;
  const key = `${options.parentKey}|${setId}|${localCode}${subId ? `|${subId}` : ''}`;

  const observation: Observation & { id: string } = {
    resourceType: 'Observation',
    id: uniqueId(ctx, key, options),
    status: OBSERVATION_STATUS[obx.value(11).toUpperCase()] ?? 'unknown',
    category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: options.category.code, display: options.category.display }] }],
    code,
    subject: options.subject,
    ...(options.encounter ? { encounter: options.encounter } : {}),
  };
  const effective = ctx.dateTime(obx, 14)?.dateTime ?? options.fallbackEffective;
  if (effective) observation.effectiveDateTime = effective;

  const unit = obx.rep(6).isEmpty ? undefined : obx.rep(6);
  if (!setValue(ctx, observation, obx, valueType, unit)) {
    observation.dataAbsentReason = { coding: [{ system: DATA_ABSENT_REASON, code: 'unknown', display: 'Unknown' }] };
  }

  const range = referenceRange(obx.value(7), unit);
  if (range) observation.referenceRange = [range];
  const interpretation = obx.reps(8).map(interpretationOf).filter((c): c is CodeableConcept => c !== undefined);
  if (interpretation.length) observation.interpretation = interpretation;
  const notes: Annotation[] = group.notes.flatMap((nte) => nte.texts(3)).map((text) => ({ text }));
  if (notes.length) observation.note = notes;
  return { kind: 'observation', observation };
}

function uniqueId(ctx: ConversionContext, key: string, options: ObservationOptions): string {
  let id = ctx.id('Observation', key);
  if (options.taken?.has(id)) id = ctx.id('Observation', `${key}|#${options.position}`);
  options.taken?.add(id);
  return id;
}

/** Sets value[x] from OBX-5 by OBX-2; false when there is no value. */
function setValue(ctx: ConversionContext, observation: Observation, obx: V2Segment, valueType: string, unit: V2Composite | undefined): boolean {
  const first = obx.rep(5);
  if (first.isEmpty && obx.reps(5).length === 0) return false;
  switch (valueType) {
    case 'NM': {
      const n = decimal(first.c(1));
      if (n === undefined) observation.valueString = obx.texts(5).join('\n');
      else observation.valueQuantity = quantity(n, unit);
      return true;
    }
    case 'ST':
    case 'TX':
    case 'FT': {
      const text = obx.texts(5).join('\n');
      if (text) observation.valueString = text;
      return text !== '';
    }
    case 'CE':
    case 'CWE':
    case 'CNE':
    case 'CF': {
      const concept = codeableConcept(first, ctx.dialect, 'OBX-5');
      if (concept) observation.valueCodeableConcept = concept;
      return concept !== undefined;
    }
    case 'SN':
      return structuredNumeric(observation, first, unit);
    case 'DT':
    case 'DTM':
    case 'TS': {
      const when = ctx.dateTime(obx, 5);
      if (when) observation.valueDateTime = when.dateTime;
      return when !== undefined;
    }
    case 'TM': {
      const time = /^(\d{2})(\d{2})?(\d{2})?(\.\d{1,4})?$/.exec(first.c(1));
      if (!time || Number(time[1]) > 23 || Number(time[2] ?? 0) > 59 || Number(time[3] ?? 0) > 59) {
        return failConversion(Hl7ErrorCode.DataTypeError, 'malformed time', { segment: 'OBX', sequence: obx.sequence, field: 5 });
      }
      observation.valueTime = `${time[1]}:${time[2] ?? '00'}:${time[3] ?? '00'}${time[4] ?? ''}`;
      return true;
    }
    default: {
      // Other types (CX, HD, EI, NA, …): the components as text.
      const text = obx
        .reps(5)
        .map((rep) => [1, 2, 3, 4, 5, 6].map((i) => rep.c(i)).filter(Boolean).join(' '))
        .filter(Boolean)
        .join('\n');
      if (text) observation.valueString = text;
      return text !== '';
    }
  }
}

const COMPARATORS: Readonly<Record<string, Quantity['comparator'] | null>> = { '': null, '=': null, '<': '<', '>': '>', '<=': '<=', '>=': '>=' };

/**
 * SN (structured numeric: comparator ^ num1 ^ separator/suffix ^ num2, HL7 v2.5.1 §2.A.74) →
 * valueQuantity (with comparator), valueRange (`-`), valueRatio (`:` or `/`), else valueString.
 */
function structuredNumeric(observation: Observation, sn: V2Composite, unit: V2Composite | undefined): boolean {
  const comparator = sn.c(1);
  const first = decimal(sn.c(2));
  const separator = sn.c(3);
  const second = decimal(sn.c(4));
  const comparatorCode = COMPARATORS[comparator];
  if (first !== undefined && separator === '' && sn.c(4) === '' && comparatorCode !== undefined) {
    observation.valueQuantity = { ...quantity(first, unit), ...(comparatorCode ? { comparator: comparatorCode } : {}) };
    return true;
  }
  if (first !== undefined && second !== undefined && comparatorCode === null) {
    if (separator === '-') {
      observation.valueRange = { low: quantity(first, unit), high: quantity(second, unit) };
      return true;
    }
    if (separator === ':' || separator === '/') {
      observation.valueRatio = { numerator: { value: first }, denominator: { value: second } };
      return true;
    }
  }
  const text = [comparator, sn.c(2), separator, sn.c(4)].join('');
  if (text) observation.valueString = text;
  return text !== '';
}

const RANGE = /^\s*(-?\d+(?:\.\d+)?)\s*(?:-|to)\s*(-?\d+(?:\.\d+)?)\s*$/i;
const BOUND = /^\s*(<=|>=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

/** OBX-7 → referenceRange: `low-high` / `low to high` as quantities, `<x` / `>x` as one bound, else text. */
function referenceRange(text: string, unit: V2Composite | undefined): ObservationReferenceRange | undefined {
  if (!text) return undefined;
  const range = RANGE.exec(text);
  if (range) return { low: quantity(Number(range[1]), unit), high: quantity(Number(range[2]), unit), text };
  const bound = BOUND.exec(text);
  if (bound) return bound[1].startsWith('<') ? { high: quantity(Number(bound[2]), unit), text } : { low: quantity(Number(bound[2]), unit), text };
  return { text };
}

/** OBX-8 (table 0078) → v3 ObservationInterpretation when the code is one, else the v2 table. */
function interpretationOf(cwe: V2Composite): CodeableConcept | undefined {
  const code = cwe.c(1);
  if (!code) return undefined;
  const system = INTERPRETATION_CODES.has(code)
    ? 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation'
    : 'http://terminology.hl7.org/CodeSystem/v2-0078';
  return { coding: [{ system, code, ...(cwe.c(2) ? { display: cwe.c(2) } : {}) }] };
}

const MIME_TOP_LEVEL = new Set(['application', 'audio', 'image', 'text', 'video', 'multipart', 'model', 'font']);
const SUBTYPE_MIME: Readonly<Record<string, string>> = {
  PDF: 'application/pdf',
  RTF: 'application/rtf',
  HTML: 'text/html',
  XML: 'application/xml',
  JPEG: 'image/jpeg',
  JPG: 'image/jpeg',
  PNG: 'image/png',
  GIF: 'image/gif',
  TIFF: 'image/tiff',
  PLAIN: 'text/plain',
};
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** OBX-5 ED (source ^ type ^ subtype ^ encoding ^ data) → Attachment; undefined when it carries no data. */
export function encapsulatedData(obx: V2Segment): Attachment | undefined {
  const ed = obx.rep(5);
  const type = ed.c(2).toLowerCase();
  const subtype = ed.c(3).toLowerCase();
  const encoding = ed.c(4).toUpperCase();
  const raw = ed.c(5);
  if (!raw) return undefined;
  let data: string;
  if (encoding === 'BASE64') {
    data = raw.replace(/\s+/g, '');
    if (!BASE64.test(data) || data.length % 4 !== 0) {
      return failConversion(Hl7ErrorCode.DataTypeError, 'malformed base64 data', { segment: 'OBX', sequence: obx.sequence, field: 5, component: 5 });
    }
  } else if (encoding === 'HEX') {
    if (!/^([0-9A-Fa-f]{2})*$/.test(raw)) {
      return failConversion(Hl7ErrorCode.DataTypeError, 'malformed hex data', { segment: 'OBX', sequence: obx.sequence, field: 5, component: 5 });
    }
    data = Buffer.from(raw, 'hex').toString('base64');
  } else {
    data = Buffer.from(raw, 'utf8').toString('base64');
  }
  const contentType =
    MIME_TOP_LEVEL.has(type) && /^[a-z0-9][a-z0-9.+-]*$/.test(subtype)
      ? `${type}/${subtype}`
      : (SUBTYPE_MIME[subtype.toUpperCase()] ?? (type === 'text' || type === 'tx' ? 'text/plain' : 'application/octet-stream'));
  const title = obx.value(3, 2) || obx.value(3, 1);
  return { contentType, data, ...(title ? { title } : {}) };
}
