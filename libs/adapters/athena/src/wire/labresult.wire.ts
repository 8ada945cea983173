import { z } from 'zod';
import { compact, list, optEasternDateTime, optFlag, optDateOrDateTime, optId, optText, reqId } from './wire-primitives';
import { parsePage, parseSingle, type AthenaPage } from './wire-records';

/**
 * One analyte (a result value) of a lab result, /work/shared/notes/athena.md §5 ([EH] ListLabResults.json,
 * [REC] patient_lab_results.yml, patient_analytes.yml) plus the fields Metriport writes (`units`,
 * `referencerange`, `abnormalflag`, `resultstatus`).
 */
export interface AthenaAnalyte {
  analyteId: string;
  name?: string;
  value?: string;
  units?: string;
  loinc?: string;
  referenceRange?: string;
  abnormalFlag?: string;
  resultStatus?: string;
  note?: string;
  description?: string;
  /** `analytedatetime` or `analytedate`: a date, or a dateTime with offset (`MM/DD/YYYY HH:mm:ss` read as US Eastern). */
  observedAt?: string;
}

/** A lab result (`GET /chart/{patientid}/labresults` → `{results: […]}`) with its analytes. */
export interface AthenaLabResult {
  labResultId: string;
  departmentId?: string;
  /** `labresultdatetime` or `labresultdate` (see {@link AthenaAnalyte.observedAt}). */
  observedAt?: string;
  /** `labresultloinc`. */
  loinc?: string;
  description?: string;
  resultStatus?: string;
  priority?: string;
  performingLabName?: string;
  providerId?: string;
  isReviewedByProvider?: boolean;
  /** `createddatetime` (US Eastern server stamp): when the result was filed. */
  createdAt?: string;
  note?: string;
  analytes: AthenaAnalyte[];
}

export const analyteSchema = z
  .object({
    analyteid: reqId,
    analytename: optText,
    value: optText,
    units: optText,
    loinc: optText,
    referencerange: optText,
    abnormalflag: optText,
    resultstatus: optText,
    note: optText,
    description: optText,
    analytedatetime: optDateOrDateTime,
    analytedate: optDateOrDateTime,
  })
  .transform(
    (a): AthenaAnalyte =>
      compact({
        analyteId: a.analyteid,
        name: a.analytename,
        value: a.value,
        units: a.units,
        loinc: a.loinc,
        referenceRange: a.referencerange,
        abnormalFlag: a.abnormalflag,
        resultStatus: a.resultstatus,
        note: a.note,
        description: a.description,
        observedAt: a.analytedatetime ?? a.analytedate,
      }),
  );

export const labResultSchema = z
  .object({
    labresultid: reqId,
    departmentid: optId,
    labresultdatetime: optDateOrDateTime,
    labresultdate: optDateOrDateTime,
    labresultloinc: optText,
    description: optText,
    resultstatus: optText,
    priority: optText,
    performinglabname: optText,
    providerid: optId,
    isreviewedbyprovider: optFlag,
    createddatetime: optEasternDateTime,
    labresultnote: optText,
    analytes: list(analyteSchema),
  })
  .transform(
    (r): AthenaLabResult =>
      compact({
        labResultId: r.labresultid,
        departmentId: r.departmentid,
        observedAt: r.labresultdatetime ?? r.labresultdate,
        loinc: r.labresultloinc,
        description: r.description,
        resultStatus: r.resultstatus,
        priority: r.priority,
        performingLabName: r.performinglabname,
        providerId: r.providerid,
        isReviewedByProvider: r.isreviewedbyprovider,
        createdAt: r.createddatetime,
        note: r.labresultnote,
        analytes: r.analytes,
      }),
  );

/** `GET /chart/{patientid}/labresults` → `{results: […], totalcount}`. */
export const parseLabResultPage = (json: unknown): AthenaPage<AthenaLabResult> => parsePage(labResultSchema, json, 'results', 'labresult');
/** One lab result (a one-element array or an object). */
export const parseLabResult = (json: unknown): AthenaLabResult => parseSingle(labResultSchema, json, 'labresult');
/** `GET /chart/{patientid}/analytes` → `{analytes: […], totalcount}`. */
export const parseAnalytePage = (json: unknown): AthenaPage<AthenaAnalyte> => parsePage(analyteSchema, json, 'analytes', 'analyte');
