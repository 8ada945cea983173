import { isResourceType, type ResourceType } from '../fhir/fhir-types';
import { issue, type Issue } from '../fhir/issues';
import { parseSearch, type Criterion } from '../fhir/search-engine';

/** How a server takes `_typeFilter` (Oracle's rules: paired with `_type`, one per type, some types excluded). */
export interface TypeFilterRules {
  /** Each filtered type must also be listed in `_type`. */
  needsType: boolean;
  /** At most one filter per type. */
  onePerType: boolean;
  /** Types a filter may not name. */
  excluded: ReadonlySet<string>;
}

export interface TypeFilters {
  /** Per type, the filter a resource must match (alternatives for a type are OR'd, their criteria AND'd). */
  filters: Map<ResourceType, Criterion[][]>;
  /** What was wrong; names types and parameters, never values. */
  issues: Issue[];
}

/** A comma separates queries only where the next one starts (`Type?`); commas inside a query are OR values. */
const splitQueries = (value: string): string[] => value.split(/,(?=[A-Z][A-Za-z]*\?)/).filter((q) => q.trim() !== '');

/**
 * Parses `_typeFilter` values (`Observation?category=laboratory`) into search
 * criteria the export applies to each resource of that type.
 * https://hl7.org/fhir/uv/bulkdata/STU2/export.html#_typefilter-query-parameter
 */
export function parseTypeFilters(values: readonly string[], types: readonly ResourceType[] | undefined, rules: TypeFilterRules): TypeFilters {
  const filters = new Map<ResourceType, Criterion[][]>();
  const issues: Issue[] = [];
  for (const query of values.flatMap(splitQueries)) {
    const m = /^([A-Za-z]+)\?(.+)$/.exec(query.trim());
    if (!m) {
      issues.push(issue('invalid-parameter', '_typeFilter must be a resource type, "?" and search parameters.', ['_typeFilter']));
      continue;
    }
    const type = m[1] as string;
    if (!isResourceType(type)) {
      issues.push(issue('unknown-type', `_typeFilter names ${type}, which this server does not export.`, ['_typeFilter']));
      continue;
    }
    if (rules.excluded.has(type)) {
      issues.push(issue('not-supported', `_typeFilter is not supported for ${type}.`, ['_typeFilter']));
      continue;
    }
    if (rules.needsType && !types?.includes(type)) {
      issues.push(issue('invalid-parameter', `_typeFilter for ${type} must be paired with _type listing ${type}.`, ['_typeFilter']));
      continue;
    }
    if (rules.onePerType && filters.has(type)) {
      issues.push(issue('invalid-parameter', `Only one _typeFilter per resource type is supported (${type} has several).`, ['_typeFilter']));
      continue;
    }
    const parsed = parseSearch(type, new URLSearchParams(m[2]));
    const bad = [...parsed.unknown, ...parsed.invalid];
    if (bad.length > 0 || parsed.criteria.length === 0) {
      issues.push(issue('invalid-parameter', `_typeFilter for ${type} uses search parameters this server cannot apply: ${bad.join(', ') || '(none given)'}.`, ['_typeFilter']));
      continue;
    }
    filters.set(type, [...(filters.get(type) ?? []), parsed.criteria]);
  }
  return { filters, issues };
}
