import { parseAthenaTimestamp } from './eastern-time';

/**
 * The parts of athena change-feed records that events are derived from. Feed items
 * are the record's state (no event name), typed loosely: ids and numbers arrive as
 * strings or numbers depending on the endpoint and era, so every field read here is
 * coerced to a trimmed string ('' when absent).
 * Shapes: ListChangedAppointments / ListChangedPatients (docs.athenahealth.com, "Changed data subscriptions").
 */
export interface AppointmentChange {
  appointmentId: string;
  /** '' for an open slot. */
  patientId: string;
  /** athena status code: o open, f booked (future), 2 checked in, 3 checked out, 4 charge entered, x cancelled. */
  status: string;
  date: string;
  startTime: string;
  duration: string;
  providerId: string;
  departmentId: string;
  /** `lastmodified` (Eastern), when the item carried one. */
  modifiedAt: Date | null;
  /** `scheduleddatetime` (Eastern): when it was booked. */
  scheduledAt: Date | null;
  /** `cancelleddatetime` (Eastern): when it was cancelled. */
  cancelledAt: Date | null;
  /** `rescheduledappointmentid`: the booking this one replaces (athena reschedules into a new appointment id); '' if none. */
  rescheduledFrom: string;
}

export interface PatientChange {
  patientId: string;
  /** The fields whose change is a patient.updated, canonicalized (never stored as such: only their keyed hash). */
  relevant: Record<string, string>;
  modifiedAt: Date | null;
}

/**
 * Patient fields that a FHIR Patient carries (identity, demographics, contact, status,
 * care team); balances, insurances, custom fields and portal flags change without
 * being a patient.updated.
 */
export const PATIENT_FIELDS_THAT_MATTER = [
  'firstname',
  'middlename',
  'lastname',
  'suffix',
  'preferredname',
  'dob',
  'sex',
  'assignedsexatbirth',
  'genderidentity',
  'address1',
  'address2',
  'city',
  'state',
  'zip',
  'countrycode3166',
  'homephone',
  'mobilephone',
  'workphone',
  'email',
  'racecode',
  'race',
  'ethnicitycode',
  'language6392code',
  'maritalstatus',
  'status',
  'deceaseddate',
  'primarydepartmentid',
  'primaryproviderid',
] as const;

const ID = /^[A-Za-z0-9]{1,20}$/;

/** A scalar as athena may send it (string, number, boolean) → trimmed string; anything else → ''. */
function text(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return '';
}

/** A field whose value may be a list (race): canonical text of its sorted scalar members. */
function textOrList(value: unknown): string {
  if (!Array.isArray(value)) return text(value);
  return value
    .flat()
    .map(text)
    .filter((v) => v !== '')
    .sort()
    .join('|');
}

const recordOf = (item: unknown): Record<string, unknown> | null => {
  // Single records sometimes arrive wrapped in a one-element array.
  const unwrapped = Array.isArray(item) && item.length === 1 ? (item[0] as unknown) : item;
  return unwrapped && typeof unwrapped === 'object' && !Array.isArray(unwrapped) ? (unwrapped as Record<string, unknown>) : null;
};

/** An appointments-feed item, or null when it has no usable appointment id (then it is skipped). */
export function appointmentChangeOf(item: unknown): AppointmentChange | null {
  const r = recordOf(item);
  if (!r) return null;
  const appointmentId = text(r.appointmentid);
  if (!ID.test(appointmentId)) return null;
  const patientId = text(r.patientid);
  return {
    appointmentId,
    patientId: ID.test(patientId) ? patientId : '',
    status: text(r.appointmentstatus).toLowerCase(),
    date: text(r.date),
    startTime: text(r.starttime),
    duration: text(r.duration),
    providerId: text(r.providerid),
    departmentId: text(r.departmentid),
    modifiedAt: parseAthenaTimestamp(r.lastmodified) ?? parseAthenaTimestamp(r.lastmodifieddatetime),
    scheduledAt: parseAthenaTimestamp(r.scheduleddatetime),
    cancelledAt: parseAthenaTimestamp(r.cancelleddatetime),
    rescheduledFrom: ID.test(text(r.rescheduledappointmentid)) ? text(r.rescheduledappointmentid) : '',
  };
}

/** A patients-feed item, or null when it has no usable patient id. */
export function patientChangeOf(item: unknown): PatientChange | null {
  const r = recordOf(item);
  if (!r) return null;
  const patientId = text(r.patientid);
  if (!ID.test(patientId)) return null;
  const relevant: Record<string, string> = {};
  for (const field of PATIENT_FIELDS_THAT_MATTER) relevant[field] = textOrList(r[field]);
  // `lastupdated` is often a bare date: only a full timestamp orders snapshots.
  return { patientId, relevant, modifiedAt: parseAthenaTimestamp(r.lastmodifieddatetime) ?? parseAthenaTimestamp(r.lastupdated) };
}
