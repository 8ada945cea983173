import type { ArgumentsHost } from '@nestjs/common';
import { Args, Context, ID, Int, Mutation, Parent, Query, ResolveField, Resolver, type ComplexityEstimatorArgs } from '@nestjs/graphql';
import type {
  AllergyIntolerance,
  Appointment,
  Condition,
  DiagnosticReport,
  DocumentReference,
  Encounter,
  Immunization,
  MedicationRequest,
  Observation,
  Patient,
  Resource,
  Slot,
} from '@medplum/fhirtypes';
import { athenaEndpoints, athenaScheduleId } from '@sb/adapters/athena';
import { parseSearchParams, type ClinicalResourceType, type SearchPage } from '@sb/adapters/contracts';
import { Authenticated, CurrentActor } from '@sb/auth';
import { ClinicalService, patientRefOf } from '@sb/clinical';
import { ErrorCode, notFound, SbError, type Actor } from '@sb/core';
import { IdPipe, ProblemFilter } from '@sb/http';
import type { Request } from 'express';
import type { GraphQLError } from 'graphql';
import { tenantOf } from '../../admin/tenant-of';
import { ClinicalLoaders, clinicalLoadersOf, clinicalSourceFor } from './clinical.loaders';
import {
  buildAppointment,
  buildNote,
  toAllergyIntolerance,
  toAppointment,
  toCondition,
  toDiagnosticReport,
  toDocumentReference,
  toEncounter,
  toImmunization,
  toMedicationRequest,
  toObservation,
  toPatient,
  toSlot,
} from './clinical.mappers';
import {
  AllergyIntoleranceConnection,
  AppointmentConnection,
  AppointmentModel,
  ConditionConnection,
  DiagnosticReportConnection,
  DocumentReferenceConnection,
  DocumentReferenceModel,
  EncounterConnection,
  ImmunizationConnection,
  MedicationRequestConnection,
  ObservationConnection,
  PatientConnection,
  PatientModel,
  SlotModel,
  type Page,
} from './clinical.types';

/** https://hl7.org/fhir/R4/datatypes.html#id */
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
/** https://hl7.org/fhir/R4/datatypes.html#instant */
const FHIR_INSTANT = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))$/;

/** https://hl7.org/fhir/R4/datatypes.html#date (full dates only) */
const FHIR_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export const DEFAULT_PAGE_SIZE = 20;
export const DEFAULT_SLOTS = 50;
export const MAX_PAGE_SIZE = 100;
const MAX_NOTE_CHARS = 100_000;
const MAX_TEXT_CHARS = 1_000;

/** A list costs one vendor call (10) plus its page of children, so the complexity limit bounds fan-out. */
const listComplexity = ({ args, childComplexity }: ComplexityEstimatorArgs): number => {
  const first = typeof args.first === 'number' ? args.first : DEFAULT_PAGE_SIZE;
  return 10 + Math.max(1, first) * Math.max(1, childComplexity);
};

const ConnectionId = (): ParameterDecorator => Args('connectionId', { type: () => ID }, new IdPipe('Connection'));
const OptionalString = (name: string, description?: string): ParameterDecorator => Args(name, { type: () => String, nullable: true, description });
const First = (): ParameterDecorator => Args('first', { type: () => Int, nullable: true, defaultValue: DEFAULT_PAGE_SIZE, description: `1–${MAX_PAGE_SIZE}` });
const After = (): ParameterDecorator => Args('after', { type: () => String, nullable: true, description: 'pageInfo.endCursor of the previous page' });
const Dates = (): ParameterDecorator =>
  Args('date', { type: () => [String], nullable: true, description: 'FHIR date search values, e.g. ["ge2024-01-01", "lt2024-07-01"]' });

const invalid = (path: string, message: string): SbError => new SbError(ErrorCode.ValidationFailed, 'Invalid arguments', { issues: [{ path, message }] });

function pageSizeOf(first: number | null | undefined): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) throw invalid('first', `an integer from 1 to ${MAX_PAGE_SIZE}`);
  return size;
}

function fhirIdOrFail(value: string | null | undefined, path: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (!FHIR_ID.test(value)) throw invalid(path, 'a FHIR id: 1–64 letters, digits, - or .');
  return value;
}

/** An athena department id (athena's departmentid: digits). */
function departmentIdOrFail(value: string): string {
  if (!/^\d{1,12}$/.test(value)) throw invalid('departmentId', 'an athena department id (digits)');
  return value;
}

function textOrFail(value: string | null | undefined, path: string, max: number): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (value.trim().length === 0 || value.length > max) throw invalid(path, `1–${max} characters, not only blanks`);
  return value;
}

function instantOrFail(value: string, path: string): string {
  if (!FHIR_INSTANT.test(value) || Number.isNaN(Date.parse(value))) throw invalid(path, 'an instant with a time zone, e.g. 2025-03-01T14:30:00Z');
  return value;
}

function dayOrInstantOrFail(value: string, path: string): string {
  if (FHIR_DATE.test(value) && !Number.isNaN(Date.parse(value))) return value;
  if (FHIR_INSTANT.test(value) && !Number.isNaN(Date.parse(value))) return value;
  throw invalid(path, 'a date (2025-03-01) or an instant with a time zone (2025-03-01T14:30:00Z)');
}

/** Search criteria as a query string would give them: absent and null arguments left out. */
const criteria = (args: Record<string, string | string[] | null | undefined>): Record<string, string | string[]> =>
  Object.fromEntries(Object.entries(args).filter((e): e is [string, string | string[]] => e[1] !== null && e[1] !== undefined));

// Field resolvers run without Nest's filters (and guards): render their errors as the
// global filter renders a root resolver's, with `extensions.code`.
const problems = new ProblemFilter();
const GRAPHQL_HOST = { getType: () => 'graphql' } as unknown as ArgumentsHost;

async function rendered<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw problems.catch(e, GRAPHQL_HOST) as GraphQLError;
  }
}

/**
 * Clinical data over GraphQL: the same ClinicalService (and so the same transaction
 * pipeline: scopes, audit, metering) as the FHIR REST facade, with friendly fields
 * beside each raw resource. Reads and searches go through per-request DataLoaders.
 * Nested fields act on the parent's connection for the request's own actor, whose
 * tenant and scopes the pipeline checks on every call. Nested lists are nullable, so
 * one the EHR refuses (not_supported, forbidden) is an error beside the other data.
 */
@Resolver(() => PatientModel)
export class ClinicalResolver {
  constructor(private readonly clinical: ClinicalService) {}

  private loaders(req: Request, actor: Actor): ClinicalLoaders {
    const tenantId = tenantOf(actor);
    return clinicalLoadersOf(req, () => new ClinicalLoaders(clinicalSourceFor(this.clinical, actor, tenantId)));
  }

  @Query(() => PatientModel, { complexity: 10, description: 'Read a patient; unknown ids are an error (not_found)' })
  @Authenticated()
  async patient(
    @Context('req') req: Request,
    @CurrentActor() actor: Actor,
    @ConnectionId() connectionId: string,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<PatientModel> {
    if (!FHIR_ID.test(id)) throw notFound('Patient');
    const resource = await this.loaders(req, actor).read(connectionId, 'Patient', id);
    return toPatient(connectionId, resource as Patient);
  }

  @Query(() => PatientConnection, { complexity: listComplexity, description: 'Search patients: identifier or a name is required (except when paging with after)' })
  @Authenticated()
  async searchPatients(
    @Context('req') req: Request,
    @CurrentActor() actor: Actor,
    @ConnectionId() connectionId: string,
    @OptionalString('identifier', 'system|value, or a value') identifier: string | null | undefined,
    @OptionalString('family') family: string | null | undefined,
    @OptionalString('given') given: string | null | undefined,
    @OptionalString('name', 'any part of a name') name: string | null | undefined,
    @OptionalString('birthdate', 'YYYY-MM-DD, FHIR date prefixes allowed') birthdate: string | null | undefined,
    @OptionalString('gender') gender: string | null | undefined,
    @First() first: number | null | undefined,
    @After() after: string | null | undefined,
  ): Promise<PatientConnection> {
    const query = { ...criteria({ identifier, family, given, name, birthdate, gender }), _count: String(pageSizeOf(first)) };
    // A cursor carries the whole search: without criteria it is still a valid request.
    const params = after && Object.keys(query).length === 1 ? {} : parseSearchParams('Patient', query);
    const page = await this.loaders(req, actor).search(connectionId, 'Patient', params, after ?? undefined);
    return pageOf(page, 'Patient', after, null, (r) => toPatient(connectionId, r as Patient));
  }

  @Mutation(() => DocumentReferenceModel, {
    description:
      'Write a clinical note (US Core DocumentReference, LOINC 11506-3 progress note, text/plain). With idempotencyKey a retry replays the stored answer; the note then carries no date, so that the retry is the same request.',
  })
  @Authenticated()
  async createNote(
    @Context('req') req: Request,
    @CurrentActor() actor: Actor,
    @ConnectionId() connectionId: string,
    @Args('patientId', { type: () => ID }) patientId: string,
    @Args('text') text: string,
    @OptionalString('title') title: string | null | undefined,
    @Args('encounterId', { type: () => ID, nullable: true }) encounterId: string | null | undefined,
    @OptionalString('idempotencyKey') idempotencyKey: string | null | undefined,
  ): Promise<DocumentReferenceModel> {
    const note = buildNote({
      patientId: fhirIdOrFail(patientId, 'patientId') ?? '',
      text: textOrFail(text, 'text', MAX_NOTE_CHARS) ?? '',
      title: textOrFail(title, 'title', MAX_TEXT_CHARS),
      encounterId: fhirIdOrFail(encounterId, 'encounterId'),
      date: idempotencyKey ? undefined : new Date().toISOString(),
    });
    const created = await this.create(req, actor, connectionId, note, idempotencyKey);
    return toDocumentReference(connectionId, created as DocumentReference);
  }

  @Query(() => [SlotModel], {
    complexity: ({ args, childComplexity }: ComplexityEstimatorArgs) => 10 + Math.max(1, typeof args.first === 'number' ? args.first : DEFAULT_SLOTS) * Math.max(1, childComplexity),
    description: `Open slots (FHIR Slot, status free) from \`from\` up to \`to\`, earliest first: at most \`first\` (default ${DEFAULT_SLOTS}, at most ${MAX_PAGE_SIZE}). Book one with bookAppointment(slotId).`,
  })
  @Authenticated()
  async openSlots(
    @Context('req') req: Request,
    @CurrentActor() actor: Actor,
    @ConnectionId() connectionId: string,
    @Args('from', { description: 'A date (2025-03-01) or an instant; slots starting at or after it' }) from: string,
    @Args('to', { description: 'A date or an instant; slots starting before it' }) to: string,
    @Args('departmentId', { type: () => ID, nullable: true, description: 'athena: only this department’s slots' }) departmentId: string | null | undefined,
    @Args('first', { type: () => Int, nullable: true, defaultValue: DEFAULT_SLOTS, description: `1–${MAX_PAGE_SIZE}` }) first: number | null | undefined,
  ): Promise<SlotModel[]> {
    const start = dayOrInstantOrFail(from, 'from');
    const end = dayOrInstantOrFail(to, 'to');
    if (Date.parse(end) <= Date.parse(start)) throw invalid('to', 'must be after from');
    const department = departmentId === null || departmentId === undefined ? undefined : departmentIdOrFail(departmentId);
    const size = pageSizeOf(first ?? DEFAULT_SLOTS);
    // An athena department is a schedule holding every provider's (a-{practice}.schedule-{department}): athena lists its slots alone.
    const schedule = department === undefined ? undefined : await this.departmentSchedule(actor, connectionId, department);
    const query = { start: [`ge${start}`, `lt${end}`], _count: String(size), ...(schedule ? { schedule } : {}) };
    const page = await this.loaders(req, actor).search(connectionId, 'Slot', parseSearchParams('Slot', query));
    return page.resources
      .filter((r): r is Slot => r.resourceType === 'Slot' && r.status === 'free')
      .map((r) => toSlot(connectionId, r))
      .sort((a, b) => (a.start ?? '').localeCompare(b.start ?? ''))
      .slice(0, size);
  }

  private async departmentSchedule(actor: Actor, connectionId: string, departmentId: string): Promise<string> {
    const connection = await this.clinical.connection(tenantOf(actor), connectionId, actor);
    const practiceId = connection.vendor === 'athena' ? athenaEndpoints(connection).practiceId : null;
    if (!practiceId) throw invalid('departmentId', 'departments are athena practices’ (this connection has none)');
    return athenaScheduleId(practiceId, departmentId);
  }

  @Mutation(() => AppointmentModel, {
    description:
      'Book an appointment (status booked; the patient and practitioner accepted): into an open slot (slotId, from openSlots), or at a time (start and end). With idempotencyKey a retry replays the stored answer.',
  })
  @Authenticated()
  async bookAppointment(
    @Context('req') req: Request,
    @CurrentActor() actor: Actor,
    @ConnectionId() connectionId: string,
    @Args('patientId', { type: () => ID }) patientId: string,
    @Args('slotId', { type: () => ID, nullable: true, description: 'A free Slot (openSlots); its time comes from it' }) slotId: string | null | undefined,
    @OptionalString('start', 'FHIR instant, e.g. 2025-03-01T14:30:00Z (required without slotId)') start: string | null | undefined,
    @OptionalString('end', 'FHIR instant (required without slotId)') end: string | null | undefined,
    @OptionalString('description') description: string | null | undefined,
    @Args('practitionerId', { type: () => ID, nullable: true }) practitionerId: string | null | undefined,
    @OptionalString('idempotencyKey') idempotencyKey: string | null | undefined,
  ): Promise<AppointmentModel> {
    const slot = fhirIdOrFail(slotId, 'slotId');
    if (!slot && (start === null || start === undefined)) throw invalid('start', 'required without slotId');
    if (!slot && (end === null || end === undefined)) throw invalid('end', 'required without slotId');
    const from = start === null || start === undefined ? undefined : instantOrFail(start, 'start');
    const to = end === null || end === undefined ? undefined : instantOrFail(end, 'end');
    if (from && to && Date.parse(to) <= Date.parse(from)) throw invalid('end', 'must be after start');
    if (!from !== !to) throw invalid(from ? 'end' : 'start', 'give start and end together');
    const appointment = buildAppointment({
      patientId: fhirIdOrFail(patientId, 'patientId') ?? '',
      slotId: slot,
      start: from,
      end: to,
      description: textOrFail(description, 'description', MAX_TEXT_CHARS),
      practitionerId: fhirIdOrFail(practitionerId, 'practitionerId'),
    });
    const created = await this.create(req, actor, connectionId, appointment, idempotencyKey);
    return toAppointment(connectionId, created as Appointment);
  }

  /** The stored resource (or, when the EHR returned none, what was sent with its new id). */
  private async create(req: Request, actor: Actor, connectionId: string, resource: DocumentReference | Appointment, idempotencyKey: string | null | undefined): Promise<Resource> {
    const type = resource.resourceType;
    const outcome = await this.clinical.create(actor, tenantOf(actor), connectionId, type, resource, idempotencyKey ?? undefined);
    const stored = outcome.resource?.resourceType === type ? outcome.resource : { ...resource, id: outcome.id };
    const loaders = this.loaders(req, actor);
    loaders.clearSearches();
    loaders.prime(connectionId, stored);
    return stored;
  }

  private nested<T>(
    req: Request,
    actor: Actor,
    patient: PatientModel,
    type: ClinicalResourceType,
    args: Record<string, string | string[] | null | undefined>,
    first: number | null | undefined,
    after: string | null | undefined,
    map: (r: Resource) => T,
  ): Promise<Page<T>> {
    return rendered(async () => {
      const params = parseSearchParams(type, { ...criteria(args), patient: patient.id, _count: String(pageSizeOf(first)) });
      const page = await this.loaders(req, actor).search(patient.connectionId, type, params, after ?? undefined);
      return pageOf(page, type, after, patient.id, map);
    });
  }

  @ResolveField(() => ObservationConnection, { nullable: true, complexity: listComplexity, description: 'Vital signs, labs, … newest first where the EHR sorts so' })
  observations(
    @Context('req') req: Request,
    @CurrentActor() actor: Actor,
    @Parent() patient: PatientModel,
    @OptionalString('category', 'e.g. vital-signs, laboratory') category: string | null | undefined,
    @OptionalString('code', 'system|code or code, e.g. http://loinc.org|8867-4') code: string | null | undefined,
    @Dates() date: string[] | null | undefined,
    @First() first: number | null | undefined,
    @After() after: string | null | undefined,
  ): Promise<Page<unknown>> {
    return this.nested(req, actor, patient, 'Observation', { category, code, date }, first, after, (r) => toObservation(patient.connectionId, r as Observation));
  }

  @ResolveField(() => ConditionConnection, { nullable: true, complexity: listComplexity })
  conditions(
    @Context('req') req: Request,
    @CurrentActor() actor: Actor,
    @Parent() patient: PatientModel,
    @OptionalString('category', 'e.g. problem-list-item, encounter-diagnosis') category: string | null | undefined,
    @OptionalString('clinicalStatus', 'e.g. active') clinicalStatus: string | null | undefined,
    @First() first: number | null | undefined,
    @After() after: string | null | undefined,
  ): Promise<Page<unknown>> {
    return this.nested(req, actor, patient, 'Condition', { category, 'clinical-status': clinicalStatus }, first, after, (r) => toCondition(patient.connectionId, r as Condition));
  }

  @ResolveField(() => AllergyIntoleranceConnection, { nullable: true, complexity: listComplexity })
  allergies(
    @Context('req') req: Request,
    @CurrentActor() actor: Actor,
    @Parent() patient: PatientModel,
    @OptionalString('clinicalStatus', 'e.g. active') clinicalStatus: string | null | undefined,
    @First() first: number | null | undefined,
    @After() after: string | null | undefined,
  ): Promise<Page<unknown>> {
    return this.nested(req, actor, patient, 'AllergyIntolerance', { 'clinical-status': clinicalStatus }, first, after, (r) =>
      toAllergyIntolerance(patient.connectionId, r as AllergyIntolerance),
    );
  }

  @ResolveField(() => MedicationRequestConnection, { nullable: true, complexity: listComplexity })
  medicationRequests(
    @Context('req') req: Request,
    @CurrentActor() actor: Actor,
    @Parent() patient: PatientModel,
    @OptionalString('status', 'e.g. active') status: string | null | undefined,
    @OptionalString('intent', 'e.g. order') intent: string | null | undefined,
    @First() first: number | null | undefined,
    @After() after: string | null | undefined,
  ): Promise<Page<unknown>> {
    return this.nested(req, actor, patient, 'MedicationRequest', { status, intent }, first, after, (r) => toMedicationRequest(patient.connectionId, r as MedicationRequest));
  }

  @ResolveField(() => EncounterConnection, { nullable: true, complexity: listComplexity })
  encounters(
    @Context('req') req: Request,
    @CurrentActor() actor: Actor,
    @Parent() patient: PatientModel,
    @OptionalString('status', 'e.g. finished') status: string | null | undefined,
    @Dates() date: string[] | null | undefined,
    @First() first: number | null | undefined,
    @After() after: string | null | undefined,
  ): Promise<Page<unknown>> {
    return this.nested(req, actor, patient, 'Encounter', { status, date }, first, after, (r) => toEncounter(patient.connectionId, r as Encounter));
  }

  @ResolveField(() => AppointmentConnection, { nullable: true, complexity: listComplexity })
  appointments(
    @Context('req') req: Request,
    @CurrentActor() actor: Actor,
    @Parent() patient: PatientModel,
    @OptionalString('status', 'e.g. booked') status: string | null | undefined,
    @Dates() date: string[] | null | undefined,
    @First() first: number | null | undefined,
    @After() after: string | null | undefined,
  ): Promise<Page<unknown>> {
    return this.nested(req, actor, patient, 'Appointment', { status, date }, first, after, (r) => toAppointment(patient.connectionId, r as Appointment));
  }

  @ResolveField(() => DocumentReferenceConnection, { nullable: true, complexity: listComplexity, description: 'Clinical notes and documents' })
  documents(
    @Context('req') req: Request,
    @CurrentActor() actor: Actor,
    @Parent() patient: PatientModel,
    @OptionalString('category', 'e.g. clinical-note') category: string | null | undefined,
    @OptionalString('type', 'system|code, e.g. http://loinc.org|11506-3') type: string | null | undefined,
    @Dates() date: string[] | null | undefined,
    @First() first: number | null | undefined,
    @After() after: string | null | undefined,
  ): Promise<Page<unknown>> {
    return this.nested(req, actor, patient, 'DocumentReference', { category, type, date }, first, after, (r) => toDocumentReference(patient.connectionId, r as DocumentReference));
  }

  @ResolveField(() => DiagnosticReportConnection, { nullable: true, complexity: listComplexity })
  diagnosticReports(
    @Context('req') req: Request,
    @CurrentActor() actor: Actor,
    @Parent() patient: PatientModel,
    @OptionalString('category', 'e.g. LAB') category: string | null | undefined,
    @OptionalString('code') code: string | null | undefined,
    @Dates() date: string[] | null | undefined,
    @First() first: number | null | undefined,
    @After() after: string | null | undefined,
  ): Promise<Page<unknown>> {
    return this.nested(req, actor, patient, 'DiagnosticReport', { category, code, date }, first, after, (r) => toDiagnosticReport(patient.connectionId, r as DiagnosticReport));
  }

  @ResolveField(() => ImmunizationConnection, { nullable: true, complexity: listComplexity, description: 'Vaccines given (HL7 v2 VXU feeds, FHIR servers)' })
  immunizations(
    @Context('req') req: Request,
    @CurrentActor() actor: Actor,
    @Parent() patient: PatientModel,
    @OptionalString('status', 'e.g. completed') status: string | null | undefined,
    @Dates() date: string[] | null | undefined,
    @First() first: number | null | undefined,
    @After() after: string | null | undefined,
  ): Promise<Page<unknown>> {
    return this.nested(req, actor, patient, 'Immunization', { status, date }, first, after, (r) => toImmunization(patient.connectionId, r as Immunization));
  }
}

/**
 * Only resources of the searched type (and, nested, of the parent patient) become
 * nodes. A cursor names a vendor URL sealed for the connection, not for a search:
 * one that brings back anything else was taken from another search, and is refused.
 */
function pageOf<T>(page: SearchPage, type: ClinicalResourceType, after: string | null | undefined, patientId: string | null, map: (r: Resource) => T): Page<T> {
  const belongs = (r: Resource): boolean => {
    if (r.resourceType !== type) return false;
    if (patientId === null) return true;
    const ref = patientRefOf(r);
    return ref === null || ref === `Patient/${patientId}`;
  };
  const resources = page.resources.filter(belongs);
  if (after && resources.length !== page.resources.length) throw invalid('after', 'this cursor belongs to another search');
  return {
    nodes: resources.map(map),
    pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: page.nextCursor },
    total: page.total ?? null,
  };
}
