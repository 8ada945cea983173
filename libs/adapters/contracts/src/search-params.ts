import { ErrorCode, SbError } from '@sb/core';
import type { ClinicalResourceType } from './resource-types';

/** Normalized search parameters: name → values (a repeated parameter keeps every value). */
export type SearchParams = Record<string, string[]>;

/** Parameters the gateway accepts on every type. */
export const COMMON_SEARCH_PARAMS = ['_id', '_count'] as const;

/** What the facade accepts per type (US Core 6.1.0 mandatory and common optional searches). */
export const SEARCH_PARAMS: Record<ClinicalResourceType, readonly string[]> = {
  Patient: ['identifier', 'family', 'given', 'name', 'birthdate', 'gender'],
  Encounter: ['patient', 'date', 'status', 'class'],
  Observation: ['patient', 'category', 'code', 'date'],
  Condition: ['patient', 'category', 'clinical-status', 'code'],
  AllergyIntolerance: ['patient', 'clinical-status'],
  MedicationRequest: ['patient', 'status', 'intent'],
  DiagnosticReport: ['patient', 'category', 'code', 'date'],
  DocumentReference: ['patient', 'category', 'type', 'date'],
  Appointment: ['patient', 'date', 'status'],
  Practitioner: ['identifier', 'name', 'family', 'given'],
  Organization: ['identifier', 'name'],
  Location: ['identifier', 'name'],
  Immunization: ['patient', 'date', 'status'],
  ServiceRequest: ['patient', 'status', 'category', 'code'],
  Slot: ['start', 'schedule', 'status'],
};

export const MAX_PAGE_SIZE = 200;

const invalid = (issues: { path: string; message: string }[]): SbError =>
  new SbError(ErrorCode.ValidationFailed, 'Invalid search parameters', { issues });

/**
 * Validates and normalizes a query string for a type. Gateway rules hold on every
 * vendor, so a request that one EHR would refuse is refused the same way for all:
 * Observation needs `patient` (Epic demands it), Patient needs some criterion.
 */
export function parseSearchParams(type: ClinicalResourceType, query: Record<string, unknown>): SearchParams {
  const allowed = new Set<string>([...COMMON_SEARCH_PARAMS, ...SEARCH_PARAMS[type]]);
  const params: SearchParams = {};
  const issues: { path: string; message: string }[] = [];
  for (const [raw, value] of Object.entries(query)) {
    const name = raw.split(':')[0] ?? raw;
    if (!allowed.has(name) || raw !== name) {
      issues.push({ path: raw, message: `not a supported ${type} search parameter` });
      continue;
    }
    const values = (Array.isArray(value) ? value : [value]).map(String);
    if (values.some((v) => v.length === 0 || v.length > 256)) issues.push({ path: name, message: 'values must be 1–256 characters' });
    params[name] = values;
  }
  const count = params._count?.[0];
  if (count !== undefined && !(/^\d+$/.test(count) && Number(count) >= 1 && Number(count) <= MAX_PAGE_SIZE)) {
    issues.push({ path: '_count', message: `an integer from 1 to ${MAX_PAGE_SIZE}` });
  }
  if (type === 'Observation' && !params.patient) issues.push({ path: 'patient', message: 'Observation searches need a patient' });
  if (type === 'Patient' && !['_id', 'identifier', 'family', 'given', 'name'].some((p) => params[p])) {
    issues.push({ path: 'identifier', message: 'Patient searches need _id, identifier or a name' });
  }
  if (issues.length > 0) throw invalid(issues);
  return params;
}

/** `?a=1&a=2&b=3` from normalized params, for the vendor request. */
export const toQueryString = (params: SearchParams): string => {
  const q = new URLSearchParams();
  for (const [name, values] of Object.entries(params)) for (const v of values) q.append(name, v);
  return q.toString();
};
