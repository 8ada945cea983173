import type { Appointment, DocumentReference, Resource } from '@medplum/fhirtypes';
import type { CreateResult } from '@sb/adapters/contracts';
import { ErrorCode, SbError, isSbError } from '@sb/core';
import { athenaPatientIdOf, parseAthenaFhirId } from '../athena-ids';
import * as fhir from '../fhir';
import type { AthenaMapContext } from '../fhir/map-context';
import * as wire from '../wire';
import type { AthenaApi } from './athena-api';
import { notFound } from './reads';
import { documentReferenceOf } from './search-sources';

/** How far back a note found after a timed-out upload may have been created to count as that upload. */
const RECENT_UPLOAD_MS = 10 * 60_000;

const invalid = (path: string, message: string): SbError => new SbError(ErrorCode.ValidationFailed, 'The resource cannot be written to athena', { issues: [{ path, message }] });

const slotUnavailable = (cause?: unknown): SbError =>
  new SbError(ErrorCode.Conflict, 'The slot is already booked or not available for booking', { details: { reason: 'slot_unavailable' }, ...(cause ? { cause } : {}) });

/**
 * A write whose outcome athena did not tell: the request timed out or the connection
 * failed after it was sent, or athena answered 5xx. athena has no idempotency keys,
 * so the caller reads back whether it took effect instead of sending it again blindly.
 */
export function outcomeUnknown(error: unknown): boolean {
  if (!isSbError(error)) return false;
  if (error.code === ErrorCode.VendorTimeout || error.code === ErrorCode.DependencyUnavailable) return true;
  if (error.code !== ErrorCode.VendorError) return false;
  const details = error.details ?? {};
  const status = typeof details.vendorStatus === 'number' ? details.vendorStatus : undefined;
  // Transport failures carry no vendor status; athena's own 5xx do.
  return status === undefined ? details.reason !== 'malformed_response' && details.reason !== 'foreign_link' : status >= 500;
}

const timedOut = (error: unknown): boolean => isSbError(error) && error.code === ErrorCode.VendorTimeout;

function patientOf(reference: string | undefined, practiceId: string, path: string): string {
  const patientId = reference ? athenaPatientIdOf(reference, practiceId) : null;
  if (!patientId) throw invalid(path, 'must reference a Patient of this athena practice');
  return patientId;
}

/**
 * `POST Appointment` books the open Slot in `slot[0]` for the Patient participant
 * (PUT /appointments/{slotid}; department and appointment type from the slot).
 * A booking athena may or may not have made (timeout, 5xx) is checked by reading the
 * slot: booked for this patient → done; still open after a timeout → booked once more;
 * anything else → the original error. A taken slot is Conflict (slot_unavailable).
 */
export async function bookAppointment(resource: Appointment, api: AthenaApi, ctx: AthenaMapContext): Promise<CreateResult> {
  // Checked before any request: the slot reference and the patient (the mapper names the element).
  const request = fhir.bookingFromAppointment(resource, ctx);
  const slot = await slotOrUnavailable(api, request.slotId);
  if (slot.kind !== 'open') throw slotUnavailable();
  const booking = fhir.bookingForm(fhir.bookingFromAppointment(resource, ctx, slot));
  const { slotId, patientId } = request;

  const attempt = async (): Promise<wire.AthenaAppointment> => wire.parseBookedAppointment(await api.scheduling.book(slotId, booking));
  let booked: wire.AthenaAppointment;
  try {
    booked = await attempt();
  } catch (error) {
    if (!outcomeUnknown(error)) throw error;
    const now = await slotOrUnavailable(api, slotId);
    if (now.kind === 'booked' && now.patientId === patientId && now.status !== 'x') booked = now;
    else if (now.kind === 'booked') throw slotUnavailable(error);
    else if (timedOut(error)) booked = await attempt();
    else throw error;
  }
  const appointment = fhir.toAppointment(booked, ctx);
  return { id: appointment.id, resource: appointment };
}

async function slotOrUnavailable(api: AthenaApi, slotId: string): Promise<wire.AthenaAppointment | wire.AthenaOpenSlot> {
  try {
    return wire.parseAppointmentOrSlot(await api.scheduling.appointment(slotId));
  } catch (error) {
    if (isSbError(error) && error.code === ErrorCode.NotFound) throw slotUnavailable(error);
    throw error;
  }
}

/**
 * `PUT Appointment/{id}` with status `cancelled`: PUT /appointments/{id}/cancel, then
 * the appointment as athena now has it. Any other change is refused (athena's
 * booked-appointment edits are not exposed). Cancelling a cancelled appointment
 * answers it as it is.
 */
export async function cancelAppointment(id: string, resource: Appointment, api: AthenaApi, ctx: AthenaMapContext): Promise<Resource> {
  if (!parseAthenaFhirId(id, 'appointment', api.http.practiceId)) throw notFound();
  const request = fhir.cancellationFromAppointment(resource, ctx, id);
  const read = async () => wire.parseAppointmentOrSlot(await api.scheduling.appointment(request.appointmentId));
  const current = await read();
  if (current.kind !== 'booked') throw notFound();
  if (request.patientId && request.patientId !== current.patientId) throw invalid('Appointment.participant', "must be the appointment's patient");
  if (current.status !== 'x') {
    const cancel = () =>
      api.scheduling.cancel(request.appointmentId, {
        patientid: current.patientId,
        cancellationreason: request.cancellationReason,
        ...(request.appointmentCancelReasonId ? { appointmentcancelreasonid: request.appointmentCancelReasonId } : {}),
      });
    try {
      await cancel();
    } catch (error) {
      if (!outcomeUnknown(error)) throw error;
      const now = await read();
      if (!(now.kind === 'booked' && now.status === 'x')) {
        if (!timedOut(error)) throw error;
        await cancel();
      }
    }
  }
  const after = await read();
  if (after.kind !== 'booked') throw notFound();
  return fhir.toAppointment(after, ctx);
}

/**
 * `POST DocumentReference` files a clinical document in the patient's chart (POST
 * /patients/{id}/documents/clinicaldocument, department: the patient's primary one)
 * and reads it back. An upload whose outcome is unknown is looked for among the
 * patient's recent documents with the same content; when it is not there the
 * original error stands (never a second upload: a duplicate note is worse than a retry by the caller).
 */
export async function uploadDocument(resource: DocumentReference, api: AthenaApi, ctx: AthenaMapContext): Promise<CreateResult> {
  const patientId = patientOf(resource.subject?.reference, api.http.practiceId, 'DocumentReference.subject');
  // Validated against a placeholder department first, so a bad note costs no athena request.
  fhir.clinicalDocumentFromDocumentReference(resource, ctx, '0');
  const departmentId = await api.chart.departmentOf(patientId);
  const upload = fhir.clinicalDocumentFromDocumentReference(resource, ctx, departmentId).form;
  let documentId: string;
  const startedAt = Date.now();
  try {
    const answer = (await api.documents.uploadClinicalDocument(patientId, upload)) as { clinicaldocumentid?: unknown };
    documentId = String(answer.clinicaldocumentid ?? '');
    if (!/^[A-Za-z0-9]{1,20}$/.test(documentId)) throw wire.malformedResponse('document', ['clinicaldocumentid']);
  } catch (error) {
    if (!outcomeUnknown(error)) throw error;
    const found = await findUpload(api, patientId, departmentId, upload, startedAt);
    if (!found) throw error;
    documentId = found;
  }
  const doc = wire.parseClinicalDocument(await api.documents.clinicalDocument(patientId, documentId));
  const stored = await documentReferenceOf(api, doc, ctx, { patientId, departmentId });
  return { id: stored.id ?? '', resource: stored };
}

/** A document of the patient created since the upload began, with the uploaded content. */
async function findUpload(api: AthenaApi, patientId: string, departmentId: string, upload: { documentdata?: string; attachmentcontents?: string }, startedAt: number): Promise<string | null> {
  const page = await api.documents.clinicalDocuments(patientId, departmentId, { limit: 100 });
  const content = upload.documentdata !== undefined ? Buffer.from(upload.documentdata, 'utf8').toString('base64') : upload.attachmentcontents;
  const recent = (d: wire.AthenaClinicalDocument) => !d.createdAt || Date.parse(d.createdAt) >= startedAt - RECENT_UPLOAD_MS;
  const match = wire.parseClinicalDocumentPage(page.body).items.find((d) => recent(d) && content !== undefined && d.content?.base64 === content);
  return match?.clinicalDocumentId ?? null;
}
