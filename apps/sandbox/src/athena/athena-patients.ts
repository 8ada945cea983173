import type { SynthPatient } from '../dataset/dataset.types';
import { departmentOfLocation, providerIdOf } from './athena-directory';
import { EASTERN, usDateTime, usFromIsoDate } from './athena-time';

/** Dataset patient n (1-based, "p001") → patientid 7000 + n. */
export const patientIdOf = (p: Pick<SynthPatient, 'index'>): string => String(7001 + p.index);

const LANGUAGE_6392: Record<string, string> = { 'en-US': 'eng', es: 'spa', vi: 'vie', zh: 'chi' };
const MARITAL_NAMES: Record<string, string> = { M: 'MARRIED', S: 'SINGLE', D: 'DIVORCED', W: 'WIDOWED' };
const digits = (phone: string): string => phone.replace(/\D/g, '');

/** Demographic fields PUT /patients/{id} may change, with athena's length limits. */
export const UPDATABLE_FIELDS: Readonly<Record<string, number>> = {
  firstname: 20,
  middlename: 20,
  lastname: 30,
  suffix: 20,
  preferredname: 20,
  dob: 10,
  sex: 1,
  address1: 100,
  address2: 100,
  city: 30,
  state: 2,
  zip: 10,
  homephone: 20,
  mobilephone: 20,
  workphone: 20,
  email: 50,
  language6392code: 3,
  maritalstatus: 1,
  primaryproviderid: 10,
  primarydepartmentid: 10,
};

export interface PatientRecord {
  patientid: string;
  key: string;
  /** athena's field names → values, all strings; PUT /patients/{id} edits them. */
  fields: Record<string, string>;
  lastupdatedMs: number;
}

/** The patient's registration department: the first visit's (never the virtual one). */
function primaryDepartment(p: SynthPatient): string {
  const location = p.encounters[0]?.locationKey ?? 'loc1';
  return departmentOfLocation(location === 'loc3' ? 'loc1' : location).departmentid;
}

export function patientRecordOf(p: SynthPatient, seededMs: number): PatientRecord {
  return {
    patientid: patientIdOf(p),
    key: p.key,
    lastupdatedMs: seededMs,
    fields: {
      firstname: p.given[0] ?? '',
      middlename: p.given[1] ?? '',
      lastname: p.family,
      suffix: '',
      preferredname: '',
      dob: usFromIsoDate(p.birthDate),
      sex: p.gender === 'female' ? 'F' : 'M',
      assignedsexatbirth: p.gender === 'female' ? 'F' : 'M',
      address1: p.address.line[0] ?? '',
      address2: p.address.line[1] ?? '',
      city: p.address.city.toUpperCase(),
      state: p.address.state,
      zip: p.address.postalCode,
      homephone: digits(p.phone),
      mobilephone: p.index % 3 === 0 ? digits(p.phone) : '',
      workphone: '',
      email: p.email,
      racecode: p.race.code,
      ethnicitycode: p.ethnicity.code,
      language6392code: LANGUAGE_6392[p.language.code] ?? 'eng',
      maritalstatus: p.maritalStatus[0],
      primaryproviderid: String(providerIdOf(p.pcpKey)),
      primarydepartmentid: primaryDepartment(p),
    },
  };
}

/** GET /patients/{id} item and change-feed item: ids as strings, a few true booleans, `lastupdated` in Eastern. */
export function renderPatient(record: PatientRecord): Record<string, unknown> {
  const f = record.fields;
  return {
    patientid: record.patientid,
    ...f,
    maritalstatusname: MARITAL_NAMES[f.maritalstatus ?? ''] ?? '',
    race: f.racecode ? [f.racecode] : [],
    countrycode: 'USA',
    countrycode3166: 'US',
    departmentid: f.primarydepartmentid,
    status: 'active',
    lastupdated: usDateTime(record.lastupdatedMs, EASTERN),
    portalaccessgiven: true,
    consenttotext: f.mobilephone !== '',
    balances: [{ balance: '0.00', departmentlist: f.primarydepartmentid, providergroupid: 1, cleanbalance: true }],
    customfields: [],
  };
}

export interface BestMatchInput {
  firstname: string;
  lastname: string;
  dob: string;
  phones: string[];
  email?: string;
  zip?: string;
}

const same = (a: string | undefined, b: string | undefined): boolean => (a ?? '').trim().toLowerCase() === (b ?? '').trim().toLowerCase() && (a ?? '').trim() !== '';

/**
 * enhancedbestmatch's score (athena's scale: 16 is a plausible match, 26 a
 * certain one): names, date of birth, then contact details add points.
 */
export function bestMatchScore(record: PatientRecord, input: BestMatchInput): number {
  const f = record.fields;
  let score = 0;
  if (same(f.lastname, input.lastname)) score += 8;
  else if ((f.lastname ?? '').toLowerCase().startsWith(input.lastname.toLowerCase().slice(0, 3))) score += 2;
  if (same(f.firstname, input.firstname)) score += 7;
  else if ((f.firstname ?? '').charAt(0).toLowerCase() === input.firstname.charAt(0).toLowerCase()) score += 2;
  if (f.dob === input.dob) score += 9;
  else if (f.dob?.slice(6) === input.dob.slice(6)) score += 2;
  const phones = [f.homephone, f.mobilephone, f.workphone].filter((p): p is string => !!p);
  if (input.phones.some((p) => phones.includes(digits(p)))) score += 3;
  if (same(f.email, input.email)) score += 3;
  if (same(f.zip, input.zip)) score += 1;
  return score;
}
