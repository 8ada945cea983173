import type { Reply } from '../fhir/reply';
import { CANCEL_REASONS, renderAppointment, type AppointmentRecord, type CancelReason } from './athena-appointment';
import type { AthenaCall } from './athena-call';
import { APPOINTMENT_TYPES, appointmentTypeById, providerIdOf } from './athena-directory';
import { athenaJson, ATHENA_ERRORS, bareString } from './athena-reply';

// The appointment writes: book a slot, cancel, reschedule, edit a booking.
// None is idempotent — athena has no idempotency keys, and neither does this.

/** The user athena records for API writes ("API-15476" in recordings). */
export const apiUser = (clientId: string): string => `API-${clientId.replace(/[^A-Za-z0-9]/g, '').slice(0, 12).toUpperCase()}`;

const appointmentOf = (call: AthenaCall, id = call.path.appointmentid ?? ''): AppointmentRecord | undefined => (/^\d+$/.test(id) ? call.practice.appointments.get(id) : undefined);

function touched(call: AthenaCall, record: AppointmentRecord): void {
  record.lastmodifiedMs = call.nowMs;
  record.lastmodifiedby = apiUser(call.clientId);
}

/** A cancelled future booking frees its time: athena opens a new slot there. */
function reopen(call: AthenaCall, record: AppointmentRecord): void {
  if (record.startMs <= call.nowMs) return;
  const slot: AppointmentRecord = {
    appointmentid: call.practice.newSlotId(),
    departmentid: record.departmentid,
    providerid: record.providerid,
    appointmenttypeid: record.appointmenttypeid,
    startMs: record.startMs,
    duration: record.duration,
    status: 'o',
    lastmodifiedMs: call.nowMs,
    lastmodifiedby: apiUser(call.clientId),
    notes: [],
  };
  call.practice.appointments.set(slot.appointmentid, slot);
  call.athena.appointmentChanged(call.practiceId, slot, 'AddAppointmentSlot');
}

function cancel(call: AthenaCall, record: AppointmentRecord, reason: CancelReason, note: string): void {
  record.status = 'x';
  record.cancelreason = reason;
  record.cancelledMs = call.nowMs;
  record.cancelledby = apiUser(call.clientId);
  record.notes.push({ id: call.practice.newNoteId(), text: note });
  touched(call, record);
}

/** Type from appointmenttypeid or reasonid (either may be absent), or an error reply. */
function requestedType(call: AthenaCall): string | undefined | Reply {
  const typeId = call.params.get('appointmenttypeid');
  if (typeId !== undefined) return appointmentTypeById(typeId) ? typeId : ATHENA_ERRORS.invalidFields('The appointment type ID is invalid.', ['appointmenttypeid']);
  const reasonId = call.params.get('reasonid');
  if (reasonId === undefined || reasonId === '-1') return undefined;
  return APPOINTMENT_TYPES.find((t) => t.reasonid === reasonId)?.appointmenttypeid ?? ATHENA_ERRORS.invalidFields('The reason ID is invalid.', ['reasonid']);
}

/** PUT /appointments/{slotid}: books an open slot; a taken or unknown slot is athena's 409. */
export function book(call: AthenaCall): Reply {
  const missing = call.params.missing(['patientid']);
  if (missing.length > 0) return ATHENA_ERRORS.missingFields(missing);
  const patientid = call.params.get('patientid') as string;
  if (!call.practice.patients.has(patientid)) return ATHENA_ERRORS.invalidFields('The patient ID is invalid.', ['patientid']);
  const type = requestedType(call);
  if (typeof type === 'object') return type;
  const slot = appointmentOf(call);
  if (!slot || slot.status !== 'o') return ATHENA_ERRORS.slotTaken();
  const departmentid = call.params.get('departmentid');
  if (departmentid !== undefined && departmentid !== slot.departmentid) return ATHENA_ERRORS.invalidFields('The department ID does not match the appointment slot.', ['departmentid']);
  slot.status = 'f';
  slot.patientid = patientid;
  if (type) slot.appointmenttypeid = type;
  slot.scheduledMs = call.nowMs;
  slot.scheduledby = apiUser(call.clientId);
  const bookingnote = call.params.get('bookingnote');
  if (bookingnote) slot.notes.push({ id: call.practice.newNoteId(), text: bookingnote });
  touched(call, slot);
  call.athena.appointmentChanged(call.practiceId, slot, 'ScheduleAppointment');
  return athenaJson(200, [renderAppointment(slot)]);
}

/** Why a booked appointment cannot be cancelled or rescheduled, if it cannot. */
function notCancellable(record: AppointmentRecord | undefined, patientid: string): Reply | undefined {
  if (!record) return ATHENA_ERRORS.notFound('The appointment ID is invalid.');
  if (record.status === 'o') return ATHENA_ERRORS.invalidFields('That appointment is not booked.', ['appointmentid']);
  if (record.status === 'x') return ATHENA_ERRORS.invalidFields('The appointment has already been cancelled.', ['appointmentid']);
  if (record.status !== 'f') return ATHENA_ERRORS.invalidFields('The patient has already been checked in.', ['appointmentid']);
  if (record.patientid !== patientid) return ATHENA_ERRORS.invalidFields('The patient ID does not match the appointment.', ['patientid']);
  return undefined;
}

/** PUT /appointments/{id}/cancel → {"status":"x"}. */
export function cancelAppointment(call: AthenaCall): Reply {
  const missing = call.params.missing(['patientid', 'cancellationreason']);
  if (missing.length > 0) return ATHENA_ERRORS.missingFields(missing);
  const record = appointmentOf(call);
  const refusal = notCancellable(record, call.params.get('patientid') as string);
  if (refusal || !record) return refusal as Reply;
  const reasonId = call.params.get('appointmentcancelreasonid');
  const reason = Object.values(CANCEL_REASONS).find((r) => r.id === reasonId && r !== CANCEL_REASONS.rescheduled) ?? CANCEL_REASONS.api;
  cancel(call, record, reason, `API appointment cancellation. Reported reason for cancellation: ${call.params.get('cancellationreason') as string}`);
  call.athena.appointmentChanged(call.practiceId, record, 'CancelAppointment');
  reopen(call, record);
  return athenaJson(200, { status: 'x' });
}

/** PUT /appointments/{id}/reschedule: books `newappointmentid` and cancels the old booking. */
export function reschedule(call: AthenaCall): Reply {
  const missing = call.params.missing(['newappointmentid', 'patientid']);
  if (missing.length > 0) return ATHENA_ERRORS.missingFields(missing);
  const patientid = call.params.get('patientid') as string;
  const old = appointmentOf(call);
  const refusal = notCancellable(old, patientid);
  if (refusal || !old) return refusal as Reply;
  const slot = appointmentOf(call, call.params.get('newappointmentid'));
  if (!slot || slot.status !== 'o') return ATHENA_ERRORS.slotTaken();
  slot.status = 'f';
  slot.patientid = patientid;
  slot.scheduledMs = call.nowMs;
  slot.scheduledby = apiUser(call.clientId);
  slot.rescheduledappointmentid = old.appointmentid;
  const reason = call.params.get('reschedulereason');
  if (reason) slot.notes.push({ id: call.practice.newNoteId(), text: `API appointment reschedule. Reported reason: ${reason}` });
  touched(call, slot);
  cancel(call, old, CANCEL_REASONS.rescheduled, 'API appointment rescheduled.');
  // The new booking first, so a poller reading the old one's cancellation already knows it was moved.
  call.athena.appointmentChanged(call.practiceId, slot, 'ScheduleAppointment');
  call.athena.appointmentChanged(call.practiceId, old, 'CancelAppointment');
  reopen(call, old);
  return athenaJson(200, [renderAppointment(slot)]);
}

/** PUT /appointments/booked/{id}: bare `1` on success, a bare error string (still 200) otherwise. */
export function updateBooked(call: AthenaCall): Reply {
  const record = appointmentOf(call);
  if (!record || record.status !== 'f') return bareString('Invalid APPOINTMENTID input');
  const providerid = call.params.get('providerid');
  if (providerid !== undefined && !call.practice.dataset.practitioners.some((p) => String(providerIdOf(p.key)) === providerid)) return bareString('Invalid PROVIDERID input');
  const typeId = call.params.get('appointmenttypeid');
  if (typeId !== undefined && !appointmentTypeById(typeId)) return bareString('Invalid APPOINTMENTTYPEID input');
  const departmentid = call.params.get('departmentid');
  if (departmentid !== undefined && !call.practice.hasDepartment(departmentid)) return bareString('Invalid DEPARTMENTID input');
  if (providerid !== undefined) record.providerid = Number(providerid);
  if (typeId !== undefined) record.appointmenttypeid = typeId;
  if (departmentid !== undefined) record.departmentid = departmentid;
  touched(call, record);
  call.athena.appointmentChanged(call.practiceId, record, 'UpdateAppointment');
  return athenaJson(200, 1);
}
