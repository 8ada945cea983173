import { ENCOUNTER_TYPES, MEDICATIONS } from '../dataset/code-sets';
import type { SynthNote, SynthPatient, SynthPractitioner } from '../dataset/dataset.types';
import { chartSequences, encounterIdOfKey, type ChartSequences } from './athena-chart-ids';
import { renderAllergies, renderDiagnosis, renderMedications, renderProblem } from './athena-chart-history';
import { renderLabResult, renderVitals } from './athena-chart-observations';
import { departmentOfLocation, providerIdOf } from './athena-directory';
import { clinicalDocumentOf, type ClinicalDocument } from './athena-documents';
import { EASTERN, usDate } from './athena-time';

type Json = Record<string, unknown>;

/** One patient's chart as athena's endpoints answer it (read-only; documents live beside it). */
export interface PatientChart {
  encounters: Json[];
  problems: Json[];
  problemsLastUpdated: string;
  allergies: Json;
  medications: Json;
  vitals: Json;
  labresults: Json[];
  analytes: Json[];
}

export interface ChartContext {
  practitioners: ReadonlyMap<string, SynthPractitioner>;
  /** Past visits booked as appointments: encounterid → appointmentid. */
  appointmentOfEncounter: ReadonlyMap<string, string>;
}

const ENCOUNTER_VISIT_NAMES: Record<string, string> = { 'check-up': 'Physical Exam', 'follow-up': 'Follow Up', telehealth: 'Telehealth Visit', symptom: 'Sick Visit' };
const encounterIdOf = (key: string): string => encounterIdOfKey(key) ?? '';

/** Builds one patient's chart; ids come from the patient's own blocks (athena-chart-ids.ts). */
export function buildChart(p: SynthPatient, patientid: string, ctx: ChartContext): PatientChart {
  const ids = chartSequences(p.index);
  const nameOf = (key: string): string => {
    const practitioner = ctx.practitioners.get(key) as SynthPractitioner;
    return `${practitioner.given[0] ?? ''} ${practitioner.family}`;
  };
  const encounters = p.encounters.map((e) => {
    const provider = ctx.practitioners.get(e.practitionerKey) as SynthPractitioner;
    const reason = p.conditions.find((c) => c.key === e.reasonConditionKey);
    const encounterid = encounterIdOf(e.key);
    const appointmentid = ctx.appointmentOfEncounter.get(encounterid);
    const department = departmentOfLocation(e.locationKey);
    const end = Date.parse(e.end);
    return {
      encounterid,
      patientid,
      ...(appointmentid ? { appointmentid } : {}),
      departmentid: department.departmentid,
      encounterdate: usDate(Date.parse(e.start), department.zone),
      encountertype: 'VISIT',
      encountervisitname: ENCOUNTER_VISIT_NAMES[e.kind] ?? ENCOUNTER_TYPES[e.kind].type.display,
      status: 'CLOSED',
      stage: 'CHECKOUT',
      patientstatus: 'Checked Out',
      providerid: providerIdOf(e.practitionerKey),
      providerfirstname: provider.given[0] ?? '',
      providerlastname: provider.family,
      closeddate: usDate(end, EASTERN),
      closeduser: 'sandboxmd',
      lastupdated: usDate(end, EASTERN),
      diagnoses: reason ? [renderDiagnosis(reason.definition, ids.diagnosis.take())] : [],
    };
  });
  const lastRecorded = p.conditions.map((c) => c.abatement ?? c.recorded).sort().pop() ?? p.birthDate;
  const providerOfEncounter = (key: string): number => providerIdOf(p.encounters.find((e) => e.key === key)?.practitionerKey ?? p.pcpKey);
  const labresults = p.reports.map((r) => renderLabResult(r, p, ids, providerOfEncounter));
  return {
    encounters,
    problems: p.conditions.map((c) => renderProblem(c, ids.problem.take())),
    problemsLastUpdated: `${lastRecorded.slice(5, 7)}/${lastRecorded.slice(8, 10)}/${lastRecorded.slice(0, 4)}`,
    allergies: renderAllergies(p),
    medications: renderMedications(p, ids, nameOf, (m) => MEDICATIONS.indexOf(m.definition)),
    vitals: renderVitals(p, ids, encounterIdOf),
    labresults,
    analytes: labresults.flatMap((r) => (r.analytes as Json[]).map((a) => ({ ...a, labresultid: r.labresultid }))),
  };
}

const NOTE_SUBCLASS: Record<string, string> = { '11488-4': 'CLINICALDOCUMENT_CONSULTNOTE' };

/** The dataset's visit notes as closed clinical documents (text in documentdata). */
export function seededDocuments(p: SynthPatient, patientid: string): ClinicalDocument[] {
  const ids: ChartSequences = chartSequences(p.index);
  return p.notes.map((note: SynthNote) => {
    const encounter = p.encounters.find((e) => e.key === note.encounterKey);
    return clinicalDocumentOf({
      clinicaldocumentid: ids.clinicalDocument.take(),
      patientid,
      departmentid: departmentOfLocation(encounter?.locationKey ?? 'loc1').departmentid,
      documentsubclass: NOTE_SUBCLASS[note.type.code] ?? 'CLINICALDOCUMENT',
      documenttypeid: undefined,
      description: note.type.display,
      providerid: providerIdOf(note.authorKey),
      encounterid: encounterIdOf(note.encounterKey),
      status: 'CLOSED',
      createdMs: Date.parse(note.date),
      observationMs: Date.parse(encounter?.start ?? note.date),
      source: 'ENCOUNTER',
      content: { kind: 'text', text: note.text },
    });
  });
}
