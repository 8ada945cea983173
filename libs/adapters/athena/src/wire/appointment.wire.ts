import { z } from 'zod';
import { malformedResponse } from './wire-errors';
import { compact, list, optEasternDateTime, optFlag, optId, optNumber, optText, reqId, reqTime, optDate } from './wire-primitives';
import { parsePage, parseSingle, type AthenaPage } from './wire-records';

/** athena's `appointmentstatus` for a booked appointment (§6): future, checked in, checked out, charge entered, cancelled. */
export type AthenaAppointmentStatus = 'f' | '2' | '3' | '4' | 'x';
const BOOKED_STATUSES: ReadonlySet<string> = new Set<AthenaAppointmentStatus>(['f', '2', '3', '4', 'x']);

/** What an open slot and a booked appointment share: athena books by turning the slot into the appointment (same id). */
interface AthenaScheduleEntry {
  appointmentId: string;
  departmentId: string;
  providerId?: string;
  /** Department-local date `YYYY-MM-DD` (zone: the department's `timezonename`). */
  date: string;
  /** Department-local start `HH:mm:ss`. */
  startTime: string;
  durationMinutes?: number;
  appointmentTypeId?: string;
  appointmentType?: string;
  patientAppointmentTypeName?: string;
}

/** An open slot (`appointmentstatus` `o`, no patient): `GET /appointments/open`. */
export interface AthenaOpenSlot extends AthenaScheduleEntry {
  kind: 'open';
  reasonIds: string[];
  /** `frozenyn`: held, not bookable. */
  frozen?: boolean;
}

/** A booked appointment (`f 2 3 4 x`): `GET /appointments/{id}`, `/appointments/booked`, the change feed, a booking's answer. */
export interface AthenaAppointment extends AthenaScheduleEntry {
  kind: 'booked';
  patientId: string;
  status: AthenaAppointmentStatus;
  /** `scheduleddatetime` (US Eastern server time) as dateTime with offset. */
  scheduledAt?: string;
  /** `lastmodified` (US Eastern). */
  lastModifiedAt?: string;
  /** `cancelleddatetime` (US Eastern). */
  cancelledAt?: string;
  cancelReasonId?: string;
  cancelReasonName?: string;
  cancelReasonNoShow?: boolean;
  encounterId?: string;
  templateAppointmentId?: string;
}

const scheduleEntrySchema = z.object({
  appointmentid: reqId,
  departmentid: reqId,
  providerid: optId,
  date: optDate,
  starttime: reqTime,
  duration: optNumber.refine((n) => n === undefined || (Number.isInteger(n) && n > 0 && n <= 1440), 'expected minutes'),
  appointmentstatus: optText,
  appointmenttypeid: optText,
  appointmenttype: optText,
  patientappointmenttypename: optText,
  patientid: optId,
  reasonid: list(optText),
  frozenyn: optFlag,
  frozen: optFlag,
  scheduleddatetime: optEasternDateTime,
  lastmodified: optEasternDateTime,
  cancelleddatetime: optEasternDateTime,
  cancelreasonid: optText,
  cancelreasonname: optText,
  cancelreasonnoshow: optFlag,
  encounterid: optId,
  templateappointmentid: optText,
});

export const appointmentOrSlotSchema = scheduleEntrySchema
  .superRefine((a, ctx) => {
    if (!a.date) ctx.addIssue({ code: 'custom', path: ['date'], message: 'required' });
    const status = a.appointmentstatus?.toLowerCase();
    if (status !== undefined && status !== 'o' && !BOOKED_STATUSES.has(status)) ctx.addIssue({ code: 'custom', path: ['appointmentstatus'], message: 'unknown status' });
    if (status !== undefined && BOOKED_STATUSES.has(status) && !a.patientid) ctx.addIssue({ code: 'custom', path: ['patientid'], message: 'required' });
  })
  .transform((a): AthenaAppointment | AthenaOpenSlot => {
    const base: AthenaScheduleEntry = {
      appointmentId: a.appointmentid,
      departmentId: a.departmentid,
      providerId: a.providerid,
      date: a.date as string,
      startTime: a.starttime,
      durationMinutes: a.duration,
      appointmentTypeId: a.appointmenttypeid,
      appointmentType: a.appointmenttype,
      patientAppointmentTypeName: a.patientappointmenttypename,
    };
    const status = a.appointmentstatus?.toLowerCase();
    if (status === 'o' || (status === undefined && !a.patientid)) {
      return compact({ kind: 'open', ...base, reasonIds: a.reasonid.filter((r): r is string => r !== undefined), frozen: a.frozenyn ?? a.frozen });
    }
    return compact({
      kind: 'booked',
      ...base,
      patientId: a.patientid as string,
      // A record with a patient and no status is booked (athena omits the status on some booking answers).
      status: (status ?? 'f') as AthenaAppointmentStatus,
      scheduledAt: a.scheduleddatetime,
      lastModifiedAt: a.lastmodified,
      cancelledAt: a.cancelleddatetime,
      cancelReasonId: a.cancelreasonid,
      cancelReasonName: a.cancelreasonname,
      cancelReasonNoShow: a.cancelreasonnoshow,
      encounterId: a.encounterid,
      templateAppointmentId: a.templateappointmentid,
    });
  });

/** `GET /appointments/{id}` (a one-element array): an open slot or a booked appointment. */
export const parseAppointmentOrSlot = (json: unknown): AthenaAppointment | AthenaOpenSlot => parseSingle(appointmentOrSlotSchema, json, 'appointment');

/** A booking's answer (`PUT /appointments/{slotid}` → one-element array): must be a booked appointment. */
export function parseBookedAppointment(json: unknown): AthenaAppointment {
  const record = parseAppointmentOrSlot(json);
  if (record.kind !== 'booked') throw malformedResponse('appointment', ['appointmentstatus']);
  return record;
}

/** `GET /appointments/booked`, `/appointments/booked/multipledepartment`, `/appointments/changed`: slots may appear in the change feed. */
export const parseAppointmentPage = (json: unknown): AthenaPage<AthenaAppointment | AthenaOpenSlot> =>
  parsePage(appointmentOrSlotSchema, json, 'appointments', 'appointment');

/** `GET /appointments/open`: every item must be an open slot. */
export function parseOpenSlotPage(json: unknown): AthenaPage<AthenaOpenSlot> {
  const page = parseAppointmentPage(json);
  const booked = page.items.findIndex((item) => item.kind !== 'open');
  if (booked !== -1) throw malformedResponse('appointment', [`appointments[${booked}].appointmentstatus`]);
  return { ...page, items: page.items as AthenaOpenSlot[] };
}
