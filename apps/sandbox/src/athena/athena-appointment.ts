import { appointmentTypeById, departmentById, type AppointmentTypeSpec, type DepartmentSpec } from './athena-directory';
import { EASTERN, usDate, usDateTime, usTime } from './athena-time';

/** athena's appointment statuses: o open slot, f future/booked, 2 checked in, 3 checked out, 4 charge entered, x cancelled. */
export type AppointmentStatus = 'o' | 'f' | '2' | '3' | '4' | 'x';

export interface CancelReason {
  id: string;
  name: string;
  noshow: boolean;
}

export const CANCEL_REASONS = {
  api: { id: '-5', name: 'CANCELLED FROM API', noshow: false },
  patient: { id: '1', name: 'PATIENT CANCELLED', noshow: false },
  noShow: { id: '2', name: 'PATIENT NO SHOW', noshow: true },
  rescheduled: { id: '-6', name: 'RESCHEDULED', noshow: false },
} as const satisfies Record<string, CancelReason>;

/** One appointment row: an open slot until booked (the booking keeps the slot's id). */
export interface AppointmentRecord {
  appointmentid: string;
  departmentid: string;
  providerid: number;
  appointmenttypeid: string;
  startMs: number;
  duration: number;
  status: AppointmentStatus;
  patientid?: string;
  scheduledMs?: number;
  scheduledby?: string;
  cancelledMs?: number;
  cancelledby?: string;
  cancelreason?: CancelReason;
  /** Checked in (statuses 2, 3, 4): startcheckin/stopcheckin are shown. */
  checkedIn?: boolean;
  encounterid?: string;
  rescheduledappointmentid?: string;
  lastmodifiedMs: number;
  lastmodifiedby: string;
  notes: { id: number; text: string }[];
}

const typeOf = (r: AppointmentRecord): AppointmentTypeSpec => appointmentTypeById(r.appointmenttypeid) as AppointmentTypeSpec;
export const zoneOf = (r: Pick<AppointmentRecord, 'departmentid'>): string => (departmentById(r.departmentid) as DepartmentSpec).zone;

/**
 * GET /appointments/open item. Ids are numbers here (athena's 2023 recording),
 * date and starttime are local to the department.
 */
export function renderSlot(r: AppointmentRecord): Record<string, unknown> {
  const type = typeOf(r);
  return {
    appointmentid: Number(r.appointmentid),
    departmentid: Number(r.departmentid),
    localproviderid: r.providerid,
    providerid: r.providerid,
    date: usDate(r.startMs, zoneOf(r)),
    starttime: usTime(r.startMs, zoneOf(r)),
    duration: r.duration,
    appointmenttypeid: Number(r.appointmenttypeid),
    appointmenttype: type.name,
    patientappointmenttypename: type.name,
    reasonid: ['-1'],
  };
}

/**
 * A booked (or any) appointment as GET /appointments/{id}, /appointments/booked
 * and the changed feed send it: ids as strings, duration and hl7providerid as
 * numbers, date/starttime department-local, the *datetime stamps in Eastern.
 */
export function renderAppointment(r: AppointmentRecord): Record<string, unknown> {
  const type = typeOf(r);
  const zone = zoneOf(r);
  const out: Record<string, unknown> = {
    appointmentid: r.appointmentid,
    departmentid: r.departmentid,
    providerid: String(r.providerid),
    date: usDate(r.startMs, zone),
    starttime: usTime(r.startMs, zone),
    duration: r.duration,
    appointmentstatus: r.status,
    appointmenttypeid: r.appointmenttypeid,
    appointmenttype: type.name,
    patientappointmenttypename: type.name,
    templateappointmentid: r.appointmentid,
    templateappointmenttypeid: r.appointmenttypeid,
    hl7providerid: r.providerid,
    chargeentrynotrequired: false,
    lastmodified: usDateTime(r.lastmodifiedMs, EASTERN),
    lastmodifiedby: r.lastmodifiedby,
  };
  if (r.patientid !== undefined) out.patientid = r.patientid;
  if (r.scheduledMs !== undefined) {
    out.scheduleddatetime = usDateTime(r.scheduledMs, EASTERN);
    out.scheduledby = r.scheduledby ?? '';
  }
  if (r.checkedIn) {
    out.startcheckin = usTime(r.startMs - 10 * 60_000, zone);
    out.stopcheckin = usTime(r.startMs - 5 * 60_000, zone);
  }
  if (r.status === 'x' && r.cancelreason) {
    out.cancelleddatetime = usDateTime(r.cancelledMs ?? r.lastmodifiedMs, EASTERN);
    out.cancelledby = r.cancelledby ?? r.lastmodifiedby;
    out.cancelreasonid = r.cancelreason.id;
    out.cancelreasonname = r.cancelreason.name;
    out.cancelreasonnoshow = r.cancelreason.noshow;
    out.cancelreasonslotavailable = true;
  }
  if (r.encounterid !== undefined) out.encounterid = r.encounterid;
  if (r.rescheduledappointmentid !== undefined) out.rescheduledappointmentid = r.rescheduledappointmentid;
  if (r.notes.length > 0) out.appointmentnotes = r.notes.map((n) => ({ id: n.id, text: n.text, displayonschedule: false }));
  return out;
}
