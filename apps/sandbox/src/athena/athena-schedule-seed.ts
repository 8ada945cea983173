import type { SynthAppointment, SynthDataset, SynthPatient } from '../dataset/dataset.types';
import { appointmentTypeById, appointmentTypeOfDescription, departmentById, departmentOfLocation, providerIdOf, type DepartmentSpec } from './athena-directory';
import { CANCEL_REASONS, type AppointmentRecord, type AppointmentStatus } from './athena-appointment';
import { patientIdOf } from './athena-patients';
import { instantOf } from './athena-time';

/** Seeded appointments are numbered from here in dataset order; open slots from SLOT_ID_BASE. */
export const BOOKED_ID_BASE = 1_050_001;
export const SLOT_ID_BASE = 2_204_001;
/** How far after the dataset anchor the open schedule reaches. */
export const OPEN_SCHEDULE_DAYS = 14;
const SEED_USER = 'sandboxfrontdesk';
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** Provider templates: who sees which appointment type in which department, local hours. */
const TEMPLATES: readonly { departmentid: string; practitioners: string[]; appointmenttypeid: string; from: number; to: number }[] = [
  { departmentid: '1', practitioners: ['pr1', 'pr3'], appointmenttypeid: '2', from: 9, to: 12 },
  { departmentid: '150', practitioners: ['pr5', 'pr6'], appointmenttypeid: '4', from: 13, to: 15 },
  { departmentid: '162', practitioners: ['pr2', 'pr9'], appointmenttypeid: '82', from: 10, to: 12 },
];

function statusOf(a: SynthAppointment, latestFulfilled: boolean, patient: SynthPatient): AppointmentStatus {
  switch (a.status) {
    case 'booked':
      return 'f';
    case 'cancelled':
    case 'noshow':
      return 'x';
    case 'fulfilled':
      if (latestFulfilled) return patient.index % 10 === 0 ? '2' : '3';
      return '4';
  }
}

/** The dataset's appointments as athena rows: booked f, past visits 2/3/4, cancellations and no-shows x. */
export function seededAppointments(dataset: SynthDataset, encounterIdOf: (encounterKey: string) => string | undefined): AppointmentRecord[] {
  const out: AppointmentRecord[] = [];
  for (const patient of dataset.patients) {
    const fulfilled = patient.appointments.filter((a) => a.status === 'fulfilled');
    const latest = fulfilled[fulfilled.length - 1];
    for (const a of patient.appointments) {
      const startMs = Date.parse(a.start);
      const status = statusOf(a, a === latest, patient);
      const type = appointmentTypeOfDescription(a.description);
      const encounter = status !== 'f' && status !== 'x' ? patient.encounters.find((e) => e.start === a.start) : undefined;
      const cancelreason = a.status === 'noshow' ? CANCEL_REASONS.noShow : a.status === 'cancelled' ? CANCEL_REASONS.patient : undefined;
      const cancelledMs = a.status === 'noshow' ? startMs + 60 * MINUTE_MS : startMs - DAY_MS;
      out.push({
        appointmentid: String(BOOKED_ID_BASE + out.length),
        departmentid: departmentOfLocation(a.locationKey).departmentid,
        providerid: providerIdOf(a.practitionerKey),
        appointmenttypeid: type.appointmenttypeid,
        startMs,
        duration: a.minutes,
        status,
        patientid: patientIdOf(patient),
        scheduledMs: Date.parse(a.created),
        scheduledby: SEED_USER,
        cancelledMs: cancelreason ? cancelledMs : undefined,
        cancelledby: cancelreason ? SEED_USER : undefined,
        cancelreason,
        checkedIn: status === '2' || status === '3' || status === '4',
        encounterid: encounter ? encounterIdOf(encounter.key) : undefined,
        lastmodifiedMs: cancelreason ? cancelledMs : status === 'f' ? Date.parse(a.created) : startMs + a.minutes * MINUTE_MS,
        lastmodifiedby: SEED_USER,
        notes: [],
      });
    }
  }
  return out;
}

const overlaps = (a: { startMs: number; duration: number }, b: { startMs: number; duration: number }): boolean =>
  a.startMs < b.startMs + b.duration * MINUTE_MS && b.startMs < a.startMs + a.duration * MINUTE_MS;

/**
 * Open slots on the weekdays of the OPEN_SCHEDULE_DAYS after the anchor, at
 * local hours in each department's zone, skipping times a provider is already booked.
 */
export function openSlots(anchor: string, booked: readonly AppointmentRecord[], seededMs: number): AppointmentRecord[] {
  const anchorMs = Date.parse(`${anchor}T00:00:00Z`);
  const out: AppointmentRecord[] = [];
  for (let d = 1; d <= OPEN_SCHEDULE_DAYS; d++) {
    const day = new Date(anchorMs + d * DAY_MS);
    if (day.getUTCDay() === 0 || day.getUTCDay() === 6) continue;
    for (const template of TEMPLATES) {
      const department = departmentById(template.departmentid) as DepartmentSpec;
      const duration = appointmentTypeById(template.appointmenttypeid)?.duration ?? 30;
      for (const practitioner of template.practitioners) {
        const providerid = providerIdOf(practitioner);
        for (let minute = template.from * 60; minute + duration <= template.to * 60; minute += duration) {
          const wall = { year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate(), hour: Math.floor(minute / 60), minute: minute % 60, second: 0 };
          const slot = { startMs: instantOf(wall, department.zone), duration };
          if (booked.some((b) => b.providerid === providerid && b.status !== 'x' && overlaps(b, slot))) continue;
          out.push({
            appointmentid: String(SLOT_ID_BASE + out.length),
            departmentid: department.departmentid,
            providerid,
            appointmenttypeid: template.appointmenttypeid,
            ...slot,
            status: 'o',
            lastmodifiedMs: seededMs,
            lastmodifiedby: SEED_USER,
            notes: [],
          });
        }
      }
    }
  }
  return out;
}
