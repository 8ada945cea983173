import type { Appointment, CodeableConcept, DocumentReference } from '@medplum/fhirtypes';
import { ErrorCode, SbError } from '@sb/core';
import { athenaPatientIdOf, parseAthenaFhirId, type AthenaIdKind } from '../athena-ids';
import { epochMsOf, formatAthenaDate, formatAthenaTime, parseIsoWithOffset, zonedToEpochMs, type AthenaOpenSlot } from '../wire';
import { SYSTEMS, athenaSystem, departmentZone, type AthenaMapContext } from './map-context';

/**
 * FHIR → athena for writes: what a booking, a cancellation and a note upload send. What athena
 * needs and the resource does not say is a 400 naming the FHIR path (never a guess).
 */

/** A 400 naming the element that cannot be written (the message is static; the path is not PHI). */
export function unwritable(path: string, message: string): SbError {
  return new SbError(ErrorCode.ValidationFailed, 'The resource cannot be written to athena', { issues: [{ path, message }] });
}

/** The athena id in a reference of the expected kind (`Slot/a-1.slot-7` or the bare id) of this practice, or null. */
function idIn(reference: string | undefined, type: string, kind: AthenaIdKind, practiceId: string): string | null {
  if (!reference) return null;
  return parseAthenaFhirId(reference.replace(new RegExp(`^${type}/`), ''), kind, practiceId)?.recordId ?? null;
}

/** The code of a concept's coding in `system`, if any. */
const codeIn = (concept: CodeableConcept | undefined, system: string): string | undefined => concept?.coding?.find((c) => c.system === system && c.code)?.code;

// ---------------------------------------------------------------------------------------------
// Booking: PUT /appointments/{slotid}

/** What `PUT /appointments/{slotid}` needs (/work/shared/notes/athena.md §4). */
export interface AthenaBookingRequest {
  slotId: string;
  patientId: string;
  appointmentTypeId?: string;
  departmentId?: string;
  bookingNote?: string;
}

const BOOKABLE: ReadonlySet<string> = new Set(['proposed', 'pending', 'booked']);

/**
 * A FHIR Appointment to book → the booking of its Slot (`slot[0]`, one of this practice's) for its
 * Patient participant. Department and appointment type come from the Appointment's Location
 * participant and athena-coded appointmentType/serviceType, else from the open `slot` when the
 * caller has read it; when the slot is given the Appointment must agree with it (department,
 * provider, start).
 */
export function bookingFromAppointment(appt: Appointment, ctx: AthenaMapContext, slot?: AthenaOpenSlot): AthenaBookingRequest {
  const pid = ctx.practiceId;
  if (appt.status && !BOOKABLE.has(appt.status)) throw unwritable('Appointment.status', "must be 'booked' (or proposed/pending) to book a slot");
  const slots = appt.slot ?? [];
  if (slots.length !== 1) throw unwritable('Appointment.slot', 'must reference exactly one open Slot of this athena connection');
  const slotId = idIn(slots[0].reference, 'Slot', 'slot', pid);
  if (!slotId) throw unwritable('Appointment.slot[0]', 'must reference an open Slot of this athena connection');
  if (slot && slot.appointmentId !== slotId) throw unwritable('Appointment.slot[0]', 'is not the slot that was read');

  const actors = (appt.participant ?? []).map((p, i) => ({ reference: p.actor?.reference ?? '', index: i }));
  const patients = [...new Set(actors.filter((a) => a.reference.startsWith('Patient/')).map((a) => athenaPatientIdOf(a.reference, pid)))];
  if (patients.length !== 1 || !patients[0]) throw unwritable('Appointment.participant', 'must name exactly one Patient of this athena practice');
  const location = actors.find((a) => a.reference.startsWith('Location/'));
  const practitioner = actors.find((a) => a.reference.startsWith('Practitioner/'));
  const departmentId = location ? idIn(location.reference, 'Location', 'location', pid) : undefined;
  if (departmentId === null) throw unwritable(`Appointment.participant[${location?.index}].actor`, 'must reference a Location of this athena practice');
  const providerId = practitioner ? idIn(practitioner.reference, 'Practitioner', 'practitioner', pid) : undefined;
  if (providerId === null) throw unwritable(`Appointment.participant[${practitioner?.index}].actor`, 'must reference a Practitioner of this athena practice');

  if (slot) {
    if (departmentId && departmentId !== slot.departmentId) throw unwritable(`Appointment.participant[${location?.index}].actor`, "must be the slot's department");
    if (providerId && slot.providerId && providerId !== slot.providerId) throw unwritable(`Appointment.participant[${practitioner?.index}].actor`, "must be the slot's provider");
    const zone = departmentZone(ctx, slot.departmentId);
    const start = appt.start ? parseIsoWithOffset(appt.start) : undefined;
    if (appt.start && zone && (!start || epochMsOf(start) !== zonedToEpochMs(slot.date, slot.startTime, zone))) throw unwritable('Appointment.start', "must be the slot's start");
  }

  const typeSystem = athenaSystem('appointmenttype', pid);
  const appointmentTypeId = codeIn(appt.appointmentType, typeSystem) ?? appt.serviceType?.map((s) => codeIn(s, typeSystem)).find(Boolean) ?? slot?.appointmentTypeId;
  if (slot?.appointmentTypeId && appointmentTypeId !== slot.appointmentTypeId) throw unwritable('Appointment.appointmentType', "must be the slot's appointment type");
  const bookingNote = appt.comment ?? appt.description;
  return {
    slotId,
    patientId: patients[0],
    ...(appointmentTypeId ? { appointmentTypeId } : {}),
    ...((departmentId ?? slot?.departmentId) ? { departmentId: departmentId ?? slot?.departmentId } : {}),
    ...(bookingNote ? { bookingNote } : {}),
  };
}

/** The booking as athena's form fields (`patientid`, `appointmenttypeid`, `departmentid`, `bookingnote`). */
export function bookingForm(b: AthenaBookingRequest): { patientid: string; appointmenttypeid?: string; departmentid?: string; bookingnote?: string } {
  return {
    patientid: b.patientId,
    ...(b.appointmentTypeId ? { appointmenttypeid: b.appointmentTypeId } : {}),
    ...(b.departmentId ? { departmentid: b.departmentId } : {}),
    ...(b.bookingNote ? { bookingnote: b.bookingNote } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Cancellation: PUT /appointments/{id}/cancel

/** What `PUT /appointments/{id}/cancel` needs (patientid is required by athena: read it from the appointment when absent here). */
export interface AthenaCancellationRequest {
  appointmentId: string;
  patientId?: string;
  cancellationReason: string;
  appointmentCancelReasonId?: string;
}

/** Sent when the Appointment gives no reason: athena requires one. */
export const DEFAULT_CANCELLATION_REASON = 'Cancelled through Switchboard';

/**
 * An Appointment update to status `cancelled` → athena's cancel. `id` is the Appointment's id from the
 * URL (else `appt.id`); the reason is `cancelationReason` (text, else a coding's display or code, an
 * athena-coded reason also as `appointmentcancelreasonid`).
 */
export function cancellationFromAppointment(appt: Appointment, ctx: AthenaMapContext, id?: string): AthenaCancellationRequest {
  const pid = ctx.practiceId;
  if (appt.status !== 'cancelled') throw unwritable('Appointment.status', "athena appointments are updated only to cancel them (status 'cancelled')");
  const appointmentId = idIn(id ?? appt.id, 'Appointment', 'appointment', pid);
  if (!appointmentId) throw unwritable('Appointment.id', 'must be an Appointment of this athena connection');
  const patientRefs = (appt.participant ?? []).map((p) => p.actor?.reference ?? '').filter((r) => r.startsWith('Patient/'));
  const patientId = patientRefs.length ? athenaPatientIdOf(patientRefs[0], pid) : undefined;
  if (patientId === null) throw unwritable('Appointment.participant', 'must name a Patient of this athena practice');
  const reason = appt.cancelationReason;
  const firstCoding = reason?.coding?.find((c) => c.display || c.code);
  const appointmentCancelReasonId = codeIn(reason, athenaSystem('cancelreason', pid));
  return {
    appointmentId,
    ...(patientId ? { patientId } : {}),
    cancellationReason: reason?.text ?? firstCoding?.display ?? firstCoding?.code ?? DEFAULT_CANCELLATION_REASON,
    ...(appointmentCancelReasonId ? { appointmentCancelReasonId } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Notes: POST /patients/{patientid}/documents/clinicaldocument

/** The form of `POST /patients/{id}/documents/clinicaldocument` (/work/shared/notes/athena.md §4). */
export interface AthenaClinicalDocumentForm {
  departmentid: string;
  documentsubclass: string;
  /** Text documents. */
  documentdata?: string;
  /** Other documents: base64 content and athena's type (`PDF`, `PNG`…). */
  attachmentcontents?: string;
  attachmenttype?: string;
  documenttypeid?: string;
  /** `MM/DD/YYYY` and `HH:mm` in the department's zone. */
  observationdate?: string;
  observationtime?: string;
  providerid?: string;
  /** Filed closed, not left in the practice's review queue (athena's default is open). */
  autoclose: true;
}

export interface AthenaClinicalDocumentUploadRequest {
  patientId: string;
  form: AthenaClinicalDocumentForm;
}

/** LOINC document type → athena subclass; anything else is a plain CLINICALDOCUMENT. */
const LOINC_SUBCLASS: Readonly<Record<string, string>> = {
  '11488-4': 'CLINICALDOCUMENT_CONSULTNOTE',
  '18842-5': 'CLINICALDOCUMENT_ADMISSIONDISCHARGE',
  '11504-8': 'CLINICALDOCUMENT_OPERATIVENOTE',
};

/** MIME types athena takes as attachments, with its `attachmenttype` names. */
const ATTACHMENT_TYPES: Readonly<Record<string, string>> = {
  'application/pdf': 'PDF',
  'image/jpeg': 'JPG',
  'image/png': 'PNG',
  'image/gif': 'GIF',
  'image/tiff': 'TIFF',
};

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * A DocumentReference to file → the clinical document upload for its subject, in `departmentId`
 * (athena files every document in a department; the adapter uses the patient's primary one).
 * text/plain → `documentdata`; PDF and images → `attachmentcontents` + `attachmenttype`; subclass
 * CLINICALDOCUMENT (CONSULTNOTE for a consult note, 11488-4, …); `autoclose=true`.
 */
export function clinicalDocumentFromDocumentReference(doc: DocumentReference, ctx: AthenaMapContext, departmentId: string): AthenaClinicalDocumentUploadRequest {
  const pid = ctx.practiceId;
  const patientId = doc.subject?.reference ? athenaPatientIdOf(doc.subject.reference, pid) : null;
  if (!patientId) throw unwritable('DocumentReference.subject', 'must reference a Patient of this athena practice');
  if (doc.status && doc.status !== 'current') throw unwritable('DocumentReference.status', "must be 'current'");
  const contents = doc.content ?? [];
  if (contents.length !== 1) throw unwritable('DocumentReference.content', 'must hold exactly one attachment (athena files one document per upload)');
  const attachment = contents[0].attachment;
  const data = attachment.data?.replace(/\s+/g, '');
  if (!data) throw unwritable('DocumentReference.content[0].attachment.data', 'must carry the document inline as base64 (attachment URLs are not fetched)');
  if (!BASE64.test(data) || data.length % 4 !== 0) throw unwritable('DocumentReference.content[0].attachment.data', 'must be base64');
  const mime = (attachment.contentType ?? '').split(';')[0].trim().toLowerCase();

  const form: AthenaClinicalDocumentForm = { departmentid: departmentId, documentsubclass: 'CLINICALDOCUMENT', autoclose: true };
  if (mime === 'text/plain') {
    const text = Buffer.from(data, 'base64').toString('utf8');
    if (!text.trim()) throw unwritable('DocumentReference.content[0].attachment.data', 'must not be empty');
    form.documentdata = text;
  } else if (ATTACHMENT_TYPES[mime]) {
    form.attachmentcontents = data;
    form.attachmenttype = ATTACHMENT_TYPES[mime];
  } else {
    throw unwritable('DocumentReference.content[0].attachment.contentType', 'must be text/plain, application/pdf or an image (jpeg, png, gif, tiff)');
  }

  const loinc = codeIn(doc.type, SYSTEMS.loinc);
  if (loinc && LOINC_SUBCLASS[loinc]) form.documentsubclass = LOINC_SUBCLASS[loinc];
  const documentTypeId = codeIn(doc.type, athenaSystem('documenttype', pid));
  if (documentTypeId) form.documenttypeid = documentTypeId;

  const author = doc.author?.find((a) => a.reference?.startsWith('Practitioner/'));
  if (author) {
    const providerId = idIn(author.reference, 'Practitioner', 'practitioner', pid);
    if (!providerId) throw unwritable('DocumentReference.author', 'must reference a Practitioner of this athena practice');
    form.providerid = providerId;
  }

  const when = doc.context?.period?.start ?? doc.date;
  const zone = departmentZone(ctx, departmentId);
  if (when) {
    const instant = parseIsoWithOffset(when);
    if (instant && zone) {
      form.observationdate = formatAthenaDate(epochMsOf(instant), zone);
      form.observationtime = formatAthenaTime(epochMsOf(instant), zone);
    } else if (/^\d{4}-\d{2}-\d{2}$/.test(when)) {
      const [y, m, d] = when.split('-');
      form.observationdate = `${m}/${d}/${y}`;
    }
  }
  return { patientId, form };
}
