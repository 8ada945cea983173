import type { Appointment, AppointmentParticipant, CodeableConcept, Identifier, Resource } from '@medplum/fhirtypes';
import { Hl7ErrorCode } from '../hl7-ack';
import { failConversion, type ConversionContext } from './conversion-context';
import type { Hl7Conversion, Hl7EventType } from './conversion.types';
import { mapPatient, requirePatientSegment } from './patient.mapper';
import { codeableConcept, decimal, entityKey, locationDisplay, orderIdentifier, personDisplay } from './v2-datatypes';
import type { V2Segment } from './v2-message';
import type { V2DateTime } from './v2-time';

/**
 * SIU (schedule information unsolicited) → Appointment, after the HL7 v2-to-FHIR segment map
 * SCH → Appointment (https://build.fhir.org/ig/HL7/v2-to-fhir/ConceptMap-segment-sch-to-appointment.html)
 * with AIS (service), AIL (location), AIP (personnel), TQ1 (timing). Locations and personnel are
 * participants by display name (the converter emits no Location/Practitioner resources).
 */

type AppointmentStatus = Appointment['status'];

interface SiuTrigger {
  readonly status: AppointmentStatus;
  readonly event?: Hl7EventType;
  /** S14 (modification) takes its status from SCH-25 when the filler sends one. */
  readonly statusFromFiller?: boolean;
}

export const SIU_TRIGGERS: Readonly<Record<string, SiuTrigger>> = {
  S12: { status: 'booked', event: 'appointment.booked' },
  S13: { status: 'booked', event: 'appointment.rescheduled' },
  S14: { status: 'booked', event: 'appointment.rescheduled', statusFromFiller: true },
  S15: { status: 'cancelled', event: 'appointment.cancelled' },
  S26: { status: 'noshow' },
};

/** Table 0278 filler status → Appointment.status. */
const FILLER_STATUS: Readonly<Record<string, AppointmentStatus>> = {
  PENDING: 'pending',
  WAITLIST: 'waitlist',
  BOOKED: 'booked',
  OVERBOOK: 'booked',
  STARTED: 'arrived',
  COMPLETE: 'fulfilled',
  CANCELLED: 'cancelled',
  DC: 'cancelled',
  DELETED: 'cancelled',
  NOSHOW: 'noshow',
};

/** Table 0276 appointment reason codes: the R4 binding of Appointment.appointmentType. */
const APPOINTMENT_TYPES = new Set(['CHECKUP', 'EMERGENCY', 'FOLLOWUP', 'ROUTINE', 'WALKIN']);

const MINUTES_PER_UNIT: Readonly<Record<string, number>> = { S: 1 / 60, SEC: 1 / 60, MIN: 1, M: 1, H: 60, HR: 60, HOUR: 60, HOURS: 60, D: 1440, DAY: 1440 };

/** A duration (number + CNE/CE unit, default minutes) in minutes; undefined when not a positive number. */
function minutesOf(amount: string, unit: string): number | undefined {
  const n = decimal(amount);
  const factor = unit ? MINUTES_PER_UNIT[unit.toUpperCase()] : 1;
  return n !== undefined && n > 0 && factor !== undefined ? n * factor : undefined;
}

/** `instant` + minutes, written with the same UTC offset. */
function addMinutes(instant: string, minutes: number): string {
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(instant);
  const offsetMinutes = offset ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) : 0;
  const shifted = new Date(Date.parse(instant) + minutes * 60000 + offsetMinutes * 60000).toISOString();
  return `${shifted.slice(0, 19)}${offset ? offset[0] : 'Z'}`;
}

interface Timing {
  start?: string;
  end?: string;
  minutes?: number;
}

/** Start/end: TQ1-7/8, else SCH-11.4/.5 (pre-2.5 TQ), else AIS-4 (+ AIS-7/8 duration); SCH-9/10 duration fills a missing end. */
function timing(ctx: ConversionContext, sch: V2Segment): Timing {
  const tq1 = ctx.message.first('TQ1');
  const ais = ctx.message.first('AIS');
  const pick = (...candidates: (V2DateTime | undefined)[]): string | undefined => candidates.find((c) => c?.instant)?.instant;
  let start = pick(tq1 && ctx.dateTime(tq1, 7), ctx.dateTime(sch, 11, 4), ais && ctx.dateTime(ais, 4));
  let end = pick(tq1 && ctx.dateTime(tq1, 8), ctx.dateTime(sch, 11, 5));
  const minutes = minutesOf(sch.value(9), sch.value(10)) ?? (ais ? minutesOf(ais.value(7), ais.value(8)) : undefined);
  if (start && !end && minutes !== undefined) end = addMinutes(start, minutes);
  if (start && end && Date.parse(end) < Date.parse(start)) end = undefined;
  // Appointment requires both or neither (app-2).
  if (!start || !end) start = end = undefined;
  return { start, end, minutes };
}

/** The NTE segments that follow SCH (before the patient and resource groups): the appointment comment. */
function scheduleComment(segments: readonly V2Segment[]): string | undefined {
  const lines: string[] = [];
  let inSchedule = false;
  for (const s of segments) {
    if (s.id === 'SCH') inSchedule = true;
    else if (s.id === 'NTE' && inSchedule) lines.push(...s.texts(3));
    else if (s.id !== 'TQ1') inSchedule = false;
  }
  return lines.length ? lines.join('\n') : undefined;
}

export function convertSiu(ctx: ConversionContext, trigger: string): Omit<Hl7Conversion, 'messageType'> {
  const spec = SIU_TRIGGERS[trigger];
  const sch = ctx.requireSegment('SCH');
  const filler = entityKey(sch.rep(2));
  const placer = entityKey(sch.rep(1));
  const naturalKey = filler
    ? `filler|${filler}`
    : placer
      ? `placer|${placer}`
      : failConversion(Hl7ErrorCode.RequiredFieldMissing, 'filler or placer appointment id is missing', { segment: 'SCH', sequence: sch.sequence, field: 2 });

  const resources: Resource[] = [];
  const participant: AppointmentParticipant[] = [];
  let patientKey: string | null = null;
  if (ctx.message.first('PID')) {
    const { patient, key } = mapPatient(ctx, requirePatientSegment(ctx));
    resources.push(patient);
    patientKey = key;
    participant.push({ actor: ctx.ref('Patient', patient.id), status: 'accepted' });
  }
  const seen = new Set<string>();
  for (const ail of ctx.message.all('AIL')) {
    const display = locationDisplay(ail.rep(3));
    if (display && !seen.has(`L|${display}`)) {
      seen.add(`L|${display}`);
      participant.push({ actor: { display }, status: 'accepted' });
    }
  }
  for (const aip of ctx.message.all('AIP')) {
    const role = codeableConcept(aip.rep(4), ctx.dialect);
    for (const xcn of aip.reps(3)) {
      const display = personDisplay(xcn);
      if (!display || seen.has(`P|${display}`)) continue;
      seen.add(`P|${display}`);
      participant.push({ actor: { display }, ...(role ? { type: [role] } : {}), status: 'accepted' });
    }
  }
  if (participant.length === 0) failConversion(Hl7ErrorCode.RequiredFieldMissing, 'required segment PID is missing', { segment: 'PID' });

  const fillerStatus = FILLER_STATUS[sch.value(25).toUpperCase()];
  const appointment: Appointment & { id: string } = {
    resourceType: 'Appointment',
    id: ctx.id('Appointment', naturalKey),
    status: spec.statusFromFiller && fillerStatus ? fillerStatus : spec.status,
    participant,
  };
  const identifier = [orderIdentifier(sch.rep(1), 'PLAC', ctx.dialect), orderIdentifier(sch.rep(2), 'FILL', ctx.dialect)].filter(
    (i): i is Identifier => i !== undefined,
  );
  if (identifier.length) appointment.identifier = identifier;

  // SCH-7 (appointment reason) uses table 0276, which R4 binds to appointmentType; other reasons are reasonCode.
  const reason = codeableConcept(sch.rep(7), ctx.dialect, 'SCH-7');
  const first = reason?.coding?.[0];
  if (first?.code && APPOINTMENT_TYPES.has(first.code.toUpperCase())) {
    const code = first.code.toUpperCase();
    appointment.appointmentType = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code, ...(first.display ? { display: first.display } : {}) }] };
  } else if (reason) {
    appointment.reasonCode = [reason];
  }
  const serviceType = ctx.message
    .all('AIS')
    .map((ais) => codeableConcept(ais.rep(3), ctx.dialect, 'AIS-3'))
    .filter((c): c is CodeableConcept => c !== undefined);
  if (serviceType.length) appointment.serviceType = serviceType;

  const { start, end, minutes } = timing(ctx, sch);
  if (start && end) {
    appointment.start = start;
    appointment.end = end;
  }
  if (minutes !== undefined && minutes >= 1) appointment.minutesDuration = Math.round(minutes);
  const comment = scheduleComment(ctx.message.segments);
  if (comment) appointment.comment = comment;
  resources.push(appointment);

  const events: Hl7Conversion['events'] = spec.event ? [{ type: spec.event, resourceType: 'Appointment', resourceId: appointment.id }] : [];
  return { patientKey, resources, events };
}
