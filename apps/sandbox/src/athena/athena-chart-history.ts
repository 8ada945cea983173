import type { ConditionDefinition } from '../dataset/code-sets';
import type { SynthAllergy, SynthCondition, SynthMedication, SynthPatient } from '../dataset/dataset.types';
import type { ChartSequences } from './athena-chart-ids';
import { EASTERN, isoWithOffset, usFromIsoDate } from './athena-time';

// Problems, allergies and medications as athena's chart endpoints shape them.

const CHART_USER = 'sandboxmd';
const noonMs = (isoDate: string): number => Date.parse(`${isoDate.slice(0, 10)}T17:00:00Z`);

/** Encounter diagnosis entry: diagnosisid and snomedcode are numbers, ICD codes strings. */
export const renderDiagnosis = (definition: ConditionDefinition, diagnosisid: number): Record<string, unknown> => ({
  diagnosisid,
  snomedcode: Number(definition.snomed.code),
  description: definition.snomed.display,
  icdcodes: [{ codeset: 'ICD10', code: definition.icd10.code, description: definition.icd10.display }],
});

/** GET /chart/{pid}/problems item: problemid a number, code a string, events carry the dates. */
export function renderProblem(c: SynthCondition, problemid: number): Record<string, unknown> {
  const events: Record<string, unknown>[] = [
    {
      eventtype: 'START',
      startdate: usFromIsoDate(c.onset),
      onsetdate: usFromIsoDate(c.onset),
      createddate: usFromIsoDate(c.recorded),
      createdby: CHART_USER,
      source: c.category === 'encounter-diagnosis' ? 'ENCOUNTER' : 'HISTORY',
      status: c.definition.chronic ? 'CHRONIC' : 'ACUTE',
      diagnoses: [],
    },
  ];
  if (c.abatement) events.push({ eventtype: 'END', startdate: usFromIsoDate(c.abatement), createddate: usFromIsoDate(c.abatement), createdby: CHART_USER });
  return {
    problemid,
    name: c.definition.snomed.display,
    codeset: 'SNOMED',
    code: c.definition.snomed.code,
    bestmatchicd10code: c.definition.icd10.code,
    lastmodifiedby: CHART_USER,
    lastmodifieddatetime: isoWithOffset(noonMs(c.abatement ?? c.recorded), EASTERN),
    events,
  };
}

/** athena's own allergen ids (the chart carries no RxNorm/SNOMED for the allergen itself). */
const ALLERGEN_IDS: Record<string, string> = { '70618': '10127', '10180': '10245', '256349002': '18034', '111088007': '12001', '288328004': '18622' };
const SEVERITY = { high: { name: 'severe', snomed: '24484000' }, low: { name: 'mild', snomed: '255604002' } } as const;

/** GET /chart/{pid}/allergies item: allergenid a string; a reaction with SNOMED codes. */
function renderAllergy(a: SynthAllergy & { definition: NonNullable<SynthAllergy['definition']> }): Record<string, unknown> {
  const d = a.definition;
  const severity = SEVERITY[d.criticality];
  return {
    allergenid: ALLERGEN_IDS[d.coding.code] ?? '10001',
    allergenname: d.coding.display,
    onsetdate: usFromIsoDate(a.recorded),
    criticality: d.criticality === 'high' ? 'High' : 'Low',
    lastmodifiedby: CHART_USER,
    lastmodifieddatetime: isoWithOffset(noonMs(a.recorded), EASTERN),
    reactions: [{ reactionname: d.reaction.display.toLowerCase(), snomedcode: d.reaction.code, severity: severity.name, severitysnomedcode: severity.snomed }],
  };
}

/** The allergies body: `nkda` is the string "true"/"false", as athena sends it. */
export function renderAllergies(p: SynthPatient): Record<string, unknown> {
  const known = p.allergies.filter((a): a is SynthAllergy & { definition: NonNullable<SynthAllergy['definition']> } => a.definition !== undefined);
  const recorded = p.allergies[0]?.recorded ?? p.birthDate;
  return {
    allergies: known.map(renderAllergy),
    nkda: known.length === 0 ? 'true' : 'false',
    lastupdated: usFromIsoDate(recorded),
    lastmodifieddatetime: isoWithOffset(noonMs(recorded), EASTERN),
    lastmodifiedby: CHART_USER,
  };
}

const MEDICATION_IDS_FROM = 231_501;

/** GET /chart/{pid}/medications entry (one inner array of the array of arrays). */
function renderMedication(m: SynthMedication, entry: number, prescriber: string, catalogIndex: number): Record<string, unknown> {
  const start = usFromIsoDate(m.authoredOn);
  const events: Record<string, string>[] = [
    { type: 'START', eventdate: start },
    { type: 'ENTER', eventdate: start, userdisplayname: prescriber },
  ];
  if (m.status !== 'active') events.push({ type: 'END', eventdate: usFromIsoDate(new Date(Date.parse(m.authoredOn) + (m.status === 'completed' ? 10 : 90) * 86_400_000).toISOString()) });
  const sig = m.definition.dosage;
  const quantity = /Take (\d+)|Inhale (\d+)/.exec(sig);
  return {
    medicationentryid: `H${entry}`,
    medicationid: MEDICATION_IDS_FROM + catalogIndex,
    fdbmedicationid: String(180_001 + catalogIndex),
    medication: m.definition.coding.display,
    unstructuredsig: sig,
    structuredsig: {
      dosageaction: sig.startsWith('Inhale') ? 'INHALE' : 'TAKE',
      dosagequantityvalue: Number(quantity?.[1] ?? quantity?.[2] ?? 1),
      dosagequantityunit: /capsule/i.test(sig) ? 'capsule(s)' : sig.startsWith('Inhale') ? 'puff(s)' : 'tablet(s)',
      dosagefrequencyvalue: 1,
      dosagefrequencyunit: 'per day',
      dosageroute: sig.startsWith('Inhale') ? 'inhalation' : 'oral',
    },
    isstructuredsig: true,
    isdiscontinued: m.status === 'stopped',
    source: prescriber,
    prescribedby: prescriber,
    createdby: CHART_USER,
    events,
  };
}

export function renderMedications(p: SynthPatient, ids: ChartSequences, prescriberName: (practitionerKey: string) => string, catalogIndex: (m: SynthMedication) => number): Record<string, unknown> {
  return {
    medications: p.medications.map((m) => [renderMedication(m, ids.medicationEntry.take(), prescriberName(m.requesterKey), catalogIndex(m))]),
    nomedicationsreported: p.medications.length === 0,
    patientneedsdownloadconsent: false,
    lastupdated: usFromIsoDate(p.medications[p.medications.length - 1]?.authoredOn ?? p.encounters[0]?.start ?? p.birthDate),
  };
}
