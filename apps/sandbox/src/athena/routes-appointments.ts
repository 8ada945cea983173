import type { Reply } from '../fhir/reply';
import { renderAppointment, renderSlot, zoneOf, type AppointmentRecord } from './athena-appointment';
import type { AthenaCall, AthenaRoutes } from './athena-call';
import { APPOINTMENT_TYPES, departmentById } from './athena-directory';
import { BOOKED_LIMITS } from './athena-paging';
import { athenaJson, ATHENA_ERRORS } from './athena-reply';
import { book, cancelAppointment, reschedule, updateBooked } from './athena-scheduling';
import { dayNumber, EASTERN, instantOf, parseUsDate, parseUsDateTime, wallTime } from './athena-time';
import { listReply } from './routes-directory';

const DEFAULT_OPEN_DAYS = 30;

interface DayRange {
  from: number;
  to: number;
}

/** startdate/enddate (MM/DD/YYYY) as day numbers; absent ones default (today … +30 days). */
function dayRange(call: AthenaCall, zone: string): DayRange | Reply {
  const start = call.params.get('startdate');
  const end = call.params.get('enddate');
  const bad = [start !== undefined && !parseUsDate(start) ? 'startdate' : undefined, end !== undefined && !parseUsDate(end) ? 'enddate' : undefined].filter((x): x is string => !!x);
  if (bad.length > 0) return ATHENA_ERRORS.invalidFields('Dates must be in mm/dd/yyyy format.', bad);
  const from = start ? dayNumber(parseUsDate(start) as NonNullable<ReturnType<typeof parseUsDate>>) : dayNumber(wallTime(call.nowMs, zone));
  const to = end ? dayNumber(parseUsDate(end) as NonNullable<ReturnType<typeof parseUsDate>>) : from + DEFAULT_OPEN_DAYS;
  return { from, to };
}

const isRange = (x: DayRange | Reply): x is DayRange => 'from' in x;

/** The appointment's date in its department's zone, as a day number. */
const localDay = (a: AppointmentRecord): number => dayNumber(wallTime(a.startMs, zoneOf(a)));

function departmentsOf(call: AthenaCall): string[] | Reply {
  const ids = call.params.all('departmentid');
  if (ids.length === 0) return ATHENA_ERRORS.missingFields(['departmentid']);
  const unknown = ids.filter((id) => !departmentById(id));
  return unknown.length > 0 ? ATHENA_ERRORS.invalidFields('The department ID is invalid.', ['departmentid']) : ids;
}

function openSlots(call: AthenaCall): Reply {
  const departments = departmentsOf(call);
  if (!Array.isArray(departments)) return departments;
  const range = dayRange(call, departmentById(departments[0] as string)?.zone ?? EASTERN);
  if (!isRange(range)) return range;
  const providers = call.params.all('providerid');
  const typeId = call.params.get('appointmenttypeid');
  const reasonId = call.params.get('reasonid');
  const reasonType = reasonId && reasonId !== '-1' ? (APPOINTMENT_TYPES.find((t) => t.reasonid === reasonId)?.appointmenttypeid ?? 'none') : undefined;
  const slots = call.practice.appointmentList(new Set(['o'])).filter((a) => {
    const day = localDay(a);
    return (
      departments.includes(a.departmentid) &&
      day >= range.from &&
      day <= range.to &&
      (providers.length === 0 || providers.includes(String(a.providerid))) &&
      (typeId === undefined || a.appointmenttypeid === typeId) &&
      (reasonType === undefined || a.appointmenttypeid === reasonType)
    );
  });
  return listReply(call, '/appointments/open', 'appointments', slots.map(renderSlot));
}

function booked(call: AthenaCall, path: string): Reply {
  const missing = call.params.missing(['departmentid', 'startdate', 'enddate']);
  if (missing.length > 0) return ATHENA_ERRORS.missingFields(missing);
  const departments = departmentsOf(call);
  if (!Array.isArray(departments)) return departments;
  const range = dayRange(call, EASTERN);
  if (!isRange(range)) return range;
  const p = call.params;
  const modifiedFrom = p.get('startlastmodified');
  const modifiedTo = p.get('endlastmodified');
  const fromWall = modifiedFrom !== undefined ? parseUsDateTime(modifiedFrom) : undefined;
  const toWall = modifiedTo !== undefined ? parseUsDateTime(modifiedTo) : undefined;
  if ((modifiedFrom !== undefined && !fromWall) || (modifiedTo !== undefined && !toWall)) return ATHENA_ERRORS.invalidFields('Datetimes must be in mm/dd/yyyy hh24:mi:ss format.', ['startlastmodified', 'endlastmodified']);
  const fromMs = fromWall ? instantOf(fromWall, EASTERN) : -Infinity;
  const toMs = toWall ? instantOf(toWall, EASTERN) : Infinity;
  const providers = p.all('providerid');
  const showCancelled = p.flag('showcancelled');
  const statuses = new Set(p.all('appointmentstatus'));
  const rows = call.practice.appointmentList(new Set(['f', '2', '3', '4', 'x'])).filter((a) => {
    const day = localDay(a);
    return (
      departments.includes(a.departmentid) &&
      day >= range.from &&
      day <= range.to &&
      (showCancelled || a.status !== 'x' || statuses.has('x')) &&
      (statuses.size === 0 || statuses.has(a.status)) &&
      (providers.length === 0 || providers.includes(String(a.providerid))) &&
      (!p.has('patientid') || a.patientid === p.get('patientid')) &&
      (!p.has('appointmenttypeid') || a.appointmenttypeid === p.get('appointmenttypeid')) &&
      a.lastmodifiedMs >= fromMs &&
      a.lastmodifiedMs <= toMs
    );
  });
  return listReply(call, path, 'appointments', rows.map(renderAppointment), { limits: BOOKED_LIMITS });
}

/** Open slots, booked appointments, one appointment, and the writes (book, cancel, reschedule, edit). */
export function appointmentRoutes(r: AthenaRoutes): void {
  r.get('/appointments/open', openSlots);
  r.get('/appointments/booked', (call) => booked(call, '/appointments/booked'));
  r.get('/appointments/booked/multipledepartment', (call) => booked(call, '/appointments/booked/multipledepartment'));
  r.put('/appointments/booked/:appointmentid', updateBooked);
  r.get('/appointments/:appointmentid', (call) => {
    const id = call.path.appointmentid ?? '';
    const record = /^\d+$/.test(id) ? call.practice.appointments.get(id) : undefined;
    return record ? athenaJson(200, [renderAppointment(record)]) : ATHENA_ERRORS.notFound('The appointment ID is invalid.');
  });
  r.put('/appointments/:appointmentid/cancel', cancelAppointment);
  r.put('/appointments/:appointmentid/reschedule', reschedule);
  r.put('/appointments/:appointmentid', book);
}
