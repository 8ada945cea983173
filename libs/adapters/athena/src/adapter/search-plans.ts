import type { Coding, Identifier, Resource } from '@medplum/fhirtypes';
import { MAX_PAGE_SIZE, type ClinicalResourceType, type SearchParams } from '@sb/adapters/contracts';
import { ErrorCode, isSbError } from '@sb/core';
import type { Connection } from '@sb/db';
import { athenaPatientIdOf, athenaPatientSystem, parseAthenaFhirId, type AthenaIdKind } from '../athena-ids';
import { withQuery, type AthenaQuery } from '../client/athena-http';
import { parseAthenaScheduleId } from '../fhir';
import type { AthenaApi } from './athena-api';
import { DEFAULT_PAGE_SIZE, type SearchState } from './search-runner';
import { athenaDay, dateCriterion, dateFilter, dayWindow, invalidParam, stringFilter, tokenFilter, type ResourceFilter } from './search-filters';
import type { SourceKind, SourceStep } from './search-sources';

/**
 * FHIR searches → athena requests (/work/shared/notes/athena.md §4). What athena can
 * filter is sent to it; the rest is applied by the gateway to the mapped resources
 * (`filtersFor`, the same semantics on every page); what neither can answer exactly
 * is a 400 naming the parameter — never a silently different answer.
 */

/** Search parameters the athena adapter accepts per type (the capability statement lists these). */
export const ATHENA_SEARCH_PARAMS = {
  Patient: ['_id', '_count', 'identifier', 'family', 'given', 'birthdate', 'gender'],
  Encounter: ['_id', '_count', 'patient', 'date', 'status', 'class'],
  Condition: ['_id', '_count', 'patient', 'category', 'clinical-status', 'code'],
  AllergyIntolerance: ['_id', '_count', 'patient', 'clinical-status'],
  MedicationRequest: ['_id', '_count', 'patient', 'status', 'intent'],
  Observation: ['_id', '_count', 'patient', 'category', 'code', 'date'],
  DiagnosticReport: ['_id', '_count', 'patient', 'category', 'code', 'date'],
  DocumentReference: ['_id', '_count', 'patient', 'category', 'type', 'date'],
  Appointment: ['_id', '_count', 'patient', 'date', 'status'],
  Slot: ['_id', '_count', 'start', 'schedule', 'status'],
  Practitioner: ['_id', '_count', 'identifier', 'name', 'family', 'given'],
  Location: ['_id', '_count', 'identifier', 'name'],
  Organization: ['_id', '_count', 'identifier', 'name'],
} as const satisfies Partial<Record<ClinicalResourceType, readonly string[]>>;
export type AthenaSearchType = keyof typeof ATHENA_SEARCH_PARAMS;

/** The day range a patient's appointments are listed over when the search gives none (athena needs one). */
const ALL_APPOINTMENT_DAYS = { from: '2000-01-01', to: '2099-12-31' };

const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const CONDITION_CATEGORIES = ['http://terminology.hl7.org/CodeSystem/condition-category', 'http://hl7.org/fhir/us/core/CodeSystem/condition-category'];
const DIAGNOSTIC_SERVICE = 'http://terminology.hl7.org/CodeSystem/v2-0074';
const DOCUMENT_CATEGORY = 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category';

export interface PlanEnv {
  api: AthenaApi;
  connection: Connection;
  /** The department ids appointments and slots are listed in: the connection's, else every department of the practice. */
  departmentIds: () => Promise<string[]>;
}

/** The first page's search state for a FHIR search. */
export async function planSearch(type: AthenaSearchType, params: SearchParams, env: PlanEnv): Promise<SearchState> {
  const count = Math.min(Number(params._count?.[0] ?? DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE);
  const filters = Object.fromEntries(Object.entries(params).filter(([name]) => name !== '_count' && name !== 'patient'));
  // Fail on bad criteria before any athena request.
  filtersFor(type, filters);
  const steps = await stepsFor(type, params, count, env);
  return { v: 1, type, count, steps, skip: 0, filters };
}

async function stepsFor(type: AthenaSearchType, params: SearchParams, limit: number, env: PlanEnv): Promise<SourceStep[]> {
  const practiceId = env.api.http.practiceId;
  switch (type) {
    case 'Patient':
      return patientSteps(params, practiceId, limit);
    case 'Practitioner':
      return params._id ? idSteps(params._id, 'practitioner', practiceId, 'provider', '/providers') : [{ kind: 'providers', path: withQuery('/providers', { limit }) }];
    case 'Location':
      return params._id ? idSteps(params._id, 'location', practiceId, 'department', '/departments') : [{ kind: 'departments', path: withQuery('/departments', { limit }) }];
    case 'Organization':
      return [{ kind: 'organization', path: '' }];
    case 'Appointment':
      return appointmentSteps(params, limit, env);
    case 'Slot':
      return slotSteps(params, limit, env);
    case 'Encounter':
    case 'Condition':
    case 'AllergyIntolerance':
    case 'MedicationRequest':
    case 'Observation':
    case 'DiagnosticReport':
    case 'DocumentReference':
      return chartSteps(type, params, limit, env);
  }
}

function onePatient(params: SearchParams): string {
  const [value, ...more] = params.patient ?? [];
  if (value === undefined || more.length > 0 || value.includes(',')) throw invalidParam('patient', 'exactly one patient (athena reads one chart at a time)');
  return value;
}

async function chartSteps(type: AthenaSearchType, params: SearchParams, limit: number, env: PlanEnv): Promise<SourceStep[]> {
  const patientId = athenaPatientIdOf(onePatient(params), env.api.http.practiceId);
  const kinds = chartKinds(type, params);
  if (!patientId) return []; // not a patient of this practice: nothing matches
  let departmentId: string;
  try {
    departmentId = await env.api.chart.departmentOf(patientId);
  } catch (error) {
    if (isSbError(error) && error.code === ErrorCode.NotFound) return [];
    throw error;
  }
  const chart = (kind: SourceKind, path: string, query: AthenaQuery = {}): SourceStep => ({ kind, patientId, departmentId, path: withQuery(path, { departmentid: departmentId, ...query }) });
  const p = encodeURIComponent(patientId);
  return kinds.map((kind) => {
    switch (kind) {
      case 'encounters':
        return chart(kind, `/chart/${p}/encounters`, { limit });
      case 'problems':
        return chart(kind, `/chart/${p}/problems`, { limit });
      case 'allergies':
        return chart(kind, `/chart/${p}/allergies`);
      case 'medications':
        return chart(kind, `/chart/${p}/medications`);
      case 'vitals':
        return chart(kind, `/chart/${p}/vitals`);
      case 'lab-observations':
      case 'lab-reports':
        return chart(kind, `/chart/${p}/labresults`, { limit });
      default:
        return chart(kind, `/patients/${p}/documents/clinicaldocument`, { limit });
    }
  });
}

/** The chart sections a type reads; category values athena does not have are refused by name. */
function chartKinds(type: AthenaSearchType, params: SearchParams): SourceKind[] {
  const categories = (params.category ?? []).flatMap((v) => v.split(','));
  const only = (allowed: Record<string, readonly string[]>, what: string) => {
    for (const value of categories) {
      const bar = value.indexOf('|');
      const [system, code] = bar === -1 ? [undefined, value] : [value.slice(0, bar), value.slice(bar + 1)];
      const systems = allowed[code];
      if (!systems || (system && !systems.includes(system))) throw invalidParam('category', `athena has ${what} only; '${value}' is not served`);
    }
  };
  switch (type) {
    case 'Encounter':
      return ['encounters'];
    case 'Condition':
      only({ 'problem-list-item': CONDITION_CATEGORIES }, 'problem-list-item conditions (the problem list)');
      return ['problems'];
    case 'AllergyIntolerance':
      return ['allergies'];
    case 'MedicationRequest':
      return ['medications'];
    case 'Observation': {
      only({ 'vital-signs': [OBSERVATION_CATEGORY], laboratory: [OBSERVATION_CATEGORY] }, 'vital-signs and laboratory observations');
      const codes = new Set(categories.map((c) => c.slice(c.indexOf('|') + 1)));
      const kinds: SourceKind[] = [];
      if (codes.size === 0 || codes.has('vital-signs')) kinds.push('vitals');
      if (codes.size === 0 || codes.has('laboratory')) kinds.push('lab-observations');
      return kinds;
    }
    case 'DiagnosticReport':
      only({ LAB: [DIAGNOSTIC_SERVICE] }, 'laboratory reports (LAB)');
      return ['lab-reports'];
    case 'DocumentReference':
      only({ 'clinical-note': [DOCUMENT_CATEGORY] }, 'clinical notes (clinical-note)');
      return ['documents'];
    default:
      return [];
  }
}

function patientSteps(params: SearchParams, practiceId: string, limit: number): SourceStep[] {
  const ids = new Set<string>();
  for (const value of (params._id ?? []).flatMap((v) => v.split(','))) {
    const id = parseAthenaFhirId(value, 'patient', practiceId)?.recordId;
    if (id) ids.add(id);
  }
  const system = athenaPatientSystem(practiceId);
  for (const value of (params.identifier ?? []).flatMap((v) => v.split(','))) {
    const bar = value.indexOf('|');
    const [sys, code] = bar === -1 ? [undefined, value] : [value.slice(0, bar), value.slice(bar + 1)];
    if (sys && sys !== system) throw invalidParam('identifier', `athena finds patients by their athena id only (system ${system})`);
    if (!params._id && /^\d{1,20}$/.test(code)) ids.add(code);
  }
  if (params._id || params.identifier) return [...ids].map((id) => ({ kind: 'patient', path: `/patients/${id}` }));
  for (const name of ['family', 'given'] as const) {
    if (params[name]?.some((v) => v.includes(','))) throw invalidParam(name, 'one value (athena cannot search for any of several names)');
  }
  const birthdate = params.birthdate?.find((v) => /^(eq)?\d{4}-\d{2}-\d{2}$/.test(v));
  return [
    {
      kind: 'patients',
      path: withQuery('/patients', {
        lastname: params.family?.[0],
        firstname: params.given?.[0],
        dob: birthdate ? athenaDay(birthdate.replace(/^eq/, '')) : undefined,
        limit,
      }),
    },
  ];
}

function idSteps(values: readonly string[], kind: AthenaIdKind, practiceId: string, source: SourceKind, base: string): SourceStep[] {
  const ids = new Set(values.flatMap((v) => v.split(',')).flatMap((v) => parseAthenaFhirId(v, kind, practiceId)?.recordId ?? []));
  return [...ids].map((id) => ({ kind: source, path: `${base}/${id}` }));
}

async function appointmentSteps(params: SearchParams, limit: number, env: PlanEnv): Promise<SourceStep[]> {
  const window = dayWindow((params.date ?? []).map((v) => dateCriterion('date', v)));
  let patientId: string | null = null;
  if (params.patient) {
    patientId = athenaPatientIdOf(onePatient(params), env.api.http.practiceId);
    if (!patientId) return [];
  } else if (!window.from || !window.to) {
    throw invalidParam('date', 'athena lists appointments by date range: give a patient, or a lower and an upper date bound');
  }
  const from = window.from ?? ALL_APPOINTMENT_DAYS.from;
  const to = window.to ?? ALL_APPOINTMENT_DAYS.to;
  if (from > to) return [];
  const departmentIds = await env.departmentIds();
  if (departmentIds.length === 0) return [];
  const single = departmentIds.length === 1;
  return [
    {
      kind: 'appointments',
      path: withQuery(single ? '/appointments/booked' : '/appointments/booked/multipledepartment', {
        departmentid: departmentIds.join(','),
        startdate: athenaDay(from),
        enddate: athenaDay(to),
        patientid: patientId ?? undefined,
        showcancelled: 'true',
        limit,
      }),
    },
  ];
}

async function slotSteps(params: SearchParams, limit: number, env: PlanEnv): Promise<SourceStep[]> {
  for (const value of (params.status ?? []).flatMap((v) => v.split(','))) {
    if (value !== 'free') throw invalidParam('status', 'athena lists open (free) slots only');
  }
  const window = dayWindow((params.start ?? []).map((v) => dateCriterion('start', v)));
  if (window.from && window.to && window.from > window.to) return [];
  // One schedule (a department, maybe a provider) narrows athena's query; other criteria are filters.
  const schedules = (params.schedule ?? []).flatMap((v) => v.split(','));
  const [only] = schedules;
  const schedule = schedules.length === 1 && only !== undefined ? parseAthenaScheduleId(only, env.api.http.practiceId) : null;
  if (schedules.length === 1 && !schedule) return [];
  const departmentIds = schedule ? [schedule.departmentId] : await env.departmentIds();
  if (departmentIds.length === 0) return [];
  return [
    {
      kind: 'slots',
      path: withQuery('/appointments/open', {
        departmentid: departmentIds.join(','),
        providerid: schedule?.providerId,
        startdate: window.from ? athenaDay(window.from) : undefined,
        enddate: window.to ? athenaDay(window.to) : undefined,
        ignoreschedulablepermission: 'true',
        limit,
      }),
    },
  ];
}

const codingsOf = (concepts: unknown): Coding[] =>
  (Array.isArray(concepts) ? concepts : concepts ? [concepts] : []).flatMap((c: { coding?: Coding[] } | Coding) => ('coding' in c && c.coding ? c.coding : 'code' in c ? [c as Coding] : []));
type AnyResource = Resource & Record<string, unknown>;
const field = <T>(r: Resource, name: string): T | undefined => (r as AnyResource)[name] as T | undefined;

function identifierFilter(values: readonly string[]): ResourceFilter {
  const asCodings = (r: Resource): Coding[] => (field<Identifier[]>(r, 'identifier') ?? []).map((i) => ({ system: i.system, code: i.value }));
  return tokenFilter(values, asCodings);
}

const humanNames = (r: Resource, part: 'family' | 'given' | 'all'): string[] =>
  (field<{ text?: string; family?: string; given?: string[]; prefix?: string[]; suffix?: string[] }[]>(r, 'name') ?? []).flatMap((n) =>
    part === 'family' ? [n.family ?? ''] : part === 'given' ? (n.given ?? []) : [n.text ?? '', n.family ?? '', ...(n.given ?? []), ...(n.prefix ?? []), ...(n.suffix ?? [])],
  );

const effectiveOf = (r: Resource): string | undefined => field<string>(r, 'effectiveDateTime') ?? field<{ start?: string }>(r, 'effectivePeriod')?.start ?? field<string>(r, 'effectiveInstant');

/** The gateway-side criteria of a search (everything but `patient` and `_count`), as filters over mapped resources. */
export function filtersFor(type: ClinicalResourceType, filters: SearchParams): ResourceFilter[] {
  return Object.entries(filters).map(([name, values]) => filterOf(type, name, values));
}

function filterOf(type: ClinicalResourceType, name: string, values: string[]): ResourceFilter {
  const token = (codes: (r: Resource) => (Coding | string | undefined)[]) => tokenFilter(values, codes);
  if (name === '_id') return token((r) => [r.id]);
  switch (`${type}.${name}`) {
    case 'Patient.identifier':
    case 'Practitioner.identifier':
    case 'Location.identifier':
    case 'Organization.identifier':
      return identifierFilter(values);
    case 'Patient.family':
    case 'Practitioner.family':
      return stringFilter(values, (r) => humanNames(r, 'family'));
    case 'Patient.given':
    case 'Practitioner.given':
      return stringFilter(values, (r) => humanNames(r, 'given'));
    case 'Practitioner.name':
      return stringFilter(values, (r) => humanNames(r, 'all'));
    case 'Location.name':
    case 'Organization.name':
      return stringFilter(values, (r) => [field<string>(r, 'name'), ...(field<string[]>(r, 'alias') ?? [])]);
    case 'Patient.birthdate':
      return dateFilter(name, values, (r) => field<string>(r, 'birthDate'));
    case 'Patient.gender':
      return token((r) => [field<string>(r, 'gender')]);
    case 'Encounter.date':
      return dateFilter(name, values, (r) => field<{ start?: string }>(r, 'period')?.start);
    case 'Encounter.class':
      return token((r) => codingsOf(field(r, 'class')));
    case 'Encounter.status':
    case 'MedicationRequest.status':
    case 'Appointment.status':
    case 'Slot.status':
      return token((r) => [field<string>(r, 'status')]);
    case 'MedicationRequest.intent':
      return token((r) => [field<string>(r, 'intent')]);
    case 'Condition.category':
    case 'Observation.category':
    case 'DiagnosticReport.category':
    case 'DocumentReference.category':
      return token((r) => codingsOf(field(r, 'category')));
    case 'Condition.code':
    case 'Observation.code':
    case 'DiagnosticReport.code':
      return token((r) => codingsOf(field(r, 'code')));
    case 'Condition.clinical-status':
    case 'AllergyIntolerance.clinical-status':
      return token((r) => codingsOf(field(r, 'clinicalStatus')));
    case 'Observation.date':
    case 'DiagnosticReport.date':
      return dateFilter(name, values, effectiveOf);
    case 'DocumentReference.type':
      return token((r) => codingsOf(field(r, 'type')));
    case 'DocumentReference.date':
      return dateFilter(name, values, (r) => field<string>(r, 'date'));
    case 'Appointment.date':
      return dateFilter(name, values, (r) => field<string>(r, 'start'));
    case 'Slot.start':
      return dateFilter(name, values, (r) => field<string>(r, 'start'));
    case 'Slot.schedule': {
      // A department's schedule (`a-{pid}.schedule-{dept}`) holds every provider's (`…-{dept}-{provider}`).
      const groups = values.map((v) => v.split(',').map((x) => x.replace(/^Schedule\//, '')));
      return (r) => {
        const own = field<{ reference?: string }>(r, 'schedule')?.reference?.replace(/^Schedule\//, '');
        return own !== undefined && groups.every((anyOf) => anyOf.some((id) => own === id || own.startsWith(`${id}-`)));
      };
    }
    default:
      throw invalidParam(name, `not searchable on ${type} for athena connections`);
  }
}
