import { createHash } from 'node:crypto';
import { EHR_RECORD_TYPES } from '@sb/adapters/contracts';
import { ErrorCode, SbError, type FieldIssue } from '@sb/core';
import { parseTypeFilter, type TypeFilter } from './type-filter';

/** https://hl7.org/fhir/uv/bulkdata/STU2/export.html#endpoint */
export type ExportLevel = 'system' | 'patient' | 'group';

/** The resource types an export can hold: the record types every connection serves. */
export const EXPORTABLE_TYPES: readonly string[] = EHR_RECORD_TYPES;

/** The three spellings of NDJSON the IG says a server SHALL accept; we always write `application/fhir+ndjson`. */
export const OUTPUT_FORMATS = new Set(['application/fhir+ndjson', 'application/ndjson', 'ndjson']);

/** A kick-off, validated and normalized (sorted, de-duplicated) so two identical requests hash alike. */
export interface ExportParams {
  /** Null: every exportable type. */
  types: string[] | null;
  /** FHIR instant, normalized to ISO 8601 UTC. */
  since: string | null;
  typeFilters: TypeFilter[];
  /** Patient ids (POST `patient` references), for patient and group exports. */
  patients: string[];
}

/** A parameter `Prefer: handling=lenient` let through: reported as an OperationOutcome issue in the manifest's `error`. */
export interface IgnoredParameter {
  parameter: string;
  message: string;
}

export interface KickOff {
  params: ExportParams;
  ignored: IgnoredParameter[];
}

export interface KickOffInput {
  level: ExportLevel;
  /** Query-string parameters (GET) or the `Parameters` body's (POST), as name → values. */
  values: Map<string, string[]>;
  prefer: string | undefined;
  accept: string | undefined;
}

const FHIR_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const PATIENT_REFERENCE = /^(?:Patient\/)?([A-Za-z0-9\-.]{1,64})$/;
const KNOWN = new Set(['_outputFormat', '_since', '_type', '_typeFilter', 'patient', '_elements', 'includeAssociatedData', '_until', 'organizeOutputBy', 'allowPartialManifests']);
const NOT_SUPPORTED = new Set(['_elements', 'includeAssociatedData', '_until', 'organizeOutputBy', 'allowPartialManifests']);

/** `Prefer` tokens, lowercased: `respond-async`, `handling=lenient`. */
export function preferTokens(prefer: string | undefined): Set<string> {
  return new Set((prefer ?? '').split(/[,;]/).map((t) => t.trim().toLowerCase().replace(/\s+/g, '')).filter(Boolean));
}

/**
 * Validates a kick-off (https://hl7.org/fhir/uv/bulkdata/STU2/export.html#query-parameters).
 * Errors are collected and thrown together as one `validation_failed` (400 OperationOutcome);
 * with `Prefer: handling=lenient`, unsupported parameters are dropped and returned as `ignored`
 * instead — but a malformed value of a supported one (a bad `_since`) is always an error.
 */
export function parseKickOff(input: KickOffInput): KickOff {
  const prefer = preferTokens(input.prefer);
  const lenient = prefer.has('handling=lenient');
  const errors: FieldIssue[] = [];
  const ignored: IgnoredParameter[] = [];
  const unsupported = (parameter: string, message: string): void => {
    if (lenient) ignored.push({ parameter, message });
    else errors.push({ path: parameter, message });
  };

  if (!prefer.has('respond-async')) errors.push({ path: 'Prefer', message: 'must include respond-async' });
  const accept = input.accept?.split(';')[0]?.trim().toLowerCase();
  if (accept && accept !== 'application/fhir+json' && accept !== '*/*' && accept !== 'application/json') {
    errors.push({ path: 'Accept', message: 'must be application/fhir+json' });
  }

  for (const name of input.values.keys()) {
    if (!KNOWN.has(name)) unsupported(name, 'is not a Bulk Data export parameter this server supports');
    else if (NOT_SUPPORTED.has(name)) unsupported(name, 'is not supported by this server');
  }

  for (const format of list(input.values, '_outputFormat')) {
    if (!OUTPUT_FORMATS.has(format)) errors.push({ path: '_outputFormat', message: 'must be application/fhir+ndjson, application/ndjson or ndjson' });
  }

  const sinceValues = input.values.get('_since') ?? [];
  let since: string | null = null;
  if (sinceValues.length > 1) errors.push({ path: '_since', message: 'may be given once' });
  else if (sinceValues.length === 1) {
    const raw = sinceValues[0] ?? '';
    const ms = FHIR_INSTANT.test(raw) ? Date.parse(raw) : NaN;
    if (Number.isNaN(ms)) errors.push({ path: '_since', message: 'must be a FHIR instant (e.g. 2026-01-01T00:00:00Z)' });
    else since = new Date(ms).toISOString();
  }

  const requested = list(input.values, '_type');
  const types: string[] = [];
  for (const type of requested) {
    if (EXPORTABLE_TYPES.includes(type)) types.push(type);
    else unsupported('_type', `${safeName(type)} is not a resource type this server exports`);
  }
  if (requested.length > 0 && types.length === 0 && errors.length === 0) errors.push({ path: '_type', message: 'names no resource type this server exports' });

  const typeFilters: TypeFilter[] = [];
  for (const raw of list(input.values, '_typeFilter')) {
    const parsed = parseTypeFilter(raw);
    if (!parsed.ok) unsupported('_typeFilter', parsed.message);
    else if (types.length > 0 && !types.includes(parsed.filter.type)) unsupported('_typeFilter', `${parsed.filter.type} is not among the exported _type values`);
    else typeFilters.push(parsed.filter);
  }

  const patients: string[] = [];
  for (const ref of input.values.get('patient') ?? []) {
    const id = PATIENT_REFERENCE.exec(ref)?.[1];
    if (input.level === 'system') errors.push({ path: 'patient', message: 'is not allowed on a system-level export' });
    else if (!id) errors.push({ path: 'patient', message: 'must be a Patient reference (Patient/{id})' });
    else patients.push(id);
  }

  if (errors.length > 0) throw new SbError(ErrorCode.ValidationFailed, 'Invalid Bulk Data kick-off', { issues: errors });
  return {
    params: {
      types: types.length > 0 ? [...new Set(types)].sort() : null,
      since,
      typeFilters: dedupe(typeFilters),
      patients: [...new Set(patients)].sort(),
    },
    ignored,
  };
}

/** The identity of a request: a second identical kick-off while the first runs is refused (429). */
export function requestHashOf(connectionId: string, level: ExportLevel, groupId: string | null, params: ExportParams): string {
  return createHash('sha256').update(JSON.stringify([connectionId, level, groupId, params])).digest('hex');
}

/** Values of a repeatable parameter; each may itself be a comma-separated list (IG: "treated as one list"). `_typeFilter` values are never split on commas inside a query. */
function list(values: Map<string, string[]>, name: string): string[] {
  const raw = values.get(name) ?? [];
  const split = name === '_typeFilter' ? raw.flatMap(splitTypeFilters) : raw.flatMap((v) => v.split(','));
  return split.map((v) => v.trim()).filter(Boolean);
}

/** `_typeFilter` lists separate queries with commas; a query starts with a resource type and `?`. */
function splitTypeFilters(value: string): string[] {
  return value.split(/,(?=[A-Z][A-Za-z]+\?)/);
}

function dedupe(filters: TypeFilter[]): TypeFilter[] {
  const byKey = new Map(filters.map((f) => [`${f.type}?${f.criteria.map(([k, v]) => `${k}=${v}`).join('&')}`, f]));
  return [...byKey.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, f]) => f);
}

/** A client-supplied name echoed in an issue: only when it looks like a resource type, so nothing else is reflected. */
const safeName = (type: string): string => (/^[A-Z][A-Za-z]{1,63}$/.test(type) ? type : 'a value');
