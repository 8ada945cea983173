import { ENCOUNTER_TYPES, MEDICATIONS } from '../dataset/code-sets';
import type { SynthDataset, SynthNote, SynthPatient, SynthPractitioner } from '../dataset/dataset.types';
import { chartSequences, type ChartSequences } from './athena-chart-ids';
import { renderAllergies, renderDiagnosis, renderMedications, renderProblem } from './athena-chart-history';
import { renderLabResult, renderVitals } from './athena-chart-observations';
import { departmentOfLocation, providerIdOf } from './athena-directory';
import { clinicalDocumentOf, type ClinicalDocument } from './athena-documents';
import { EASTERN, usDate } from './athena-time';

type Json = Record<string, unknown>;

/** One patient's chart as athena's endpoints answer it (read-only apart from documents). */
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

export interface BuiltCharts {
  charts: Map<string, PatientChart>;
  /** Dataset encounter key → athena encounterid. */
  encounterIds: Map<string, string>;
  documents: ClinicalDocument[];
  nextDocumentId: () => number;
}

const ENCOUNTER_VISIT_NAMES: Record<string, string> = { 'check-up': 'Physical Exam', 'follow-up': 'Follow Up', telehealth: 'Telehealth Visit', symptom: 'Sick Visit' };

/** Builds every chart in dataset order, so the same seed always gives the same ids. */
export function buildCharts(dataset: SynthDataset, patientIdOf: (p: SynthPatient) => string): BuiltCharts {
  const ids = chartSequences();
  const practitioners = new Map(dataset.practitioners.map((p) => [p.key, p]));
  const nameOf = (key: string): string => {
    const p = practitioners.get(key) as SynthPractitioner;
    return `${p.given[0] ?? ''} ${p.family}`;
  };
  const encounterIds = new Map<string, string>();
  for (const patient of dataset.patients) for (const e of patient.encounters) encounterIds.set(e.key, String(ids.encounter.take()));
  const encounterIdOf = (key: string): string => encounterIds.get(key) ?? '';
  const charts = new Map<string, PatientChart>();
  const documents: ClinicalDocument[] = [];
  for (const patient of dataset.patients) {
    const chart = buildChart(patient, patientIdOf(patient), ids, { nameOf, encounterIdOf, practitioners });
    charts.set(patientIdOf(patient), chart);
    for (const note of patient.notes) documents.push(seededDocument(note, patient, patientIdOf(patient), ids, encounterIdOf));
  }
  return { charts, encounterIds, documents, nextDocumentId: () => ids.clinicalDocument.take() };
}

interface ChartContext {
  nameOf: (key: string) => string;
  encounterIdOf: (key: string) => string;
  practitioners: Map<string, SynthPractitioner>;
}

function buildChart(p: SynthPatient, patientid: string, ids: ChartSequences, ctx: ChartContext): PatientChart {
  const encounters = p.encounters.map((e) => {
    const provider = ctx.practitioners.get(e.practitionerKey) as SynthPractitioner;
    const reason = p.conditions.find((c) => c.key === e.reasonConditionKey);
    const end = Date.parse(e.end);
    return {
      encounterid: ctx.encounterIdOf(e.key),
      patientid,
      departmentid: departmentOfLocation(e.locationKey).departmentid,
      encounterdate: usDate(Date.parse(e.start), departmentOfLocation(e.locationKey).zone),
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
  const problems = p.conditions.map((c) => renderProblem(c, ids.problem.take()));
  const lastRecorded = p.conditions.map((c) => c.abatement ?? c.recorded).sort().pop() ?? p.birthDate;
  const providerOfEncounter = (key: string): number => providerIdOf(p.encounters.find((e) => e.key === key)?.practitionerKey ?? p.pcpKey);
  const labresults = p.reports.map((r) => renderLabResult(r, p, ids, providerOfEncounter));
  return {
    encounters,
    problems,
    problemsLastUpdated: `${lastRecorded.slice(5, 7)}/${lastRecorded.slice(8, 10)}/${lastRecorded.slice(0, 4)}`,
    allergies: renderAllergies(p),
    medications: renderMedications(p, ids, ctx.nameOf, (m) => MEDICATIONS.indexOf(m.definition)),
    vitals: renderVitals(p, ids, ctx.encounterIdOf),
    labresults,
    analytes: labresults.flatMap((r) => (r.analytes as Json[]).map((a) => ({ ...a, labresultid: r.labresultid }))),
  };
}

const NOTE_SUBCLASS: Record<string, string> = { '11488-4': 'CLINICALDOCUMENT_CONSULTNOTE' };

function seededDocument(note: SynthNote, p: SynthPatient, patientid: string, ids: ChartSequences, encounterIdOf: (key: string) => string): ClinicalDocument {
  const encounter = p.encounters.find((e) => e.key === note.encounterKey);
  const dateMs = Date.parse(note.date);
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
    createdMs: dateMs,
    observationMs: Date.parse(encounter?.start ?? note.date),
    source: 'ENCOUNTER',
    content: { kind: 'text', text: note.text },
  });
}
