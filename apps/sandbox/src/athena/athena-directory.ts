import type { SynthDataset, SynthLocation, SynthPractitioner } from '../dataset/dataset.types';
import type { SyntheticAddress } from '../dataset/synthetic-names';
import { offsetMs } from './athena-time';

// The practice's fixed furniture: departments (one per dataset location, each
// in its own time zone), providers (one per dataset practitioner), appointment
// types and the patient-facing reasons that point at them.

/** Practices the simulator knows: the first is granted to new clients by default. */
export const ATHENA_PRACTICES = ['195900', '195901'] as const;
export const DEFAULT_ATHENA_PRACTICE = ATHENA_PRACTICES[0];

export interface DepartmentSpec {
  departmentid: string;
  locationKey: string;
  timezonename: string;
  zone: string;
  standardOffsetHours: number;
}

/** Dataset location → athena department. Appointment dates and times are local to these zones. */
export const DEPARTMENTS: readonly DepartmentSpec[] = [
  { departmentid: '1', locationKey: 'loc1', timezonename: 'US/Eastern', zone: 'America/New_York', standardOffsetHours: -5 },
  { departmentid: '150', locationKey: 'loc2', timezonename: 'US/Central', zone: 'America/Chicago', standardOffsetHours: -6 },
  { departmentid: '162', locationKey: 'loc3', timezonename: 'US/Pacific', zone: 'America/Los_Angeles', standardOffsetHours: -8 },
];

export const departmentOfLocation = (locationKey: string): DepartmentSpec => DEPARTMENTS.find((d) => d.locationKey === locationKey) ?? (DEPARTMENTS[0] as DepartmentSpec);
export const departmentById = (departmentid: string): DepartmentSpec | undefined => DEPARTMENTS.find((d) => d.departmentid === departmentid);

/** Dataset practitioner pr{n} → providerid 20 + n. */
export const providerIdOf = (practitionerKey: string): number => 20 + Number(practitionerKey.replace(/^pr/, ''));

export interface AppointmentTypeSpec {
  appointmenttypeid: string;
  name: string;
  shortname: string;
  duration: number;
  /** The dataset appointment description it renders. */
  description: string;
  reasonid: string;
}

export const APPOINTMENT_TYPES: readonly AppointmentTypeSpec[] = [
  { appointmenttypeid: '2', name: 'Office Visit', shortname: 'OV', duration: 30, description: 'Office visit', reasonid: '1201' },
  { appointmenttypeid: '4', name: 'Follow Up', shortname: 'FU', duration: 20, description: 'Follow-up visit', reasonid: '1202' },
  { appointmenttypeid: '82', name: 'Telehealth Visit', shortname: 'TELE', duration: 15, description: 'Video visit', reasonid: '1203' },
];
export const appointmentTypeById = (id: string): AppointmentTypeSpec | undefined => APPOINTMENT_TYPES.find((t) => t.appointmenttypeid === id);
export const appointmentTypeOfDescription = (description: string): AppointmentTypeSpec =>
  APPOINTMENT_TYPES.find((t) => t.description === description) ?? (APPOINTMENT_TYPES[0] as AppointmentTypeSpec);

const SPECIALTY_IDS: Record<string, number> = { 'Family Medicine': 8, 'Internal Medicine': 11, Cardiology: 6, Endocrinology: 26, Psychiatry: 70, Pulmonology: 84 };

function addressFields(address: SyntheticAddress | undefined, fallback: SyntheticAddress): Record<string, string> {
  const a = address ?? fallback;
  return { address: a.line[0] ?? '', address2: a.line[1] ?? '', city: a.city.toUpperCase(), state: a.state, zip: a.postalCode };
}

/** GET /departments item (ids as strings, zone numbers as numbers, as athena sends them). */
export function renderDepartment(spec: DepartmentSpec, dataset: SynthDataset, nowMs: number): Record<string, unknown> {
  const location = dataset.locations.find((l) => l.key === spec.locationKey) as SynthLocation;
  return {
    departmentid: spec.departmentid,
    name: location.name.replace(/\s+/g, '_').toUpperCase(),
    patientdepartmentname: location.name,
    ...addressFields(location.address, dataset.organization.address),
    phone: dataset.organization.phone.replace(/^(\d{3})-(\d{3})-(\d{4})$/, '($1) $2-$3'),
    timezone: Math.round(offsetMs(nowMs, spec.zone) / 3_600_000),
    timezoneoffset: spec.standardOffsetHours,
    timezonename: spec.timezonename,
    doesnotobservedst: false,
    providergroupid: '1',
    providergroupname: dataset.organization.name,
    chartsharinggroupid: '1',
    placeofservicetypeid: location.kind === 'virtual' ? '02' : '11',
    placeofservicetypename: location.kind === 'virtual' ? 'TELEHEALTH' : 'OFFICE',
    clinicals: 'ON',
    ishospitaldepartment: false,
    servicedepartment: true,
  };
}

/** GET /providers item: providerid and npi are numbers here. */
export function renderProvider(p: SynthPractitioner): Record<string, unknown> {
  const first = p.given[0] ?? '';
  return {
    providerid: providerIdOf(p.key),
    firstname: first,
    lastname: p.family,
    displayname: `${first} ${p.family}, MD`,
    schedulingname: `${p.family}_${first}`,
    npi: Number(p.npi),
    specialty: p.specialty,
    specialtyid: SPECIALTY_IDS[p.specialty] ?? 8,
    providertypeid: 'MD',
    providertype: 'MD',
    sex: p.gender === 'female' ? 'F' : 'M',
    entitytype: 'Person',
    billable: true,
    homedepartment: 'SANDBOX_FAMILY_CLINIC',
    createencounteroncheckin: true,
  };
}

/** GET /appointmenttypes item (strings throughout, as athena's). */
export const renderAppointmentType = (t: AppointmentTypeSpec): Record<string, string> => ({
  appointmenttypeid: t.appointmenttypeid,
  name: t.name,
  shortname: t.shortname,
  duration: String(t.duration),
  patientdisplayname: t.name,
  generic: 'false',
  patient: 'true',
  templatetypeonly: 'false',
});

/** GET /patientappointmentreasons item. */
export const renderReason = (t: AppointmentTypeSpec): Record<string, unknown> => ({
  reasonid: Number(t.reasonid),
  reason: t.name,
  description: t.name,
  reasontype: 'all',
  schedulingminhours: 0,
  schedulingmaxdays: 90,
});
