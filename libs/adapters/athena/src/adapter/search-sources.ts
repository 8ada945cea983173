import type { Resource } from '@medplum/fhirtypes';
import { ErrorCode, isSbError } from '@sb/core';
import * as fhir from '../fhir';
import type { AthenaMapContext } from '../fhir/map-context';
import * as wire from '../wire';
import type { AthenaApi } from './athena-api';

/**
 * Where the resources of a search come from: one athena request (a list, a chart
 * section or a single record) and how its answer maps to FHIR. Steps travel inside
 * sealed cursors, so they hold only data: the kind, the practice-relative path
 * (athena's `next` once paging) and the chart they read.
 */
export type SourceKind =
  | 'patient'
  | 'patients'
  | 'encounters'
  | 'problems'
  | 'allergies'
  | 'medications'
  | 'vitals'
  | 'lab-observations'
  | 'lab-reports'
  | 'document'
  | 'documents'
  | 'appointments'
  | 'slots'
  | 'provider'
  | 'providers'
  | 'department'
  | 'departments'
  | 'organization';

export interface SourceStep {
  kind: SourceKind;
  /** Practice-relative path with query (`/chart/5/problems?departmentid=1&limit=50`); '' for sources without a request. */
  path: string;
  /** Chart sources: the patient and the department the chart is read in. */
  patientId?: string;
  departmentId?: string;
}

export interface SourceResult {
  resources: Resource[];
  /** athena's next page of this source, as a practice-relative path. */
  next: string | null;
}

/** Kinds that read one record: athena's 404 there means "no match", not an error of the search. */
const SINGLE: ReadonlySet<SourceKind> = new Set(['patient', 'document', 'provider', 'department']);

/** Runs one step: the athena request, then wire parsing and FHIR mapping of its answer. */
export async function runStep(api: AthenaApi, ctx: AthenaMapContext, step: SourceStep): Promise<SourceResult> {
  if (step.kind === 'organization') return { resources: [fhir.toPracticeOrganization(ctx)], next: null };
  let page;
  try {
    page = await api.http.nextPage(step.path);
  } catch (error) {
    if (SINGLE.has(step.kind) && isSbError(error) && error.code === ErrorCode.NotFound) return { resources: [], next: null };
    throw error;
  }
  return { resources: await mapBody(api, step, page.body, ctx), next: page.next };
}

/**
 * A clinical document as a DocumentReference; a body athena serves apart (an
 * attachment's first page) is fetched, since US Core needs the content inline or by URL.
 */
export async function documentReferenceOf(api: AthenaApi, doc: wire.AthenaClinicalDocument, ctx: AthenaMapContext, scope: fhir.AthenaChartScope): Promise<Resource> {
  const href = doc.content ? undefined : doc.pages[0]?.href;
  const content = href ? await api.http.attachment(href) : undefined;
  return fhir.toDocumentReference(doc, ctx, scope, content);
}

function scopeOf(step: SourceStep): fhir.AthenaChartScope {
  return { patientId: step.patientId ?? '', ...(step.departmentId ? { departmentId: step.departmentId } : {}) };
}

async function mapBody(api: AthenaApi, step: SourceStep, body: unknown, ctx: AthenaMapContext): Promise<Resource[]> {
  const scope = scopeOf(step);
  switch (step.kind) {
    case 'patient':
      return [fhir.toPatient(wire.parsePatient(body), ctx)];
    case 'patients':
      return wire.parsePatientPage(body).items.map((p) => fhir.toPatient(p, ctx));
    case 'encounters':
      return wire.parseEncounterPage(body).items.map((e) => fhir.toEncounter(e, ctx, scope));
    case 'problems':
      return wire.parseProblemPage(body).items.map((p) => fhir.toCondition(p, ctx, scope));
    case 'allergies':
      return fhir.toAllergyIntolerances(wire.parseAllergyList(body), ctx, scope);
    case 'medications':
      return wire.parseMedicationList(body).medications.map((m) => fhir.toMedicationRequest(m, ctx, scope));
    case 'vitals':
      return fhir.toVitalObservations(wire.parseVitals(body).items, ctx, scope);
    case 'lab-observations':
      return wire.parseLabResultPage(body).items.flatMap((r) => fhir.toLabObservations(r, ctx, scope));
    case 'lab-reports':
      return wire.parseLabResultPage(body).items.map((r) => fhir.toDiagnosticReport(r, ctx, scope));
    case 'document':
      return [await documentReferenceOf(api, wire.parseClinicalDocument(body), ctx, scope)];
    case 'documents':
      return Promise.all(wire.parseClinicalDocumentPage(body).items.map((d) => documentReferenceOf(api, d, ctx, scope)));
    case 'appointments':
      return wire
        .parseAppointmentPage(body)
        .items.filter((a): a is wire.AthenaAppointment => a.kind === 'booked')
        .map((a) => fhir.toAppointment(a, ctx));
    case 'slots':
      return wire.parseOpenSlotPage(body).items.map((s) => fhir.toSlot(s, ctx));
    case 'provider':
      return [fhir.toPractitioner(wire.parseProvider(body), ctx)];
    case 'providers':
      return wire.parseProviderPage(body).items.map((p) => fhir.toPractitioner(p, ctx));
    case 'department':
      return [fhir.toLocation(wire.parseDepartment(body), ctx)];
    case 'departments':
      return wire.parseDepartmentPage(body).items.map((d) => fhir.toLocation(d, ctx));
    case 'organization':
      return [fhir.toPracticeOrganization(ctx)];
  }
}
