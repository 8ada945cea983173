import type { FhirResource, ResourceType } from './fhir-types';
import type { LayeredStore } from './resource-store';
import { dateRange, referenceId, SEARCH_PARAMETERS, type DateRange, type SearchParamDef, type Token } from './search-parameters';

/** Parameters that shape the result rather than filter it. */
const RESULT_PARAMETERS = new Set(['_count', '_format', '_pretty']);
const DATE_PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb'] as const;
type DatePrefix = (typeof DATE_PREFIXES)[number];
const STRING_MODIFIERS = new Set(['exact', 'contains']);

export interface Criterion {
  def: SearchParamDef | 'id';
  name: string;
  modifier?: string;
  /** Alternatives (comma-separated in the query): any one may match. */
  values: string[];
}

export interface ParsedSearch {
  criteria: Criterion[];
  count?: number;
  /** Parameters this server does not know: names only, never values. */
  unknown: string[];
  /** Parameters present with an unusable value: names only. */
  invalid: string[];
  /** Parameter names that were given, known or not. */
  names: Set<string>;
}

/** Splits on commas not escaped with a backslash (https://hl7.org/fhir/R4/search.html#escaping). */
function alternatives(value: string): string[] {
  return value
    .split(/(?<!\\),/)
    .map((v) => v.replace(/\\([,$|\\])/g, '$1'))
    .filter((v) => v !== '');
}

export function parseSearch(type: ResourceType, params: Iterable<[string, string]>): ParsedSearch {
  const defs = SEARCH_PARAMETERS[type];
  const parsed: ParsedSearch = { criteria: [], unknown: [], invalid: [], names: new Set() };
  for (const [rawName, value] of params) {
    const [name = '', modifier] = rawName.split(':', 2);
    parsed.names.add(name);
    if (RESULT_PARAMETERS.has(name)) {
      if (name === '_count') {
        const count = Number(value);
        if (!/^\d+$/.test(value) || count < 1) parsed.invalid.push(name);
        else parsed.count = count;
      }
      continue;
    }
    if (name === '_id' && modifier === undefined) {
      parsed.criteria.push({ def: 'id', name, values: alternatives(value) });
      continue;
    }
    const def = defs.get(name);
    if (!def || (modifier !== undefined && !(def.type === 'string' && STRING_MODIFIERS.has(modifier)))) {
      parsed.unknown.push(rawName);
      continue;
    }
    const values = alternatives(value);
    if (values.length === 0 || (def.type === 'date' && values.some((v) => parseDateValue(v) === undefined))) {
      parsed.invalid.push(name);
      continue;
    }
    parsed.criteria.push({ def, name, modifier, values });
  }
  return parsed;
}

function parseDateValue(value: string): { prefix: DatePrefix; range: DateRange } | undefined {
  const prefix = (DATE_PREFIXES as readonly string[]).includes(value.slice(0, 2)) ? (value.slice(0, 2) as DatePrefix) : 'eq';
  const range = dateRange(prefix === 'eq' && !value.startsWith('eq') ? value : value.slice(2));
  return range ? { prefix, range } : undefined;
}

function dateMatches(prefix: DatePrefix, p: DateRange, r: DateRange): boolean {
  switch (prefix) {
    case 'eq':
      return r[0] >= p[0] && r[1] <= p[1];
    case 'ne':
      return !(r[0] >= p[0] && r[1] <= p[1]);
    case 'gt':
      return r[1] > p[1];
    case 'lt':
      return r[0] < p[0];
    case 'ge':
      return r[1] > p[0];
    case 'le':
      return r[0] < p[1];
    case 'sa':
      return r[0] >= p[1];
    case 'eb':
      return r[1] <= p[0];
  }
}

const lastTwoSegments = (ref: string): string => ref.split('/').slice(-2).join('/');
const fold = (s: string): string => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();

function tokenMatches(query: string, token: Token): boolean {
  const bar = query.indexOf('|');
  if (bar === -1) return token.code === query;
  const system = query.slice(0, bar);
  const code = query.slice(bar + 1);
  if (system === '') return token.system === undefined && token.code === code;
  if (code === '') return token.system === system;
  return token.system === system && token.code === code;
}

function valueMatches(criterion: Criterion & { def: SearchParamDef }, query: string, resource: FhirResource): boolean {
  const values = criterion.def.extract(resource);
  switch (criterion.def.type) {
    case 'token':
      return values.some((v) => tokenMatches(query, v as Token));
    case 'string': {
      const q = fold(query);
      return values.some((v) => {
        const s = v as string;
        if (criterion.modifier === 'exact') return s === query;
        const f = fold(s);
        return criterion.modifier === 'contains' ? f.includes(q) : f.startsWith(q);
      });
    }
    case 'date': {
      const parsed = parseDateValue(query);
      return parsed !== undefined && values.some((v) => dateMatches(parsed.prefix, parsed.range, v as DateRange));
    }
    case 'reference': {
      // "Patient/123" and absolute URLs compare on type and id; a bare "123" on id alone.
      const typed = query.includes('/');
      return values.some((v) => (typed ? lastTwoSegments(v as string) === lastTwoSegments(query) : referenceId(v as string) === query));
    }
  }
}

function matches(criterion: Criterion, resource: FhirResource): boolean {
  if (criterion.def === 'id') return criterion.values.includes(resource.id);
  const withDef = criterion as Criterion & { def: SearchParamDef };
  return criterion.values.some((q) => valueMatches(withDef, q, resource));
}

/** Whether a resource satisfies every criterion (a $export `_typeFilter` applies one to each exported resource). */
export function matchesCriteria(resource: FhirResource, criteria: readonly Criterion[]): boolean {
  return criteria.every((c) => matches(c, resource));
}

/**
 * Runs a parsed search: the patient index narrows the candidates when the
 * query names patients, then every criterion must hold (AND), each satisfied
 * by any of its comma-separated values (OR).
 */
export function executeSearch(store: LayeredStore, type: ResourceType, criteria: Criterion[]): FhirResource[] {
  const byPatient = criteria.find((c) => c.name === 'patient' || c.name === 'subject');
  const byId = criteria.find((c) => c.def === 'id');
  let candidates: readonly FhirResource[];
  if (byPatient) {
    const ids = [...new Set(byPatient.values.map(referenceId))];
    candidates = ids.length === 1 ? store.forPatient(type, ids[0] as string) : ids.flatMap((id) => store.forPatient(type, id));
  } else if (byId) {
    candidates = byId.values.flatMap((id) => store.get(type, id) ?? []);
  } else {
    candidates = store.all(type);
  }
  return candidates.filter((r) => criteria.every((c) => matches(c, r)));
}
