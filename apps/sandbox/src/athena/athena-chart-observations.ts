import { DIASTOLIC, LABS, PANELS, SYSTOLIC, VITALS, type VitalKind } from '../dataset/code-sets';
import type { SynthObservation, SynthPatient, SynthReport } from '../dataset/dataset.types';
import type { ChartSequences } from './athena-chart-ids';
import { EASTERN, usDate, usDateTime } from './athena-time';

// Vitals (readings as arrays of arrays, values as strings, weight in grams)
// and lab results with their analytes.

interface VitalSpec {
  key: string;
  abbreviation: string;
  element: string;
  unit: string;
  /** The dataset value (UCUM unit) as athena stores it. */
  value: (v: number) => string;
}

const KG_PER_LB = 0.45359237;
/** Entered in pounds at the front desk, stored in grams: 72.4 kg → "72393.3422". */
const grams = (kg: number): string => ((Math.round((kg / KG_PER_LB) * 10) / 10) * KG_PER_LB * 1000).toFixed(4);

const VITAL_SPECS: Record<Exclude<VitalKind, 'blood-pressure'>, VitalSpec> = {
  'body-weight': { key: 'WEIGHT', abbreviation: 'Wt', element: 'VITALS.WEIGHT', unit: 'g', value: grams },
  'body-height': { key: 'HEIGHT', abbreviation: 'Ht', element: 'VITALS.HEIGHT', unit: 'cm', value: (v) => v.toFixed(1) },
  'body-temperature': { key: 'TEMPERATURE', abbreviation: 'T', element: 'VITALS.TEMPERATURE', unit: 'F', value: (c) => ((c * 9) / 5 + 32).toFixed(1) },
  'heart-rate': { key: 'PULSE', abbreviation: 'Pulse', element: 'VITALS.PULSE.RATE', unit: 'bpm', value: (v) => String(v) },
  'respiratory-rate': { key: 'RESPIRATIONRATE', abbreviation: 'RR', element: 'VITALS.RESPIRATIONRATE', unit: 'bpm', value: (v) => String(v) },
  bmi: { key: 'BMI', abbreviation: 'BMI', element: 'VITALS.BMI', unit: 'kg/m2', value: (v) => v.toFixed(1) },
  'pulse-oximetry': { key: 'O2SATURATION', abbreviation: 'SpO2', element: 'VITALS.O2SATURATION', unit: '%', value: (v) => String(v) },
};
export interface VitalElement {
  key: string;
  abbreviation: string;
  unit: string;
  code: string;
  codedescription: string;
}

/** Every clinicalelementid the practice records, with its vital key, unit and LOINC code (for writes). */
export const VITAL_ELEMENTS: ReadonlyMap<string, VitalElement> = new Map([
  ['VITALS.BLOODPRESSURE.SYSTOLIC', { key: 'BLOODPRESSURE', abbreviation: 'BP', unit: 'mmHg', code: SYSTOLIC.code, codedescription: SYSTOLIC.display }],
  ['VITALS.BLOODPRESSURE.DIASTOLIC', { key: 'BLOODPRESSURE', abbreviation: 'BP', unit: 'mmHg', code: DIASTOLIC.code, codedescription: DIASTOLIC.display }],
  ...Object.entries(VITAL_SPECS).map(([kind, spec]): [string, VitalElement] => {
    const coding = VITALS[kind as VitalKind].codings[kind === 'pulse-oximetry' ? 1 : 0] ?? VITALS[kind as VitalKind].codings[0];
    return [spec.element, { key: spec.key, abbreviation: spec.abbreviation, unit: spec.unit, code: coding?.code ?? '', codedescription: coding?.display ?? '' }];
  }),
]);

const ORDER: VitalKind[] = ['blood-pressure', 'heart-rate', 'respiratory-rate', 'body-temperature', 'body-height', 'body-weight', 'bmi', 'pulse-oximetry'];

/**
 * GET /chart/{pid}/vitals body: one entry per vital, `readings` an array of
 * arrays (one inner array per measurement; blood pressure's systolic and
 * diastolic share a readingid), `totalcount` the number of vital entries.
 */
export function renderVitals(p: SynthPatient, ids: ChartSequences, encounterIdOf: (key: string) => string): Record<string, unknown> {
  let readingid = 0;
  const vitals: Record<string, unknown>[] = [];
  for (const kind of ORDER) {
    const observations = p.observations.filter((o) => o.category === 'vital-signs' && o.vital === kind);
    if (observations.length === 0) continue;
    const readings = observations.map((o) => {
      const common = (): Record<string, unknown> => ({
        readingid: ++readingid,
        readingtaken: usDate(Date.parse(o.effective), EASTERN),
        createddate: usDateTime(Date.parse(o.effective) + 60_000, EASTERN),
        codeset: 'LOINC',
        source: 'ENCOUNTER',
        sourceid: Number(encounterIdOf(o.encounterKey)),
      });
      if (o.value.kind === 'blood-pressure') {
        const base = common();
        return [
          { ...base, clinicalelementid: 'VITALS.BLOODPRESSURE.DIASTOLIC', value: String(o.value.diastolic), unit: 'mmHg', code: DIASTOLIC.code, codedescription: DIASTOLIC.display, vitalid: ids.vital.take() },
          { ...base, clinicalelementid: 'VITALS.BLOODPRESSURE.SYSTOLIC', value: String(o.value.systolic), unit: 'mmHg', code: SYSTOLIC.code, codedescription: SYSTOLIC.display, vitalid: ids.vital.take() },
        ];
      }
      const spec = VITAL_SPECS[kind as Exclude<VitalKind, 'blood-pressure'>];
      const coding = VITALS[kind].codings[kind === 'pulse-oximetry' ? 1 : 0] ?? VITALS[kind].codings[0];
      const value = o.value.kind === 'quantity' ? spec.value(o.value.value) : '';
      return [{ ...common(), clinicalelementid: spec.element, value, unit: spec.unit, code: coding?.code, codedescription: coding?.display, vitalid: ids.vital.take() }];
    });
    const spec = kind === 'blood-pressure' ? { key: 'BLOODPRESSURE', abbreviation: 'BP' } : VITAL_SPECS[kind];
    vitals.push({ key: spec.key, abbreviation: spec.abbreviation, ordering: vitals.length, readings });
  }
  return { vitals, totalcount: vitals.length };
}

function abnormalFlag(o: SynthObservation): string {
  if (!o.lab || o.value.kind !== 'quantity') return '';
  const def = LABS[o.lab];
  return o.value.value > def.high ? 'high' : o.value.value < def.low ? 'low' : 'normal';
}

/** One lab result with its analytes: labresultid, analyteid and providerid are numbers; values strings. */
export function renderLabResult(r: SynthReport, p: SynthPatient, ids: ChartSequences, providerIdOfEncounter: (key: string) => number): Record<string, unknown> {
  const effective = Date.parse(r.effective);
  const issued = Date.parse(r.issued);
  const panel = PANELS[r.panel];
  const analytes = r.resultKeys.map((key) => {
    const o = p.observations.find((x) => x.key === key) as SynthObservation;
    const def = LABS[o.lab as keyof typeof LABS];
    return {
      analyteid: ids.analyte.take(),
      analytename: def.coding.display,
      loinc: def.coding.code,
      value: o.value.kind === 'quantity' ? o.value.value.toFixed(def.decimals) : '',
      units: def.unit,
      referencerange: `${def.low}-${def.high}`,
      abnormalflag: abnormalFlag(o),
      resultstatus: 'final',
      description: panel.coding.display,
      analytedate: usDate(effective, EASTERN),
      analytedatetime: usDateTime(effective, EASTERN),
    };
  });
  return {
    labresultid: ids.labresult.take(),
    labresultdate: usDate(effective, EASTERN),
    labresultdatetime: usDateTime(effective, EASTERN),
    labresultloinc: panel.coding.code,
    description: panel.coding.display,
    priority: '2',
    isreviewedbyprovider: '1',
    attachmentexists: false,
    resultstatus: 'final',
    performinglabname: 'SANDBOX REFERENCE LABORATORY',
    providerid: providerIdOfEncounter(r.encounterKey),
    createddate: usDate(issued, EASTERN),
    createddatetime: usDateTime(issued, EASTERN),
    analytes,
  };
}
