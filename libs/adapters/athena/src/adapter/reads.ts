import type { Resource } from '@medplum/fhirtypes';
import { ErrorCode, SbError } from '@sb/core';
import { parseAthenaFhirId, type AthenaIdKind } from '../athena-ids';
import * as fhir from '../fhir';
import type { AthenaMapContext } from '../fhir/map-context';
import * as wire from '../wire';
import type { AthenaApi } from './athena-api';
import type { AthenaSearchType } from './search-plans';
import { documentReferenceOf, runStep, type SourceKind, type SourceStep } from './search-sources';
import { withQuery } from '../client/athena-http';

/** athena records a chart list holds per request when a read looks one up in it. */
const LOOKUP_PAGE = 500;
/** Pages followed at most to find one chart entry. */
const MAX_LOOKUP_PAGES = 20;

export const notFound = (): SbError => new SbError(ErrorCode.NotFound, 'Resource not found');

/** Which athena id kinds a FHIR type's ids may be, and the chart list a chart entry is looked up in. */
const ID_KINDS: Record<AthenaSearchType, readonly { kind: AthenaIdKind; list?: SourceKind }[]> = {
  Patient: [{ kind: 'patient' }],
  Practitioner: [{ kind: 'practitioner' }],
  Location: [{ kind: 'location' }],
  Organization: [],
  Encounter: [{ kind: 'encounter' }],
  Appointment: [{ kind: 'appointment' }],
  Slot: [{ kind: 'slot' }],
  Condition: [{ kind: 'problem', list: 'problems' }],
  AllergyIntolerance: [{ kind: 'allergy', list: 'allergies' }],
  MedicationRequest: [{ kind: 'medication', list: 'medications' }],
  Observation: [
    { kind: 'vital', list: 'vitals' },
    { kind: 'analyte', list: 'lab-observations' },
  ],
  DiagnosticReport: [{ kind: 'labresult', list: 'lab-reports' }],
  DocumentReference: [{ kind: 'document' }],
};

/**
 * A read by FHIR id (https://hl7.org/fhir/R4/http.html#read). The id names the athena
 * record (athena-ids.ts); chart entries carry their patient, so the read fetches that
 * patient's chart section and picks the entry. An id of another kind or practice is a 404.
 */
export async function readResource(type: AthenaSearchType, id: string, api: AthenaApi, ctx: AthenaMapContext): Promise<Resource> {
  const practiceId = api.http.practiceId;
  if (type === 'Organization') {
    const org = fhir.toPracticeOrganization(ctx);
    if (org.id !== id) throw notFound();
    return org;
  }
  for (const { kind, list } of ID_KINDS[type]) {
    const parsed = parseAthenaFhirId(id, kind, practiceId);
    if (!parsed) continue;
    const resource = list ? await findInChart(api, ctx, list, parsed.patientId ?? '', id) : await readRecord(type, parsed.recordId, parsed.patientId, api, ctx);
    if (!resource || resource.id !== id) throw notFound();
    return resource;
  }
  throw notFound();
}

async function readRecord(type: AthenaSearchType, recordId: string, patientId: string | undefined, api: AthenaApi, ctx: AthenaMapContext): Promise<Resource | null> {
  switch (type) {
    case 'Patient':
      return fhir.toPatient(wire.parsePatient(await api.patients.get(recordId)), ctx);
    case 'Practitioner':
      return fhir.toPractitioner(wire.parseProvider(await api.scheduling.provider(recordId)), ctx);
    case 'Location':
      return fhir.toLocation(wire.parseDepartment(await api.scheduling.department(recordId)), ctx);
    case 'Encounter': {
      const encounter = wire.parseEncounter(await api.chart.encounter(recordId));
      if (!encounter.patientId) throw notFound();
      return fhir.toEncounter(encounter, ctx, { patientId: encounter.patientId, ...(encounter.departmentId ? { departmentId: encounter.departmentId } : {}) });
    }
    case 'Appointment': {
      const entry = wire.parseAppointmentOrSlot(await api.scheduling.appointment(recordId));
      return entry.kind === 'booked' ? fhir.toAppointment(entry, ctx) : null;
    }
    case 'Slot': {
      const entry = wire.parseAppointmentOrSlot(await api.scheduling.appointment(recordId));
      return entry.kind === 'open' ? fhir.toSlot(entry, ctx) : null;
    }
    case 'DocumentReference': {
      if (!patientId) return null;
      const doc = wire.parseClinicalDocument(await api.documents.clinicalDocument(patientId, recordId));
      return documentReferenceOf(api, doc, ctx, { patientId, ...(doc.departmentId ? { departmentId: doc.departmentId } : {}) });
    }
    default:
      return null;
  }
}

/** A chart entry by id: the patient's list of that section, page by page, until the entry is found. */
async function findInChart(api: AthenaApi, ctx: AthenaMapContext, list: SourceKind, patientId: string, id: string): Promise<Resource | null> {
  const departmentId = await api.chart.departmentOf(patientId);
  const p = encodeURIComponent(patientId);
  const path = {
    problems: `/chart/${p}/problems`,
    allergies: `/chart/${p}/allergies`,
    medications: `/chart/${p}/medications`,
    vitals: `/chart/${p}/vitals`,
    'lab-observations': `/chart/${p}/labresults`,
    'lab-reports': `/chart/${p}/labresults`,
  }[list as 'problems'];
  const paged = list === 'problems' || list === 'lab-observations' || list === 'lab-reports';
  let step: SourceStep | null = { kind: list, patientId, departmentId, path: withQuery(path, { departmentid: departmentId, ...(paged ? { limit: LOOKUP_PAGE } : {}) }) };
  for (let n = 0; step && n < MAX_LOOKUP_PAGES; n++) {
    const result = await runStep(api, ctx, step);
    const found = result.resources.find((r) => r.id === id);
    if (found) return found;
    step = result.next ? { ...step, path: result.next } : null;
  }
  return null;
}
