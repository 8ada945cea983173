import { z } from 'zod';
import { compact, list, optEasternDateTime, optDateOrDateTime, optId, optNumber, optText, reqId } from './wire-primitives';
import { parseOrFail } from './wire-errors';
import type { AthenaPage } from './wire-records';

/**
 * One vital reading (`GET /chart/{patientid}/vitals` → `{vitals: [{key, readings: [[…]]}]}`),
 * /work/shared/notes/athena.md §5 and [NET] GetPatientVitals.json. Values stay text here: sandbox
 * data is dirty (`36.7` °F), the FHIR mapper decides what is a usable number.
 */
export interface AthenaVitalReading {
  /** The vital's group key (`BLOODPRESSURE`, `WEIGHT`…). */
  key?: string;
  vitalId: string;
  /** Components of one reading share it (systolic + diastolic). */
  readingId?: string;
  /** `VITALS.BLOODPRESSURE.SYSTOLIC`, `VITALS.WEIGHT`… */
  clinicalElementId?: string;
  value?: string;
  /** `g` for weight, `cm`, `F`… */
  unit?: string;
  codeset?: string;
  code?: string;
  codeDescription?: string;
  /** `readingtaken`: a date (`YYYY-MM-DD`), or a dateTime with offset (`MM/DD/YYYY HH:mm:ss` read as US Eastern). */
  readingTaken?: string;
  source?: string;
  sourceId?: string;
  /** `createddate` (US Eastern server stamp). */
  createdAt?: string;
}

const readingSchema = z.object({
  vitalid: reqId,
  readingid: optText,
  clinicalelementid: optText,
  value: optText,
  unit: optText,
  codeset: optText,
  code: optText,
  codedescription: optText,
  readingtaken: optDateOrDateTime,
  source: optText,
  sourceid: optId,
  createddate: optEasternDateTime,
});

const vitalGroupSchema = z.object({ key: optText, readings: list(readingSchema) });

export const vitalsSchema = z.object({ vitals: list(vitalGroupSchema), totalcount: optNumber, next: optText }).transform(
  (v): AthenaPage<AthenaVitalReading> =>
    compact({
      items: v.vitals.flatMap((group) =>
        group.readings.map(
          (r): AthenaVitalReading =>
            compact({
              key: group.key?.toUpperCase(),
              vitalId: r.vitalid,
              readingId: r.readingid,
              clinicalElementId: r.clinicalelementid?.toUpperCase(),
              value: r.value,
              unit: r.unit,
              codeset: r.codeset?.toUpperCase(),
              code: r.code,
              codeDescription: r.codedescription,
              readingTaken: r.readingtaken,
              source: r.source,
              sourceId: r.sourceid,
              createdAt: r.createddate,
            }),
        ),
      ),
      totalCount: v.totalcount,
      next: v.next ?? null,
    }),
);

/** `GET /chart/{patientid}/vitals`: every reading of every vital, the `readings` arrays of arrays flattened. */
export const parseVitals = (json: unknown): AthenaPage<AthenaVitalReading> => parseOrFail(vitalsSchema, json, 'vital');
