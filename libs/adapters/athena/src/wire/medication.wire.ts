import { z } from 'zod';
import { parseOrFail } from './wire-errors';
import { compact, list, optDate, optDateOrDateTime, optFlag, optId, optNumber, optText, reqId } from './wire-primitives';

/** One dated event of a medication entry: START, END, ENTER, HIDE… (`YYYY-MM-DD`). */
export interface AthenaMedicationEvent {
  type?: string;
  date?: string;
}

/** The structured sig athena keeps beside the text one. */
export interface AthenaStructuredSig {
  doseQuantity?: number;
  doseUnit?: string;
  route?: string;
  frequencyDescription?: string;
}

/**
 * A medication entry of a chart (`GET /chart/{patientid}/medications`, an array of arrays),
 * /work/shared/notes/athena.md §5 and [EH] ListMedications.json. Entry ids are prefixed strings (`H228145`).
 */
export interface AthenaMedication {
  medicationEntryId: string;
  medicationId?: string;
  /** First Databank id. */
  fdbMedicationId?: string;
  /** RxNorm codes, when athena sends them (not seen in the fixtures; /work/shared/notes/athena.md §14). */
  rxnormCodes: string[];
  /** The medication's name and strength (`naltrexone 50 mg tablet`). */
  medication?: string;
  unstructuredSig?: string;
  structuredSig?: AthenaStructuredSig;
  isDiscontinued?: boolean;
  /** Who entered it (a person's name) or where it came from. */
  source?: string;
  /** The prescriber's name as text. */
  prescribedBy?: string;
  /** The prescriber's athena provider id, when sent. */
  providerId?: string;
  orderingMode?: string;
  providerNote?: string;
  stopReason?: string;
  events: AthenaMedicationEvent[];
}

export interface AthenaMedicationList {
  medications: AthenaMedication[];
  noMedicationsReported?: boolean;
  /** A date, or a dateTime with offset (`MM/DD/YYYY HH:mm:ss` read as US Eastern). */
  lastUpdated?: string;
}

const sigSchema = z
  .object({ dosagequantityvalue: optNumber, dosagequantityunit: optText, dosageroute: optText, dosagefrequencydescription: optText })
  .transform(
    (s): AthenaStructuredSig =>
      compact({ doseQuantity: s.dosagequantityvalue, doseUnit: s.dosagequantityunit, route: s.dosageroute, frequencyDescription: s.dosagefrequencydescription }),
  );

export const medicationSchema = z
  .object({
    medicationentryid: reqId,
    medicationid: optText,
    fdbmedicationid: optText,
    rxnorm: list(optText),
    medication: optText,
    unstructuredsig: optText,
    structuredsig: sigSchema.optional().nullable(),
    isdiscontinued: optFlag,
    source: optText,
    prescribedby: optText,
    providerid: optId,
    orderingmode: optText,
    providernote: optText,
    stopreason: optText,
    events: list(z.object({ type: optText, eventdate: optDate }).transform((e): AthenaMedicationEvent => compact({ type: e.type?.toUpperCase(), date: e.eventdate }))),
  })
  .transform(
    (m): AthenaMedication =>
      compact({
        medicationEntryId: m.medicationentryid,
        medicationId: m.medicationid,
        fdbMedicationId: m.fdbmedicationid,
        rxnormCodes: m.rxnorm.filter((c): c is string => c !== undefined),
        medication: m.medication,
        unstructuredSig: m.unstructuredsig,
        structuredSig: m.structuredsig && Object.keys(m.structuredsig).length ? m.structuredsig : undefined,
        isDiscontinued: m.isdiscontinued,
        source: m.source,
        prescribedBy: m.prescribedby,
        providerId: m.providerid,
        orderingMode: m.orderingmode?.toUpperCase(),
        providerNote: m.providernote,
        stopReason: m.stopreason,
        events: m.events,
      }),
  );

/** `medications` is an array of arrays (one inner array per medication); flattened here. */
export const medicationListSchema = z
  .object({ medications: list(medicationSchema), nomedicationsreported: optFlag, lastupdated: optDateOrDateTime })
  .transform((l): AthenaMedicationList => compact({ medications: l.medications, noMedicationsReported: l.nomedicationsreported, lastUpdated: l.lastupdated }));

/** `GET /chart/{patientid}/medications` → `{medications: [[…]], nomedicationsreported, lastupdated}`. */
export const parseMedicationList = (json: unknown): AthenaMedicationList => parseOrFail(medicationListSchema, json, 'medication');
