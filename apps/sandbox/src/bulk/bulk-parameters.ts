import type { ResourceType } from '../fhir/fhir-types';
import { issue, type Issue } from '../fhir/issues';
import type { Criterion } from '../fhir/search-engine';
import { parseTypeFilters, type TypeFilterRules } from './bulk-type-filter';

/** The three spellings Bulk Data 2.0.0 asks servers to accept for NDJSON. */
export const NDJSON_OUTPUT_FORMATS: readonly string[] = ['application/fhir+ndjson', 'application/ndjson', 'ndjson'];
const FHIR_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Which kick-off parameters a vendor honours, ignores or refuses. */
export interface BulkParamPolicy {
  since: 'supported' | 'ignored';
  typeFilter: 'supported' | 'ignored' | 'refused';
  typeFilterRules: TypeFilterRules;
  /** Any other parameter (`_elements`, `patient`, …): ignored silently, or refused with 400. */
  otherParameters: 'ignored' | 'refused';
  /** Other parameters taken without complaint and without effect (Oracle's includeAssociatedData). */
  accepted: readonly string[];
  /** Whether `Prefer: handling=lenient` turns refusals into warnings (the parameter is dropped). */
  lenient: boolean;
}

export interface ExportParameters {
  /** What to export, in the server's type order. */
  types: ResourceType[];
  /** Whether the client named types (`_type`) rather than taking every type. */
  typeGiven: boolean;
  since?: string;
  sinceMs?: number;
  typeFilters: Map<ResourceType, Criterion[][]>;
  outputFormat: string;
}

export type ParsedParameters = { ok: true; params: ExportParameters; warnings: Issue[] } | { ok: false; issues: Issue[] };

const valuesOf = (pairs: readonly [string, string][], name: string): string[] => pairs.filter(([n]) => n === name).map(([, v]) => v);

/**
 * Validates kick-off parameters against a vendor's policy. `exportable` is
 * every type the server exports, in order; it is the default without `_type`.
 */
export function parseExportParameters(pairs: readonly [string, string][], policy: BulkParamPolicy, lenient: boolean, exportable: readonly ResourceType[]): ParsedParameters {
  const errors: Issue[] = [];
  const warnings: Issue[] = [];
  const refuse = (i: Issue): void => {
    if (policy.lenient && lenient) warnings.push({ ...i, severity: 'warning', message: `${i.message} Ignored (handling=lenient).` });
    else errors.push(i);
  };

  const formats = valuesOf(pairs, '_outputFormat').map((f) => f.replace(/ /g, '+'));
  const outputFormat = formats[0] ?? 'application/fhir+ndjson';
  if (formats.length > 1 || !NDJSON_OUTPUT_FORMATS.includes(outputFormat)) {
    errors.push(issue('invalid-parameter', `_outputFormat must be one of ${NDJSON_OUTPUT_FORMATS.join(', ')}.`, ['_outputFormat']));
  }

  const typeValues = valuesOf(pairs, '_type');
  const named = [...new Set(typeValues.flatMap((v) => v.split(',')).map((t) => t.trim()).filter((t) => t !== ''))];
  const typeGiven = typeValues.length > 0;
  for (const t of named) {
    if ((exportable as readonly string[]).includes(t)) continue;
    const shown = /^[A-Za-z]{1,64}$/.test(t) ? t : 'a type';
    refuse(issue('unknown-type', `_type names ${shown}, which this server does not export.`, ['_type']));
  }
  const types = typeGiven ? exportable.filter((t) => named.includes(t)) : [...exportable];
  if (typeGiven && types.length === 0 && errors.length === 0) errors.push(issue('invalid-parameter', '_type names no resource type this server exports.', ['_type']));

  let since: string | undefined;
  let sinceMs: number | undefined;
  const sinceValues = valuesOf(pairs, '_since');
  if (policy.since === 'supported' && sinceValues.length > 0) {
    since = sinceValues[0] as string;
    sinceMs = Date.parse(since);
    if (sinceValues.length > 1 || !FHIR_INSTANT.test(since) || Number.isNaN(sinceMs)) {
      errors.push(issue('invalid-parameter', '_since must be one FHIR instant, e.g. 2026-01-01T00:00:00Z.', ['_since']));
    }
  }

  let typeFilters = new Map<ResourceType, Criterion[][]>();
  const filterValues = valuesOf(pairs, '_typeFilter');
  if (filterValues.length > 0 && policy.typeFilter === 'refused') refuse(issue('not-supported', '_typeFilter is not supported.', ['_typeFilter']));
  if (filterValues.length > 0 && policy.typeFilter === 'supported') {
    const parsed = parseTypeFilters(filterValues, typeGiven ? types : undefined, policy.typeFilterRules);
    parsed.issues.forEach(refuse);
    typeFilters = parsed.filters;
  }

  const handled = new Set(['_outputFormat', '_type', '_since', '_typeFilter', ...policy.accepted]);
  if (policy.otherParameters === 'refused') {
    for (const name of new Set(pairs.map(([n]) => n))) if (!handled.has(name)) refuse(issue('not-supported', `The ${name} parameter is not supported.`, [name]));
  }

  if (errors.length > 0) return { ok: false, issues: errors };
  return { ok: true, params: { types, typeGiven, since, sinceMs, typeFilters, outputFormat }, warnings };
}
