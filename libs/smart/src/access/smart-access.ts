/**
 * What a launched SMART app's token may do on the FHIR facade (SMART App Launch 2.2,
 * https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html): its own connection
 * only, the interactions its clinical scopes grant per type, the launch patient only under
 * `patient/` scopes, and only resources that satisfy a scope's v2 query restriction.
 *
 * Pure functions: the transaction pipeline and the clinical service call them around the
 * EHR call (before it to refuse or narrow the request, after it to check what came back).
 */
import type { Resource } from '@medplum/fhirtypes';
import { ErrorCode, notFound, SbError, type Actor, type Interaction } from '@sb/core';
import { clinicalScopesOf, type SmartClinicalScope } from '../scopes';

export type SmartAppActor = Extract<Actor, { type: 'smart-app' }>;

/** Search parameters as the facade normalizes them: name → values (repeated = all of). */
export type SmartSearchParams = Record<string, string[]>;

/** The clinical interactions a facade call can need. */
export type SmartInteraction = Extract<Interaction, 'c' | 'r' | 'u' | 's'>;

/** The scopes that let one call through, and what they demand of its results. */
export interface SmartGrant {
  resourceType: string;
  interaction: SmartInteraction;
  /** The granted clinical scopes whose type and interactions cover the call. */
  scopes: readonly SmartClinicalScope[];
  /**
   * Set when only `patient/` scopes grant the call: the request is narrowed to this
   * patient before the EHR call and anything about another patient is refused.
   */
  compartmentPatientId: string | null;
}

const forbidden = (message: string, details?: Record<string, unknown>): SbError => new SbError(ErrorCode.Forbidden, message, details ? { details } : undefined);

/** A resource outside what the token may see or write: 403, never the data. */
const notPermitted = (): SbError => forbidden('The SMART app’s scopes do not cover this resource');

/** Another connection (of this tenant or another) is, for the token, as good as unknown. */
export function assertSmartConnection(actor: SmartAppActor, tenantId: string, connectionId: string): void {
  if (actor.tenantId !== tenantId || actor.connectionId !== connectionId) throw notFound('Connection');
}

const covers = (scope: SmartClinicalScope, resourceType: string, interaction: Interaction): boolean =>
  (scope.resourceType === '*' || scope.resourceType === resourceType) && scope.interactions.has(interaction);

/** How a refusal names the missing scope: at the launch's own level (`patient/Observation.s`). */
export const smartRequiredScope = (actor: SmartAppActor, resourceType: string, interaction: Interaction): string =>
  `${actor.patientId ? 'patient' : 'user'}/${resourceType}.${interaction}`;

/**
 * The scopes granting `interaction` on `resourceType`, or 403 with `details.requiredScope`.
 * Under `patient/` scopes alone the token must carry its launch patient (403 otherwise).
 */
export function smartGrantFor(actor: SmartAppActor, resourceType: string, interaction: SmartInteraction): SmartGrant {
  const scopes = clinicalScopesOf(actor.scopes).filter((s) => covers(s, resourceType, interaction));
  if (scopes.length === 0) {
    throw forbidden('The credential does not allow this operation', { requiredScope: smartRequiredScope(actor, resourceType, interaction) });
  }
  const patientOnly = scopes.every((s) => s.level === 'patient');
  if (patientOnly && !actor.patientId) throw forbidden('Patient scopes need a launch patient');
  return { resourceType, interaction, scopes, compartmentPatientId: patientOnly ? (actor.patientId ?? null) : null };
}

// --- the patient compartment ------------------------------------------------

type Ref = { reference?: string } | undefined;

/**
 * The patient references that put a resource in a patient's compartment, for the types the
 * facade serves (FHIR R4 CompartmentDefinition/patient: subject, patient, beneficiary, an
 * Appointment's participants). Relative `Patient/<id>` references only.
 */
export function patientIdsOf(resource: Resource): string[] {
  if (resource.resourceType === 'Patient') return resource.id ? [resource.id] : [];
  const r = resource as { subject?: Ref; patient?: Ref; beneficiary?: Ref; participant?: { actor?: Ref }[] };
  const refs = [r.subject?.reference, r.patient?.reference, r.beneficiary?.reference, ...(Array.isArray(r.participant) ? r.participant.map((p) => p.actor?.reference) : [])];
  const ids = new Set<string>();
  for (const ref of refs) {
    const m = typeof ref === 'string' ? /^Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(ref) : null;
    if (m?.[1]) ids.add(m[1]);
  }
  return [...ids];
}

export const inPatientCompartment = (resource: Resource, patientId: string): boolean => patientIdsOf(resource).includes(patientId);

// --- v2 query restrictions --------------------------------------------------

/** Where a token search parameter reads: a CodeableConcept (or a list of them), a Coding, or a plain code (or codes). */
type TokenShape = 'concept' | 'concepts' | 'coding' | 'code' | 'codes';
type TokenElement = { path: string; shape: TokenShape };

const concepts = (path: string): TokenElement => ({ path, shape: 'concepts' });
const concept = (path: string): TokenElement => ({ path, shape: 'concept' });
const code = (path: string): TokenElement => ({ path, shape: 'code' });

/** Types whose `status` search parameter is their `status` element (FHIR R4 search parameters). */
const STATUS_TYPES = [
  'Observation',
  'DiagnosticReport',
  'DocumentReference',
  'Encounter',
  'MedicationRequest',
  'Appointment',
  'Immunization',
  'Procedure',
  'ServiceRequest',
  'CarePlan',
  'CareTeam',
  'Slot',
  'Coverage',
  'MedicationDispense',
  'MedicationStatement',
  'Task',
  'QuestionnaireResponse',
] as const;

/**
 * The token search parameters a restriction may use, per type: those US Core searches on
 * (https://hl7.org/fhir/R4/searchparameter-registry.html). A parameter not listed here
 * for a resource's type matches nothing, so a restriction the gateway cannot check
 * discloses nothing.
 */
const TOKEN_PARAMS: Record<string, Partial<Record<string, TokenElement>>> = {
  category: {
    Observation: concepts('category'),
    Condition: concepts('category'),
    DiagnosticReport: concepts('category'),
    DocumentReference: concepts('category'),
    ServiceRequest: concepts('category'),
    MedicationRequest: concepts('category'),
    CarePlan: concepts('category'),
    CareTeam: concepts('category'),
    Goal: concepts('category'),
    Procedure: concept('category'),
    AllergyIntolerance: { path: 'category', shape: 'codes' },
  },
  code: {
    Observation: concept('code'),
    Condition: concept('code'),
    DiagnosticReport: concept('code'),
    Procedure: concept('code'),
    ServiceRequest: concept('code'),
    AllergyIntolerance: concept('code'),
    Medication: concept('code'),
    MedicationRequest: concept('medicationCodeableConcept'),
  },
  status: Object.fromEntries(STATUS_TYPES.map((t) => [t, code('status')])),
  'clinical-status': { Condition: concept('clinicalStatus'), AllergyIntolerance: concept('clinicalStatus') },
  'verification-status': { Condition: concept('verificationStatus'), AllergyIntolerance: concept('verificationStatus') },
  type: { DocumentReference: concept('type'), Encounter: concepts('type') },
  class: { Encounter: { path: 'class', shape: 'coding' } },
  intent: { MedicationRequest: code('intent'), ServiceRequest: code('intent'), CarePlan: code('intent') },
  'vaccine-code': { Immunization: concept('vaccineCode') },
};

interface Coding {
  system?: string;
  code?: string;
}

/** The codings an element holds; a plain code is a coding without a system. */
function codingsAt(resource: Resource, element: TokenElement): { codings: Coding[]; plain: boolean } {
  const value = (resource as unknown as Record<string, unknown>)[element.path];
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
  const codingsOf = (cc: unknown): Coding[] => (cc && typeof cc === 'object' ? list((cc as { coding?: unknown }).coding).filter((c): c is Coding => !!c && typeof c === 'object') : []);
  switch (element.shape) {
    case 'concept':
    case 'concepts':
      return { codings: list(value).flatMap(codingsOf), plain: false };
    case 'coding':
      return { codings: list(value).filter((c): c is Coding => !!c && typeof c === 'object'), plain: false };
    case 'code':
    case 'codes':
      return { codings: list(value).filter((c): c is string => typeof c === 'string').map((c) => ({ code: c })), plain: true };
  }
}

/**
 * FHIR token matching (https://hl7.org/fhir/R4/search.html#token): `code` in any system,
 * `system|code`, `|code` (no system), `system|` (any code of it); a comma means any of.
 * A plain code element has no system of its own, so only its code is compared.
 */
function tokenMatches(codings: Coding[], plain: boolean, value: string): boolean {
  return value.split(',').some((one) => {
    const bar = one.indexOf('|');
    if (bar < 0) return codings.some((c) => c.code === one);
    const system = one.slice(0, bar);
    const wanted = one.slice(bar + 1);
    if (plain) return wanted !== '' && codings.some((c) => c.code === wanted);
    return codings.some((c) => (wanted === '' || c.code === wanted) && (system === '' ? c.system === undefined : c.system === system));
  });
}

/** Whether a resource satisfies every `name=value` of a restriction (unknown parameters never match). */
export function matchesRestriction(resource: Resource, restriction: readonly (readonly [string, string])[]): boolean {
  return restriction.every(([name, value]) => {
    const element = TOKEN_PARAMS[name]?.[resource.resourceType];
    if (!element || value === '') return false;
    const { codings, plain } = codingsAt(resource, element);
    return tokenMatches(codings, plain, value);
  });
}

// --- decisions ----------------------------------------------------------------

/**
 * Whether the token may see (or write) this resource with `interaction`: some granted scope
 * covers its type and interaction, is not a `patient/` scope or finds the resource in the
 * launch patient's compartment, and has no restriction or one the resource satisfies.
 */
export function smartPermits(actor: SmartAppActor, resource: Resource, interaction: SmartInteraction): boolean {
  return clinicalScopesOf(actor.scopes).some(
    (s) =>
      covers(s, resource.resourceType, interaction) &&
      (s.level !== 'patient' || (actor.patientId !== undefined && inPatientCompartment(resource, actor.patientId))) &&
      matchesRestriction(resource, s.restriction),
  );
}

/** 403 unless {@link smartPermits}. */
export function assertSmartPermits(actor: SmartAppActor, resource: Resource, interaction: SmartInteraction): void {
  if (!smartPermits(actor, resource, interaction)) throw notPermitted();
}

/**
 * A search's results reduced to what the token may see: resources of the searched type by
 * its search scopes, anything else the EHR sent along by the token's read scopes.
 * `filtered` says whether anything was taken out (a vendor total is then wrong).
 */
export function smartVisible(actor: SmartAppActor, searchedType: string, resources: readonly Resource[]): { resources: Resource[]; filtered: boolean } {
  const visible = resources.filter((r) => smartPermits(actor, r, r.resourceType === searchedType ? 's' : 'r'));
  return { resources: visible, filtered: visible.length !== resources.length };
}

/** Before a read: a `Patient/{id}` read under patient scopes alone is for the launch patient only. */
export function assertSmartRead(grant: SmartGrant, resourceType: string, id: string): void {
  if (grant.compartmentPatientId !== null && resourceType === 'Patient' && id !== grant.compartmentPatientId) throw notPermitted();
}

/** The patient ids a `patient`/`subject`/`_id` value names (`123`, `Patient/123`, comma lists); null for a non-Patient reference. */
function patientIdsNamed(value: string): (string | null)[] {
  return value.split(',').map((one) => {
    const m = /^(?:Patient\/)?([A-Za-z0-9\-.]{1,64})$/.exec(one);
    return m?.[1] ?? null;
  });
}

/** Before a search: under patient scopes alone, a `patient`, `subject` (or, on Patient, `_id`) naming another patient is refused. */
export function assertSmartSearch(grant: SmartGrant, params: SmartSearchParams): void {
  const patientId = grant.compartmentPatientId;
  if (patientId === null) return;
  const names = grant.resourceType === 'Patient' ? ['_id'] : ['patient', 'subject'];
  for (const name of names) {
    for (const value of params[name] ?? []) if (patientIdsNamed(value).some((id) => id !== patientId)) throw notPermitted();
  }
}

/**
 * The search as it goes to the EHR. Under patient scopes alone it is narrowed to the launch
 * patient (`_id` for Patient, otherwise `patient` or `subject` where the connection supports
 * them), and a client naming another patient is refused. Restriction parameters that every
 * granting scope shares are added where the connection supports them (results are filtered
 * with {@link smartVisible} in any case, as an EHR may ignore a parameter).
 */
export function smartSearchParams(grant: SmartGrant, params: SmartSearchParams, supported: readonly string[]): SmartSearchParams {
  assertSmartSearch(grant, params);
  const out: SmartSearchParams = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [...v]]));
  const patientId = grant.compartmentPatientId;
  if (patientId !== null) {
    if (grant.resourceType === 'Patient') out._id = [patientId];
    else if (supported.includes('patient')) {
      out.patient = [patientId];
    } else if (supported.includes('subject')) {
      out.subject = [`Patient/${patientId}`];
    }
  }
  const [first, ...rest] = grant.scopes.map((s) => s.restriction);
  const shared = (first ?? []).filter(([k, v]) => rest.every((r) => r.some(([rk, rv]) => rk === k && rv === v)));
  for (const [name, value] of shared) {
    if (!supported.includes(name)) continue;
    const values = out[name] ?? [];
    if (!values.includes(value)) out[name] = [...values, value];
  }
  return out;
}

/** True when some granting scope lets any resource of the type through (`user/` or `system/`, unrestricted): nothing about a resource needs checking. */
export const smartGrantIsUnconditional = (grant: SmartGrant): boolean => grant.scopes.some((s) => s.level !== 'patient' && s.restriction.length === 0);
