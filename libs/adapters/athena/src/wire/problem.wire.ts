import { z } from 'zod';
import { compact, list, optDate, optIsoDateTime, optText, reqId } from './wire-primitives';
import { parsePage, type AthenaPage } from './wire-records';

/** One event of a problem's history (START, END…), dates `YYYY-MM-DD`. */
export interface AthenaProblemEvent {
  eventType?: string;
  startDate?: string;
  onsetDate?: string;
  createdDate?: string;
  /** athena's status of the problem at this event (CHRONIC, ACUTE…). */
  status?: string;
  note?: string;
}

/** A problem (`GET /chart/{patientid}/problems`), /work/shared/notes/athena.md §5 and [EH] ListProblems.json. */
export interface AthenaProblem {
  problemId: string;
  name?: string;
  /** `SNOMED` usually. */
  codeset?: string;
  code?: string;
  bestMatchIcd10Code?: string;
  /** `lastmodifieddatetime`, ISO with offset. */
  lastModifiedAt?: string;
  events: AthenaProblemEvent[];
}

const eventSchema = z
  .object({ eventtype: optText, startdate: optDate, onsetdate: optDate, createddate: optDate, status: optText, note: optText })
  .transform(
    (e): AthenaProblemEvent =>
      compact({ eventType: e.eventtype?.toUpperCase(), startDate: e.startdate, onsetDate: e.onsetdate, createdDate: e.createddate, status: e.status, note: e.note }),
  );

export const problemSchema = z
  .object({
    problemid: reqId,
    name: optText,
    codeset: optText,
    code: optText,
    bestmatchicd10code: optText,
    lastmodifieddatetime: optIsoDateTime,
    events: list(eventSchema),
  })
  .transform(
    (p): AthenaProblem =>
      compact({
        problemId: p.problemid,
        name: p.name,
        codeset: p.codeset?.toUpperCase(),
        code: p.code,
        bestMatchIcd10Code: p.bestmatchicd10code,
        lastModifiedAt: p.lastmodifieddatetime,
        events: p.events,
      }),
  );

/** `GET /chart/{patientid}/problems` → `{problems: […], totalcount, lastupdated}`. */
export const parseProblemPage = (json: unknown): AthenaPage<AthenaProblem> => parsePage(problemSchema, json, 'problems', 'problem');
