import type { Appointment, AppointmentParticipant, CodeableConcept, Schedule, Slot } from '@medplum/fhirtypes';
import { athenaFhirId } from '../athena-ids';
import { formatInZone, malformedResponse, zonedToEpochMs, type AthenaAppointment, type AthenaAppointmentStatus, type AthenaOpenSlot } from '../wire';
import { athenaRef, athenaSystem, coding, concept, locationRef, metaOf, patientRef, practitionerRef, requireDepartmentZone, type AthenaMapContext } from './map-context';

/**
 * Schedules. athena has no schedule resource: a provider's open slots in a department are the
 * schedule. Their FHIR id is `a-{practice}.schedule-{departmentid}-{providerid}` (or
 * `a-{practice}.schedule-{departmentid}` for slots without a provider), so `Slot?schedule=` maps back
 * to `GET /appointments/open?departmentid=&providerid=`.
 */
const PART = /^[A-Za-z0-9]{1,20}$/;

export interface AthenaScheduleKey {
  departmentId: string;
  providerId?: string;
}

/** The FHIR id of the schedule of a department's (and provider's) open slots. */
export function athenaScheduleId(practiceId: string, departmentId: string, providerId?: string): string {
  const parts = providerId ? [departmentId, providerId] : [departmentId];
  if (![practiceId, ...parts].every((p) => PART.test(p))) throw malformedResponse('appointment', ['departmentid']);
  return `a-${practiceId}.schedule-${parts.join('-')}`;
}

/** The department and provider of a schedule id of this practice (`Schedule/` prefix allowed), or null. */
export function parseAthenaScheduleId(id: string, practiceId: string): AthenaScheduleKey | null {
  const prefix = `a-${practiceId}.schedule-`;
  const bare = id.replace(/^Schedule\//, '');
  if (!bare.startsWith(prefix)) return null;
  const parts = bare.slice(prefix.length).split('-');
  if (parts.length > 2 || !parts.every((p) => PART.test(p))) return null;
  return parts.length === 2 ? { departmentId: parts[0], providerId: parts[1] } : { departmentId: parts[0] };
}

/** The schedule a slot belongs to, as a Schedule resource (actors: the provider and the department). */
export function toSchedule(key: AthenaScheduleKey, ctx: AthenaMapContext): Schedule & { id: string } {
  return {
    resourceType: 'Schedule',
    id: athenaScheduleId(ctx.practiceId, key.departmentId, key.providerId),
    meta: metaOf(ctx, undefined),
    active: true,
    actor: [...(key.providerId ? [practitionerRef(ctx, key.providerId)] : []), locationRef(ctx, key.departmentId)],
  };
}

/** athena appointment type as a concept: athena's (practice-specific) id and name, the patient-facing name as text. */
function appointmentTypeOf(ctx: AthenaMapContext, entry: AthenaAppointment | AthenaOpenSlot): CodeableConcept | undefined {
  return concept(
    [entry.appointmentTypeId ? coding(athenaSystem('appointmenttype', ctx.practiceId), entry.appointmentTypeId, entry.appointmentType) : undefined],
    entry.patientAppointmentTypeName ?? entry.appointmentType,
  );
}

/** Start and end as dateTimes with the department's offset (DST-correct: the end may carry another offset than the start). */
function periodOf(ctx: AthenaMapContext, entry: AthenaAppointment | AthenaOpenSlot): { start: string; end: string } | undefined {
  if (entry.durationMinutes === undefined) return undefined;
  const zone = requireDepartmentZone(ctx, entry.departmentId);
  const startMs = zonedToEpochMs(entry.date, entry.startTime, zone);
  return { start: formatInZone(startMs, zone), end: formatInZone(startMs + entry.durationMinutes * 60_000, zone) };
}

const STATUS: Readonly<Record<Exclude<AthenaAppointmentStatus, 'x'>, Appointment['status']>> = {
  f: 'booked',
  '2': 'checked-in',
  '3': 'fulfilled',
  '4': 'fulfilled',
};

/** athena appointment status → FHIR (§6): x is cancelled, or noshow when the cancel reason says so. */
export function appointmentStatusOf(a: AthenaAppointment): Appointment['status'] {
  if (a.status === 'x') return a.cancelReasonNoShow ? 'noshow' : 'cancelled';
  return STATUS[a.status];
}

/**
 * A booked athena appointment → R4 Appointment (US Core 6.1.0 has no Appointment profile). Start and
 * end come from the department-local date and start time in the department's zone plus the duration;
 * participants are the patient, the provider and the department; `slot` names the slot it was booked
 * on (athena books by turning the open slot into the appointment, keeping the id); `created` is
 * athena's scheduled time (US Eastern server time).
 */
export function toAppointment(a: AthenaAppointment, ctx: AthenaMapContext): Appointment & { id: string } {
  const status = appointmentStatusOf(a);
  const period = periodOf(ctx, a);
  // A booked appointment has a start and end (app-3); without a duration athena's record is incomplete.
  if (!period && status !== 'cancelled' && status !== 'noshow') throw malformedResponse('appointment', ['duration']);
  const participantStatus: AppointmentParticipant['status'] = status === 'cancelled' ? 'declined' : 'accepted';
  const participant: AppointmentParticipant[] = [
    { actor: patientRef(ctx, a.patientId), required: 'required', status: participantStatus },
    ...(a.providerId ? [{ actor: practitionerRef(ctx, a.providerId), required: 'required' as const, status: participantStatus }] : []),
    { actor: locationRef(ctx, a.departmentId), required: 'required', status: 'accepted' },
  ];
  const type = appointmentTypeOf(ctx, a);
  const cancelReason = concept([a.cancelReasonId ? coding(athenaSystem('cancelreason', ctx.practiceId), a.cancelReasonId, a.cancelReasonName) : undefined], a.cancelReasonName);
  return {
    resourceType: 'Appointment',
    id: athenaFhirId(ctx.practiceId, 'appointment', a.appointmentId),
    meta: metaOf(ctx, undefined, a.lastModifiedAt),
    identifier: [{ use: 'usual', system: athenaSystem('appointment', ctx.practiceId), value: a.appointmentId }],
    status,
    ...(cancelReason && (status === 'cancelled' || status === 'noshow') ? { cancelationReason: cancelReason } : {}),
    ...(type ? { serviceType: [type], appointmentType: type } : {}),
    ...(period ? { start: period.start, end: period.end } : {}),
    ...(a.durationMinutes !== undefined ? { minutesDuration: a.durationMinutes } : {}),
    slot: [athenaRef(ctx, 'Slot', 'slot', a.appointmentId)],
    ...(a.scheduledAt ? { created: a.scheduledAt } : {}),
    participant,
  };
}

/**
 * An open athena slot → R4 Slot: free (busy-unavailable when frozen), start/end in the department's
 * zone, the schedule of its department and provider ({@link athenaScheduleId}), the appointment type
 * as service type.
 */
export function toSlot(s: AthenaOpenSlot, ctx: AthenaMapContext): Slot & { id: string } {
  const period = periodOf(ctx, s);
  if (!period) throw malformedResponse('appointment', ['duration']);
  const type = appointmentTypeOf(ctx, s);
  return {
    resourceType: 'Slot',
    id: athenaFhirId(ctx.practiceId, 'slot', s.appointmentId),
    meta: metaOf(ctx, undefined),
    identifier: [{ system: athenaSystem('appointment', ctx.practiceId), value: s.appointmentId }],
    ...(type ? { serviceType: [type], appointmentType: type } : {}),
    schedule: { reference: `Schedule/${athenaScheduleId(ctx.practiceId, s.departmentId, s.providerId)}` },
    status: s.frozen ? 'busy-unavailable' : 'free',
    start: period.start,
    end: period.end,
  };
}
