import { z } from 'zod';
import { compact, list, optDate, optDateOrDateTime, optId, optNumber, optText, reqId } from './wire-primitives';
import { parsePage, parseSingle, type AthenaPage } from './wire-records';

/**
 * A patient (`GET /patients/{id}` → one-element array, `GET /patients`, `enhancedbestmatch`),
 * /work/shared/notes/athena.md §5. Only demographics the FHIR Patient carries are kept; insurance,
 * balances, SSN (masked by athena anyway) and custom fields are dropped at the edge.
 */
export interface AthenaPatient {
  patientId: string;
  firstName?: string;
  middleName?: string;
  lastName?: string;
  suffix?: string;
  preferredName?: string;
  /** `YYYY-MM-DD`. */
  dob?: string;
  /** `M` / `F` as sent. */
  sex?: string;
  assignedSexAtBirth?: string;
  address1?: string;
  address2?: string;
  city?: string;
  state?: string;
  zip?: string;
  /** ISO 3166 alpha-2 (`countrycode3166`). */
  country?: string;
  homePhone?: string;
  mobilePhone?: string;
  workPhone?: string;
  email?: string;
  /** CDC race codes (`race` list and `racecode`), deduplicated. */
  raceCodes: string[];
  raceName?: string;
  /** CDC ethnicity codes (`ethnicitycode` and `ethnicitycodes`). */
  ethnicityCodes: string[];
  ethnicityName?: string;
  /** ISO 639-2 (`language6392code`). */
  language?: string;
  /** athena's marital status code (`S`, `M`, `D`, `W`…). */
  maritalStatus?: string;
  departmentId?: string;
  primaryDepartmentId?: string;
  primaryProviderId?: string;
  /** active / inactive / prospective / deleted. */
  status?: string;
  /** `YYYY-MM-DD`. */
  deceasedDate?: string;
  /** `lastupdated`: a date, or a dateTime with offset (`MM/DD/YYYY HH:mm:ss` read as US Eastern). */
  lastUpdated?: string;
  /** enhancedbestmatch only. */
  score?: number;
}

export const patientSchema = z
  .object({
    patientid: reqId,
    firstname: optText,
    middlename: optText,
    lastname: optText,
    suffix: optText,
    preferredname: optText,
    dob: optDate,
    sex: optText,
    assignedsexatbirth: optText,
    address1: optText,
    address2: optText,
    city: optText,
    state: optText,
    zip: optText,
    countrycode3166: optText,
    homephone: optText,
    mobilephone: optText,
    workphone: optText,
    email: optText,
    race: list(optText),
    racecode: optText,
    racename: optText,
    ethnicitycode: optText,
    ethnicitycodes: list(optText),
    ethnicityname: optText,
    language6392code: optText,
    maritalstatus: optText,
    departmentid: optId,
    primarydepartmentid: optId,
    primaryproviderid: optId,
    status: optText,
    deceaseddate: optDate,
    lastupdated: optDateOrDateTime,
    score: optNumber,
  })
  .transform(
    (p): AthenaPatient =>
      compact({
        patientId: p.patientid,
        firstName: p.firstname,
        middleName: p.middlename,
        lastName: p.lastname,
        suffix: p.suffix,
        preferredName: p.preferredname,
        dob: p.dob,
        sex: p.sex,
        assignedSexAtBirth: p.assignedsexatbirth,
        address1: p.address1,
        address2: p.address2,
        city: p.city,
        state: p.state,
        zip: p.zip,
        country: p.countrycode3166,
        homePhone: p.homephone,
        mobilePhone: p.mobilephone,
        workPhone: p.workphone,
        email: p.email,
        raceCodes: uniqueDefined([...p.race, p.racecode]),
        raceName: p.racename,
        ethnicityCodes: uniqueDefined([p.ethnicitycode, ...p.ethnicitycodes]),
        ethnicityName: p.ethnicityname,
        language: p.language6392code,
        maritalStatus: p.maritalstatus,
        departmentId: p.departmentid,
        primaryDepartmentId: p.primarydepartmentid,
        primaryProviderId: p.primaryproviderid,
        status: p.status?.toLowerCase(),
        deceasedDate: p.deceaseddate,
        lastUpdated: p.lastupdated,
        score: p.score,
      }),
  );

function uniqueDefined(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined))];
}

/** `GET /patients/{id}` (a one-element array) or one patient object. */
export const parsePatient = (json: unknown): AthenaPatient => parseSingle(patientSchema, json, 'patient');
/** `GET /patients` (`{patients: […], totalcount, next}`) or `enhancedbestmatch` (a bare array). */
export const parsePatientPage = (json: unknown): AthenaPage<AthenaPatient> => parsePage(patientSchema, json, 'patients', 'patient');
