import { ErrorCode, SbError } from '@sb/core';

/**
 * FHIR ids for athenaOne records. Patients, practitioners, departments and
 * encounters use the ids athena's own FHIR server gives them
 * (`a-{practice}.E-{patientid}`…), so a product that later reads athena's FHIR API
 * sees the same ids. Chart entries (problems, allergies, medications, vitals, lab
 * results, documents) exist only inside a patient's chart, so their ids carry the
 * patient: a read by id fetches that patient's chart and picks the entry.
 * Every id matches FHIR's `[A-Za-z0-9\-\.]{1,64}`.
 */
export const ATHENA_ID_KINDS = {
  patient: 'E',
  practitioner: 'Provider',
  location: 'Department',
  encounter: 'encounter',
  appointment: 'appointment',
  slot: 'slot',
  problem: 'problem',
  allergy: 'allergy',
  medication: 'medication',
  vital: 'vital',
  analyte: 'analyte',
  labresult: 'labresult',
  document: 'document',
} as const;
export type AthenaIdKind = keyof typeof ATHENA_ID_KINDS;

/** Kinds whose record lives inside one patient's chart: their ids carry the patient id. */
const CHART_KINDS: ReadonlySet<AthenaIdKind> = new Set(['problem', 'allergy', 'medication', 'vital', 'analyte', 'labresult', 'document']);

const PART = /^[A-Za-z0-9]{1,20}$/;

export interface AthenaRecordId {
  practiceId: string;
  kind: AthenaIdKind;
  /** The athena id of the record (patientid, appointmentid, problemid…). */
  recordId: string;
  /** Chart kinds only: the patient whose chart holds the record. */
  patientId?: string;
}

/** `a-{practice}.{Kind}-{id}`, or `a-{practice}.{kind}-{patient}-{id}` for chart entries. */
export function athenaFhirId(practiceId: string, kind: AthenaIdKind, recordId: string, patientId?: string): string {
  const parts = CHART_KINDS.has(kind) ? [patientId ?? '', recordId] : [recordId];
  if (![practiceId, ...parts].every((p) => PART.test(p))) throw new SbError(ErrorCode.VendorError, 'athena sent an id the gateway cannot represent', { details: { kind } });
  return `a-${practiceId}.${ATHENA_ID_KINDS[kind]}-${parts.join('-')}`;
}

/** The athena ids inside a FHIR id of the expected kind and practice, or null (a 404 for the caller). */
export function parseAthenaFhirId(id: string, kind: AthenaIdKind, practiceId: string): AthenaRecordId | null {
  const prefix = `a-${practiceId}.${ATHENA_ID_KINDS[kind]}-`;
  if (!id.startsWith(prefix)) return null;
  const parts = id.slice(prefix.length).split('-');
  if (!parts.every((p) => PART.test(p))) return null;
  if (CHART_KINDS.has(kind)) {
    if (parts.length !== 2) return null;
    return { practiceId, kind, patientId: parts[0], recordId: parts[1] as string };
  }
  return parts.length === 1 ? { practiceId, kind, recordId: parts[0] as string } : null;
}

/** A patient reference's athena patientid (`Patient/a-1.E-5` or the bare id), or null when it is not this practice's. */
export function athenaPatientIdOf(reference: string, practiceId: string): string | null {
  return parseAthenaFhirId(reference.replace(/^Patient\//, ''), 'patient', practiceId)?.recordId ?? null;
}

/** Patient.identifier system for athena patient ids, as athena's event payloads spell it. */
export const athenaPatientSystem = (practiceId: string): string => `urn:athenahealth:athenanet:patient:${practiceId}`;
