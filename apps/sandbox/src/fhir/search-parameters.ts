import type { CodeableConceptJson, CodingJson, FhirResource, ReferenceJson, ResourceType } from './fhir-types';

// The search parameters each resource type answers, with how each one reads
// its values out of a resource. https://hl7.org/fhir/R4/search.html

export type ParamType = 'token' | 'string' | 'date' | 'reference';

export interface Token {
  system?: string;
  code: string;
}
/** [start, end) in epoch milliseconds. */
export type DateRange = readonly [number, number];

export type Extracted = Token | string | DateRange;

export interface SearchParamDef {
  name: string;
  type: ParamType;
  documentation: string;
  extract: (resource: FhirResource) => Extracted[];
}

const codings = (value: unknown): Token[] => {
  const concepts = (Array.isArray(value) ? value : value === undefined ? [] : [value]) as CodeableConceptJson[];
  return concepts.flatMap((c) => (c.coding ?? []).filter((x): x is CodingJson & { code: string } => typeof x.code === 'string').map((x) => ({ system: x.system, code: x.code })));
};
const code = (value: unknown): Token[] => (typeof value === 'string' ? [{ code: value }] : []);
const reference = (value: unknown): string[] => {
  const refs = (Array.isArray(value) ? value : value === undefined ? [] : [value]) as ReferenceJson[];
  return refs.flatMap((r) => (typeof r.reference === 'string' ? [r.reference] : []));
};
const strings = (...values: unknown[]): string[] => values.flat().filter((v): v is string => typeof v === 'string');

/** The [start, end) interval a FHIR date, dateTime or instant covers, at its own precision. */
export function dateRange(value: string): DateRange | undefined {
  let m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(value);
  if (m) {
    const year = Number(m[1]);
    if (m[3] !== undefined) {
      const start = Date.UTC(year, Number(m[2]) - 1, Number(m[3]));
      // Date.UTC rolls 2024-02-30 over into March; a FHIR date must exist.
      return new Date(start).getUTCDate() === Number(m[3]) ? [start, start + 86_400_000] : undefined;
    }
    if (m[2] !== undefined) return [Date.UTC(year, Number(m[2]) - 1, 1), Date.UTC(year, Number(m[2]), 1)];
    return [Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1)];
  }
  m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(value);
  if (!m) return undefined;
  const start = Date.parse(`${m[1]}${m[2] ?? ''}${m[3] ?? 'Z'}`);
  if (Number.isNaN(start)) return undefined;
  return [start, start + (m[2] === undefined ? 60_000 : 1000)];
}

const dates = (...values: unknown[]): DateRange[] =>
  values.flatMap((v) => {
    if (typeof v === 'string') {
      const r = dateRange(v);
      return r ? [r] : [];
    }
    const period = v as { start?: string; end?: string } | undefined;
    if (!period || (period.start === undefined && period.end === undefined)) return [];
    const start = period.start !== undefined ? dateRange(period.start) : undefined;
    const end = period.end !== undefined ? dateRange(period.end) : undefined;
    return [[start ? start[0] : -Infinity, end ? end[1] : Infinity] as const];
  });

const humanNames = (value: unknown): { family?: string; given?: string[]; text?: string; prefix?: string[]; suffix?: string[] }[] =>
  Array.isArray(value) ? (value as never[]) : [];

const param = (name: string, type: ParamType, documentation: string, extract: (r: FhirResource) => Extracted[]): SearchParamDef => ({ name, type, documentation, extract });
const patientParam = (path: (r: FhirResource) => unknown): SearchParamDef =>
  param('patient', 'reference', 'The patient the record is about (id, Patient/id or absolute URL)', (r) => reference(path(r)).filter((x) => x.includes('Patient/')));
const subjectParam = (path: (r: FhirResource) => unknown): SearchParamDef => param('subject', 'reference', 'Same as patient, as Patient/id', (r) => reference(path(r)));

const byName = (...defs: SearchParamDef[]): ReadonlyMap<string, SearchParamDef> => new Map(defs.map((d) => [d.name, d]));

export const SEARCH_PARAMETERS: Readonly<Record<ResourceType, ReadonlyMap<string, SearchParamDef>>> = {
  Patient: byName(
    param('identifier', 'token', 'A patient identifier (system|value), e.g. an MRN', (r) =>
      ((r.identifier as { system?: string; value?: string }[] | undefined) ?? []).flatMap((i) => (i.value ? [{ system: i.system, code: i.value }] : [])),
    ),
    param('family', 'string', 'Family name (starts with, case-insensitive)', (r) => strings(...humanNames(r.name).map((n) => n.family))),
    param('given', 'string', 'Given name (starts with, case-insensitive)', (r) => strings(...humanNames(r.name).flatMap((n) => n.given ?? []))),
    param('name', 'string', 'Any part of the name', (r) => strings(...humanNames(r.name).flatMap((n) => [n.family, n.text, ...(n.given ?? []), ...(n.prefix ?? []), ...(n.suffix ?? [])]))),
    param('birthdate', 'date', 'Date of birth', (r) => dates(r.birthDate)),
    param('gender', 'token', 'Administrative gender', (r) => code(r.gender)),
  ),
  Encounter: byName(
    patientParam((r) => r.subject),
    subjectParam((r) => r.subject),
    param('date', 'date', 'Encounter period', (r) => dates(r.period)),
    param('status', 'token', 'Encounter status', (r) => code(r.status)),
    param('class', 'token', 'Encounter class (AMB, VR, …)', (r) => {
      const c = r.class as CodingJson | undefined;
      return c?.code ? [{ system: c.system, code: c.code }] : [];
    }),
    param('type', 'token', 'Encounter type', (r) => codings(r.type)),
  ),
  Observation: byName(
    patientParam((r) => r.subject),
    subjectParam((r) => r.subject),
    param('category', 'token', 'vital-signs, laboratory, social-history', (r) => codings(r.category)),
    param('code', 'token', 'LOINC code (system|code or code)', (r) => codings(r.code)),
    param('date', 'date', 'Effective date; prefixes eq, ne, gt, ge, lt, le, sa, eb', (r) => dates(r.effectiveDateTime, r.effectivePeriod)),
    param('status', 'token', 'Observation status', (r) => code(r.status)),
    param('encounter', 'reference', 'The encounter', (r) => reference(r.encounter)),
  ),
  Condition: byName(
    patientParam((r) => r.subject),
    subjectParam((r) => r.subject),
    param('category', 'token', 'problem-list-item, encounter-diagnosis', (r) => codings(r.category)),
    param('clinical-status', 'token', 'active, resolved, …', (r) => codings(r.clinicalStatus)),
    param('code', 'token', 'SNOMED CT or ICD-10-CM code', (r) => codings(r.code)),
    param('onset-date', 'date', 'Onset date', (r) => dates(r.onsetDateTime)),
    param('encounter', 'reference', 'The encounter', (r) => reference(r.encounter)),
  ),
  AllergyIntolerance: byName(
    patientParam((r) => r.patient),
    param('clinical-status', 'token', 'active, inactive, resolved', (r) => codings(r.clinicalStatus)),
  ),
  MedicationRequest: byName(
    patientParam((r) => r.subject),
    subjectParam((r) => r.subject),
    param('status', 'token', 'active, completed, stopped, …', (r) => code(r.status)),
    param('intent', 'token', 'order, plan, …', (r) => code(r.intent)),
    param('authoredon', 'date', 'When the prescription was written', (r) => dates(r.authoredOn)),
    param('encounter', 'reference', 'The encounter', (r) => reference(r.encounter)),
  ),
  DiagnosticReport: byName(
    patientParam((r) => r.subject),
    subjectParam((r) => r.subject),
    param('category', 'token', 'LAB', (r) => codings(r.category)),
    param('code', 'token', 'LOINC panel code', (r) => codings(r.code)),
    param('date', 'date', 'Effective date', (r) => dates(r.effectiveDateTime, r.effectivePeriod)),
    param('status', 'token', 'Report status', (r) => code(r.status)),
    param('encounter', 'reference', 'The encounter', (r) => reference(r.encounter)),
  ),
  DocumentReference: byName(
    patientParam((r) => r.subject),
    subjectParam((r) => r.subject),
    param('category', 'token', 'clinical-note', (r) => codings(r.category)),
    param('type', 'token', 'LOINC note type', (r) => codings(r.type)),
    param('date', 'date', 'When the note was written', (r) => dates(r.date)),
    param('status', 'token', 'current, superseded, entered-in-error', (r) => code(r.status)),
    param('encounter', 'reference', 'The encounter', (r) => reference((r.context as { encounter?: unknown } | undefined)?.encounter)),
  ),
  Appointment: byName(
    patientParam((r) => ((r.participant as { actor?: ReferenceJson }[] | undefined) ?? []).map((p) => p.actor)),
    param('actor', 'reference', 'Any participant (Patient/…, Practitioner/…, Location/…)', (r) => reference(((r.participant as { actor?: ReferenceJson }[] | undefined) ?? []).map((p) => p.actor))),
    param('date', 'date', 'Appointment start', (r) => dates(r.start)),
    param('status', 'token', 'booked, fulfilled, cancelled, noshow, …', (r) => code(r.status)),
    param('service-type', 'token', 'Service type', (r) => codings(r.serviceType)),
  ),
  Practitioner: byName(
    param('identifier', 'token', 'NPI (http://hl7.org/fhir/sid/us-npi|…)', (r) =>
      ((r.identifier as { system?: string; value?: string }[] | undefined) ?? []).flatMap((i) => (i.value ? [{ system: i.system, code: i.value }] : [])),
    ),
    param('family', 'string', 'Family name', (r) => strings(...humanNames(r.name).map((n) => n.family))),
    param('given', 'string', 'Given name', (r) => strings(...humanNames(r.name).flatMap((n) => n.given ?? []))),
    param('name', 'string', 'Any part of the name', (r) => strings(...humanNames(r.name).flatMap((n) => [n.family, n.text, ...(n.given ?? [])]))),
  ),
  Organization: byName(
    param('identifier', 'token', 'NPI', (r) => ((r.identifier as { system?: string; value?: string }[] | undefined) ?? []).flatMap((i) => (i.value ? [{ system: i.system, code: i.value }] : []))),
    param('name', 'string', 'Organization name', (r) => strings(r.name)),
  ),
  Location: byName(param('name', 'string', 'Location name', (r) => strings(r.name))),
  Immunization: byName(
    patientParam((r) => r.patient),
    param('date', 'date', 'Vaccination date', (r) => dates(r.occurrenceDateTime)),
    param('status', 'token', 'completed, entered-in-error, not-done', (r) => code(r.status)),
  ),
  ServiceRequest: byName(
    patientParam((r) => r.subject),
    subjectParam((r) => r.subject),
    param('status', 'token', 'draft, active, completed, …', (r) => code(r.status)),
    param('code', 'token', 'What is being requested', (r) => codings(r.code)),
  ),
};

/** The patient a record belongs to (the store's index key), or undefined for non-clinical types. */
export function patientIdOf(resource: FhirResource): string | undefined {
  const defs = SEARCH_PARAMETERS[resource.resourceType as ResourceType] as ReadonlyMap<string, SearchParamDef> | undefined;
  const patient = defs?.get('patient');
  if (!patient) return undefined;
  const ref = patient.extract(resource)[0];
  return typeof ref === 'string' ? referenceId(ref) : undefined;
}

/** "Patient/123", "https://…/Patient/123" or "123" → "123". */
export function referenceId(value: string): string {
  const slash = value.lastIndexOf('/');
  return slash === -1 ? value : value.slice(slash + 1);
}
