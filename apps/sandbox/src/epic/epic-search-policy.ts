import { PATIENT_SCOPED, type ResourceType } from '../fhir/fhir-types';
import { issue, type Issue } from '../fhir/issues';
import type { ParsedSearch } from '../fhir/search-engine';
import type { SearchPolicy } from '../fhir/search-flow';

export const EPIC_DEFAULT_PAGE_SIZE = 50;
export const EPIC_MAX_PAGE_SIZE = 1000;

const has = (parsed: ParsedSearch, ...names: string[]): boolean => names.some((n) => parsed.names.has(n));

/**
 * Epic refuses open-ended searches: Patient needs an identifier, or a name
 * together with a birth date; Observation needs a patient and a category or
 * code; every other clinical type needs a patient. `_id` is always enough.
 */
export function epicRequirement(type: ResourceType, parsed: ParsedSearch): Issue | undefined {
  if (has(parsed, '_id')) return undefined;
  if (type === 'Patient') {
    if (has(parsed, 'identifier') || (has(parsed, 'family', 'given', 'name') && has(parsed, 'birthdate'))) return undefined;
    return issue('missing-parameter', 'Patient search requires identifier, or a name (family, given or name) together with birthdate.', ['identifier', 'birthdate']);
  }
  if (type === 'Observation') {
    if (has(parsed, 'patient', 'subject') && has(parsed, 'category', 'code')) return undefined;
    return issue('missing-parameter', 'Observation search requires patient and either category or code.', ['patient', 'category', 'code']);
  }
  if (PATIENT_SCOPED.has(type)) {
    return has(parsed, 'patient', 'subject') ? undefined : issue('missing-parameter', `${type} search requires patient.`, ['patient']);
  }
  return parsed.criteria.length > 0 ? undefined : issue('missing-parameter', `${type} search requires at least one search parameter.`);
}

/**
 * Warnings Epic mixes into search results as `search.mode = "outcome"`
 * entries: ignored parameters, an empty result, and the note that only
 * final results are released (on every Observation search that found some).
 */
export function epicOutcomes(type: ResourceType, parsed: ParsedSearch, matches: readonly unknown[]): Issue[] {
  const issues = parsed.unknown.map((name) => issue('ignored-parameter', `Search parameter "${name}" is not supported and was ignored.`, [name], 'warning'));
  if (matches.length === 0) issues.push(issue('no-results', 'No resources matched the search.', undefined, 'warning'));
  else if (type === 'Observation') issues.push(issue('filtered-results', 'Only final and amended results are returned; preliminary results were left out.', undefined, 'warning'));
  return issues;
}

export function epicSearchPolicy(base: () => string): SearchPolicy {
  return {
    defaultPageSize: EPIC_DEFAULT_PAGE_SIZE,
    maxPageSize: EPIC_MAX_PAGE_SIZE,
    requirement: epicRequirement,
    outcomes: epicOutcomes,
    includeTotal: true,
    nextLink: (type, cursor) => `${base()}/${type}?sessionID=${cursor}`,
  };
}
