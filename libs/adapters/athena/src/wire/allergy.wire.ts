import { z } from 'zod';
import { parseOrFail } from './wire-errors';
import { compact, list, optDate, optDateOrDateTime, optFlag, optText, reqId } from './wire-primitives';

export interface AthenaAllergyReaction {
  reactionName?: string;
  snomedCode?: string;
  severity?: string;
  severitySnomedCode?: string;
}

/** One allergy of a chart, /work/shared/notes/athena.md §5 and [REC] patient_allergies.yml. */
export interface AthenaAllergy {
  allergenId: string;
  allergenName?: string;
  /** `YYYY-MM-DD`. */
  onsetDate?: string;
  /** `YYYY-MM-DD`: the allergy was deactivated (no longer active). */
  deactivatedDate?: string;
  criticality?: string;
  note?: string;
  reactions: AthenaAllergyReaction[];
}

/** `GET /chart/{patientid}/allergies`: the allergies and the "no known drug allergies" flag. */
export interface AthenaAllergyList {
  allergies: AthenaAllergy[];
  /** `nkda` (`"true"`/`"false"` or a boolean). */
  nkda?: boolean;
  /** A date, or a dateTime with offset (`MM/DD/YYYY HH:mm:ss` read as US Eastern). */
  lastUpdated?: string;
}

const allergySchema = z
  .object({
    allergenid: reqId,
    allergenname: optText,
    onsetdate: optDate,
    deactivatedate: optDate,
    criticality: optText,
    note: optText,
    reactions: list(z.object({ reactionname: optText, snomedcode: optText, severity: optText, severitysnomedcode: optText })),
  })
  .transform(
    (a): AthenaAllergy =>
      compact({
        allergenId: a.allergenid,
        allergenName: a.allergenname,
        onsetDate: a.onsetdate,
        deactivatedDate: a.deactivatedate,
        criticality: a.criticality,
        note: a.note,
        reactions: a.reactions.map((r) => compact({ reactionName: r.reactionname, snomedCode: r.snomedcode, severity: r.severity, severitySnomedCode: r.severitysnomedcode })),
      }),
  );

export const allergyListSchema = z
  .object({ allergies: list(allergySchema), nkda: optFlag, lastupdated: optDateOrDateTime })
  .transform((l): AthenaAllergyList => compact({ allergies: l.allergies, nkda: l.nkda, lastUpdated: l.lastupdated }));

/** `GET /chart/{patientid}/allergies` → `{allergies: […], nkda, lastupdated}`. */
export const parseAllergyList = (json: unknown): AthenaAllergyList => parseOrFail(allergyListSchema, json, 'allergy');
