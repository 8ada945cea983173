import type { ClinicalResourceType, SearchParams } from '@sb/adapters/contracts';
import { ErrorCode, SbError } from '@sb/core';
import type { ClinicalQuery, CodedElement, DateComparator } from '@sb/db';

/** Page size when `_count` is absent. */
export const DEFAULT_STORE_PAGE_SIZE = 50;

/** Which element each token search parameter reads, per type (FHIR R4 search parameter definitions). */
const CODED: Partial<Record<ClinicalResourceType, Record<string, CodedElement>>> = {
  Observation: { category: { path: 'category', shape: 'concepts' }, code: { path: 'code', shape: 'concept' } },
  DiagnosticReport: { category: { path: 'category', shape: 'concepts' }, code: { path: 'code', shape: 'concept' } },
  DocumentReference: { category: { path: 'category', shape: 'concepts' }, type: { path: 'type', shape: 'concept' } },
  Encounter: { class: { path: 'class', shape: 'coding' } },
  Condition: { category: { path: 'category', shape: 'concepts' }, code: { path: 'code', shape: 'concept' }, 'clinical-status': { path: 'clinicalStatus', shape: 'concept' } },
  AllergyIntolerance: { 'clinical-status': { path: 'clinicalStatus', shape: 'concept' } },
  ServiceRequest: { category: { path: 'category', shape: 'concepts' }, code: { path: 'code', shape: 'concept' } },
};

/** Plain string fields compared for equality. */
const EQUALS: Record<string, string> = { status: 'status', gender: 'gender', intent: 'intent' };
const NAME_PARAMS = new Set(['name', 'family', 'given']);
const DATE_PREFIXES: readonly DateComparator[] = ['eq', 'ge', 'gt', 'le', 'lt'];

const invalid = (path: string, message: string) => new SbError(ErrorCode.ValidationFailed, 'Invalid search parameters', { issues: [{ path, message }] });

const token = (value: string): { system?: string; code: string } => {
  const bar = value.indexOf('|');
  if (bar === -1) return { code: value };
  const system = value.slice(0, bar);
  return system ? { system, code: value.slice(bar + 1) } : { code: value.slice(bar + 1) };
};

function dateCriterion(name: string, value: string): { comparator: DateComparator; value: string } {
  const prefix = /^[a-z]{2}/.exec(value)?.[0];
  const comparator = (prefix ?? 'eq') as DateComparator;
  if (prefix && !DATE_PREFIXES.includes(comparator)) throw invalid(name, 'supported prefixes: eq, ge, gt, le, lt');
  const date = prefix ? value.slice(2) : value;
  if (!/^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.test(date)) throw invalid(name, 'a FHIR date or dateTime');
  return { comparator, value: date };
}

/**
 * Gateway search parameters (already validated by `parseSearchParams`) → a store
 * query. A comma inside one value means "any of"; repeating a parameter means "all of".
 */
export function toStoreQuery(type: ClinicalResourceType, params: SearchParams, afterId?: string): ClinicalQuery {
  const query: ClinicalQuery = { resourceType: type, limit: Number(params._count?.[0] ?? DEFAULT_STORE_PAGE_SIZE), afterId };
  for (const [name, values] of Object.entries(params)) {
    if (name === '_count') continue;
    for (const value of values) {
      const anyOf = value.split(',');
      if (name === '_id') query.ids = anyOf;
      else if (name === 'patient') query.patientId = value.replace(/^Patient\//, '');
      else if (name === 'identifier') query.identifierTokens = anyOf.map((v) => (v.includes('|') ? v : `|${v}`));
      else if (NAME_PARAMS.has(name)) (query.namePrefixes ??= []).push(...value.toLowerCase().split(/\s+/).filter(Boolean));
      else if (name === 'date' || name === 'birthdate') (query.dates ??= []).push(dateCriterion(name, value));
      else if (EQUALS[name]) (query.equals ??= []).push({ field: EQUALS[name], values: anyOf });
      else {
        const element = CODED[type]?.[name];
        if (!element) throw invalid(name, `not searchable on ${type} for this connection`);
        (query.codes ??= []).push({ element, anyOf: anyOf.map(token) });
      }
    }
  }
  return query;
}
