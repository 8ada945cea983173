import type { Coding, Resource } from '@medplum/fhirtypes';
import { ErrorCode, SbError } from '@sb/core';

/**
 * FHIR search semantics applied by the gateway to mapped resources, for the criteria
 * athena cannot filter on itself (https://hl7.org/fhir/R4/search.html). A comma in
 * one value means "any of"; a repeated parameter means "all of".
 */
export type ResourceFilter = (resource: Resource) => boolean;

export const invalidParam = (path: string, message: string): SbError =>
  new SbError(ErrorCode.ValidationFailed, 'Invalid search parameters', { issues: [{ path, message }] });

/** `system|code`, `|code`, `code` or `system|`. */
function tokenOf(value: string): { system?: string; code?: string } {
  const bar = value.indexOf('|');
  if (bar === -1) return { code: value };
  const system = value.slice(0, bar);
  const code = value.slice(bar + 1);
  return { ...(system ? { system } : {}), ...(code ? { code } : {}) };
}

const codingMatches = (token: { system?: string; code?: string }, coding: Coding): boolean =>
  (token.system === undefined || coding.system === token.system) && (token.code === undefined || coding.code === token.code);

/** A token parameter over codings (or plain codes such as `status`). */
export function tokenFilter(values: readonly string[], codesOf: (r: Resource) => (Coding | string | undefined)[]): ResourceFilter {
  const groups = values.map((v) => v.split(',').map(tokenOf));
  return (resource) => {
    const codes = codesOf(resource).filter((c): c is Coding | string => c !== undefined);
    return groups.every((anyOf) => anyOf.some((token) => codes.some((c) => (typeof c === 'string' ? token.system === undefined && token.code === c : codingMatches(token, c)))));
  };
}

const fold = (s: string): string =>
  s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase();

/** A string parameter: case- and accent-insensitive "starts with" on any of the strings (FHIR default string match). */
export function stringFilter(values: readonly string[], stringsOf: (r: Resource) => (string | undefined)[]): ResourceFilter {
  const groups = values.map((v) => v.split(',').map(fold));
  return (resource) => {
    const strings = stringsOf(resource)
      .filter((s): s is string => typeof s === 'string')
      .map(fold);
    return groups.every((anyOf) => anyOf.some((prefix) => strings.some((s) => s.startsWith(prefix))));
  };
}

type Comparator = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le';
const COMPARATORS: readonly Comparator[] = ['eq', 'ne', 'gt', 'lt', 'ge', 'le'];
const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** One date criterion: a comparator and either a calendar range (inclusive days) or an instant range [from, to). */
export type DateCriterion = { comparator: Comparator } & ({ kind: 'days'; from: string; to: string } | { kind: 'instant'; fromMs: number; toMs: number });

const lastDayOf = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();
const pad = (n: number): string => String(n).padStart(2, '0');

/** `ge2026-03` → days 2026-03-01…2026-03-31; `lt2026-03-05T10:00:00-05:00` → that instant. Prefixes sa/eb/ap are refused. */
export function dateCriterion(param: string, raw: string): DateCriterion {
  const prefix = /^[a-z]{2}/.exec(raw)?.[0];
  if (prefix && !COMPARATORS.includes(prefix as Comparator)) throw invalidParam(param, `prefix '${prefix}' is not supported (use eq, ne, gt, lt, ge or le)`);
  const comparator = (prefix ?? 'eq') as Comparator;
  const value = prefix ? raw.slice(2) : raw;
  const day = DATE.exec(value);
  if (day) {
    const year = Number(day[1]);
    const month = day[2] ? Number(day[2]) : undefined;
    const date = day[3] ? Number(day[3]) : undefined;
    if ((month !== undefined && (month < 1 || month > 12)) || (date !== undefined && (date < 1 || date > lastDayOf(year, month ?? 1)))) throw invalidParam(param, 'not a valid date');
    const from = `${year}-${pad(month ?? 1)}-${pad(date ?? 1)}`;
    const to = `${year}-${pad(month ?? 12)}-${pad(date ?? lastDayOf(year, month ?? 12))}`;
    return { comparator, kind: 'days', from, to };
  }
  if (DATE_TIME.test(value) && !Number.isNaN(Date.parse(value))) {
    const fromMs = Date.parse(value);
    const precisionMs = /T\d{2}:\d{2}(Z|[+-])/.test(value) ? 60_000 : /\.\d+/.test(value) ? 1 : 1000;
    return { comparator, kind: 'instant', fromMs, toMs: fromMs + precisionMs };
  }
  throw invalidParam(param, 'a FHIR date (YYYY, YYYY-MM, YYYY-MM-DD) or a dateTime with a time zone');
}

/** Does a resource's date (a FHIR date or dateTime with offset) meet the criterion? Days compare in the resource's own time zone. */
export function dateMatches(criterion: DateCriterion, when: string | undefined): boolean {
  if (!when) return false;
  if (criterion.kind === 'days') {
    const day = when.slice(0, 10);
    const { from, to } = criterion;
    const eq = day >= from && day <= to;
    switch (criterion.comparator) {
      case 'eq':
        return eq;
      case 'ne':
        return !eq;
      case 'gt':
        return day > to;
      case 'lt':
        return day < from;
      case 'ge':
        return day >= from;
      case 'le':
        return day <= to;
    }
  }
  const at = Date.parse(when.length === 10 ? `${when}T00:00:00Z` : when);
  if (Number.isNaN(at)) return false;
  const { fromMs, toMs } = criterion;
  switch (criterion.comparator) {
    case 'eq':
      return at >= fromMs && at < toMs;
    case 'ne':
      return !(at >= fromMs && at < toMs);
    case 'gt':
      return at >= toMs;
    case 'lt':
      return at < fromMs;
    case 'ge':
      return at >= fromMs;
    case 'le':
      return at < toMs;
  }
}

/** A date parameter (every value must hold). */
export function dateFilter(param: string, values: readonly string[], whenOf: (r: Resource) => string | undefined): ResourceFilter {
  const criteria = values.map((v) => dateCriterion(param, v));
  return (resource) => criteria.every((c) => dateMatches(c, whenOf(resource)));
}

/**
 * The calendar days (YYYY-MM-DD, inclusive) a set of date criteria can match, for an
 * athena query by day (`startdate`/`enddate`); a side nobody bounds is null. Instants
 * widen by a day each way (department time zones); the exact filter runs afterwards.
 */
export function dayWindow(criteria: readonly DateCriterion[]): { from: string | null; to: string | null } {
  let from: string | null = null;
  let to: string | null = null;
  const later = (a: string | null, b: string): string => (a === null || b > a ? b : a);
  const earlier = (a: string | null, b: string): string => (a === null || b < a ? b : a);
  const shift = (day: string, days: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
  for (const c of criteria) {
    const lo = c.kind === 'days' ? c.from : shift(new Date(c.fromMs).toISOString().slice(0, 10), -1);
    const hi = c.kind === 'days' ? c.to : shift(new Date(c.toMs).toISOString().slice(0, 10), 1);
    switch (c.comparator) {
      case 'eq':
        from = later(from, lo);
        to = earlier(to, hi);
        break;
      case 'gt':
      case 'ge':
        from = later(from, c.kind === 'days' && c.comparator === 'gt' ? shift(hi, 1) : lo);
        break;
      case 'lt':
      case 'le':
        to = earlier(to, c.kind === 'days' && c.comparator === 'lt' ? shift(lo, -1) : hi);
        break;
      case 'ne':
        break;
    }
  }
  return { from, to };
}

/** `YYYY-MM-DD` → athena's `MM/DD/YYYY`. */
export const athenaDay = (isoDay: string): string => `${isoDay.slice(5, 7)}/${isoDay.slice(8, 10)}/${isoDay.slice(0, 4)}`;
