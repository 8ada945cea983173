import { z } from 'zod';
import { compact, list, optDate, optDateOrDateTime, optId, optIsoDateTime, optText, reqId } from './wire-primitives';
import { parsePage, parseSingle, type AthenaPage } from './wire-records';

export interface AthenaIcdCode {
  /** `ICD10`, `ICD9`. */
  codeset?: string;
  code: string;
  description?: string;
}

export interface AthenaDiagnosis {
  diagnosisId?: string;
  snomedCode?: string;
  description?: string;
  icdCodes: AthenaIcdCode[];
}

/**
 * An encounter (`GET /chart/{patientid}/encounters`, `/chart/encounter/{id}` → one-element array),
 * /work/shared/notes/athena.md §5 and the [NET] GetPatientEncounters fixture.
 */
export interface AthenaEncounter {
  encounterId: string;
  /** Not in the chart list (the patient is in the URL); present on some single reads. */
  patientId?: string;
  departmentId?: string;
  appointmentId?: string;
  providerId?: string;
  /** `YYYY-MM-DD` (department-local date). */
  encounterDate?: string;
  /** `appointmentstartdate`, ISO with offset. */
  appointmentStart?: string;
  /** VISIT, ORDERSONLY, FLOWSHEET… */
  encounterType?: string;
  encounterVisitName?: string;
  /** OPEN, CLOSED, REVIEW, PEND, TEMP, DELETED (upper-cased). */
  status?: string;
  stage?: string;
  diagnoses: AthenaDiagnosis[];
  /** A date, or a dateTime with offset (`MM/DD/YYYY HH:mm:ss` read as US Eastern). */
  lastUpdated?: string;
}

const diagnosisSchema = z
  .object({
    diagnosisid: optText,
    snomedcode: optText,
    description: optText,
    icdcodes: list(z.object({ codeset: optText, code: optText, description: optText })),
  })
  .transform(
    (d): AthenaDiagnosis =>
      compact({
        diagnosisId: d.diagnosisid,
        snomedCode: d.snomedcode,
        description: d.description,
        icdCodes: d.icdcodes.filter((c) => c.code !== undefined).map((c) => compact({ codeset: c.codeset?.toUpperCase(), code: c.code as string, description: c.description })),
      }),
  );

export const encounterSchema = z
  .object({
    encounterid: reqId,
    patientid: optId,
    departmentid: optId,
    appointmentid: optId,
    providerid: optId,
    encounterdate: optDate,
    appointmentstartdate: optIsoDateTime,
    encountertype: optText,
    encountervisitname: optText,
    status: optText,
    stage: optText,
    diagnoses: list(diagnosisSchema),
    lastupdated: optDateOrDateTime,
  })
  .transform(
    (e): AthenaEncounter =>
      compact({
        encounterId: e.encounterid,
        patientId: e.patientid,
        departmentId: e.departmentid,
        appointmentId: e.appointmentid,
        providerId: e.providerid,
        encounterDate: e.encounterdate,
        appointmentStart: e.appointmentstartdate,
        encounterType: e.encountertype?.toUpperCase(),
        encounterVisitName: e.encountervisitname,
        status: e.status?.toUpperCase(),
        stage: e.stage,
        diagnoses: e.diagnoses,
        lastUpdated: e.lastupdated,
      }),
  );

/** `GET /chart/encounter/{id}` (a one-element array). */
export const parseEncounter = (json: unknown): AthenaEncounter => parseSingle(encounterSchema, json, 'encounter');
/** `GET /chart/{patientid}/encounters` → `{encounters: […]}`. */
export const parseEncounterPage = (json: unknown): AthenaPage<AthenaEncounter> => parsePage(encounterSchema, json, 'encounters', 'encounter');
