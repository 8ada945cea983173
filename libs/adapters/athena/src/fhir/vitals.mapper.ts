import type { Coding, Observation, ObservationComponent, Quantity } from '@medplum/fhirtypes';
import { athenaFhirId } from '../athena-ids';
import type { AthenaVitalReading } from '../wire';
import { SYSTEMS, athenaRef, coding, metaOf, patientRef, type AthenaChartScope, type AthenaMapContext } from './map-context';

/**
 * athena vitals → US Core 6.1.0 vital-sign Observations (profile by LOINC). athena keeps weight in
 * grams, height in cm and temperature in °F (/work/shared/notes/athena.md §5); values are text and
 * sandbox data is dirty (`36.7` with unit F, diastolic `900`). A value that is not a number, or is
 * outside what a living patient can measure in its unit, is dropped — never emitted, and never
 * reported anywhere with its value.
 */

type VitalKind = 'weight' | 'height' | 'temperature' | 'heartRate' | 'respiratoryRate' | 'oxygenSaturation' | 'bmi' | 'systolic' | 'diastolic';

interface VitalSpec {
  codings: Coding[];
  text: string;
  profile: string;
}

const loinc = (code: string, display: string): Coding => coding(SYSTEMS.loinc, code, display);

const SPECS: Readonly<Record<Exclude<VitalKind, 'systolic' | 'diastolic'>, VitalSpec>> = {
  weight: { codings: [loinc('29463-7', 'Body weight')], text: 'Body weight', profile: 'us-core-body-weight' },
  height: { codings: [loinc('8302-2', 'Body height')], text: 'Body height', profile: 'us-core-body-height' },
  temperature: { codings: [loinc('8310-5', 'Body temperature')], text: 'Body temperature', profile: 'us-core-body-temperature' },
  heartRate: { codings: [loinc('8867-4', 'Heart rate')], text: 'Heart rate', profile: 'us-core-heart-rate' },
  respiratoryRate: { codings: [loinc('9279-1', 'Respiratory rate')], text: 'Respiratory rate', profile: 'us-core-respiratory-rate' },
  // US Core's pulse oximetry profile requires both codes.
  oxygenSaturation: {
    codings: [loinc('59408-5', 'Oxygen saturation in Arterial blood by Pulse oximetry'), loinc('2708-6', 'Oxygen saturation in Arterial blood')],
    text: 'Oxygen saturation',
    profile: 'us-core-pulse-oximetry',
  },
  bmi: { codings: [loinc('39156-5', 'Body mass index (BMI) [Ratio]')], text: 'Body mass index', profile: 'us-core-bmi' },
};
const SYSTOLIC = loinc('8480-6', 'Systolic blood pressure');
const DIASTOLIC = loinc('8462-4', 'Diastolic blood pressure');

const KIND_BY_LOINC: Readonly<Record<string, VitalKind>> = {
  '29463-7': 'weight',
  '3141-9': 'weight',
  '8302-2': 'height',
  '8310-5': 'temperature',
  '8867-4': 'heartRate',
  '9279-1': 'respiratoryRate',
  '59408-5': 'oxygenSaturation',
  '2708-6': 'oxygenSaturation',
  '39156-5': 'bmi',
  '8480-6': 'systolic',
  '8462-4': 'diastolic',
};

const KIND_BY_ELEMENT: Readonly<Record<string, VitalKind>> = {
  'VITALS.WEIGHT': 'weight',
  'VITALS.HEIGHT': 'height',
  'VITALS.TEMPERATURE': 'temperature',
  'VITALS.PULSE.RATE': 'heartRate',
  'VITALS.PULSE': 'heartRate',
  'VITALS.RESPIRATIONRATE': 'respiratoryRate',
  'VITALS.O2SATURATION': 'oxygenSaturation',
  'VITALS.OXYGENSATURATION': 'oxygenSaturation',
  'VITALS.BMI': 'bmi',
  'VITALS.BLOODPRESSURE.SYSTOLIC': 'systolic',
  'VITALS.BLOODPRESSURE.DIASTOLIC': 'diastolic',
};

function kindOf(r: AthenaVitalReading): VitalKind | undefined {
  if (r.code && (r.codeset === undefined || r.codeset === 'LOINC') && KIND_BY_LOINC[r.code]) return KIND_BY_LOINC[r.code];
  return r.clinicalElementId ? KIND_BY_ELEMENT[r.clinicalElementId] : undefined;
}

const ucum = (value: number, code: string, unit = code): Quantity => ({ value, unit, system: SYSTEMS.ucum, code });
const round = (n: number, places: number): number => Math.round(n * 10 ** places) / 10 ** places;
const within = (n: number, low: number, high: number): boolean => n >= low && n <= high;

/** The reading's number, or undefined when its text is not a plain decimal. */
function numberOf(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*-?\d+(\.\d+)?\s*$/.test(value)) return undefined;
  return Number(value);
}

/** A usable UCUM quantity for the reading, converted and range-checked; undefined for dirty data. */
function quantityOf(kind: VitalKind, r: AthenaVitalReading): Quantity | undefined {
  const n = numberOf(r.value);
  if (n === undefined) return undefined;
  const unit = (r.unit ?? '').trim().toLowerCase();
  switch (kind) {
    case 'weight': {
      // athena stores weight in grams; `kg` and `lb` are accepted when a reading says so.
      const kg = unit === '' || unit === 'g' || unit === 'gram' || unit === 'grams' ? n / 1000 : unit === 'kg' ? n : unit === 'lb' || unit === 'lbs' ? n * 0.45359237 : undefined;
      if (kg === undefined || !within(kg, 0.2, 700)) return undefined;
      return unit === 'lb' || unit === 'lbs' ? ucum(round(n, 2), '[lb_av]', 'lb') : ucum(round(kg, 3), 'kg');
    }
    case 'height': {
      const cm = unit === '' || unit === 'cm' ? n : unit === 'in' || unit === 'inches' || unit === 'inch' ? n * 2.54 : unit === 'm' ? n * 100 : undefined;
      if (cm === undefined || !within(cm, 20, 275)) return undefined;
      return unit === 'in' || unit === 'inches' || unit === 'inch' ? ucum(n, '[in_i]', 'in') : ucum(round(cm, 2), 'cm');
    }
    case 'temperature':
      if (unit === '' || unit === 'f' || unit === 'degf' || unit === '[degf]') return within(n, 80, 115) ? ucum(n, '[degF]', 'degF') : undefined;
      if (unit === 'c' || unit === 'cel' || unit === 'degc') return within(n, 26, 46) ? ucum(n, 'Cel', 'C') : undefined;
      return undefined;
    case 'heartRate':
      return within(n, 20, 300) ? ucum(n, '/min', 'beats/minute') : undefined;
    case 'respiratoryRate':
      return within(n, 4, 80) ? ucum(n, '/min', 'breaths/minute') : undefined;
    case 'oxygenSaturation':
      return within(n, 50, 100) ? ucum(n, '%') : undefined;
    case 'bmi':
      return within(n, 5, 150) ? ucum(n, 'kg/m2') : undefined;
    case 'systolic':
      return within(n, 30, 300) ? ucum(n, 'mm[Hg]', 'mmHg') : undefined;
    case 'diastolic':
      return within(n, 10, 250) ? ucum(n, 'mm[Hg]', 'mmHg') : undefined;
  }
}

function baseObservation(r: AthenaVitalReading, ctx: AthenaMapContext, scope: AthenaChartScope, profile: string, effective: string): Observation & { id: string } {
  return {
    resourceType: 'Observation',
    id: athenaFhirId(ctx.practiceId, 'vital', r.vitalId, scope.patientId),
    meta: metaOf(ctx, profile),
    status: 'final',
    category: [{ coding: [coding(SYSTEMS.observationCategory, 'vital-signs', 'Vital Signs')] }],
    code: { text: '' },
    subject: patientRef(ctx, scope.patientId),
    ...(r.source === 'ENCOUNTER' && r.sourceId ? { encounter: athenaRef(ctx, 'Encounter', 'encounter', r.sourceId) } : {}),
    effectiveDateTime: effective,
  };
}

/** When the reading was taken (a date, or athena's Eastern date-time), else when it was charted. */
const effectiveOf = (r: AthenaVitalReading): string | undefined => r.readingTaken ?? r.createdAt;

/** Components of one reading share `readingid`, and the date, source and stamp of that reading. */
const readingKey = (r: AthenaVitalReading): string => [r.readingId ?? '', r.readingTaken ?? '', r.source ?? '', r.sourceId ?? '', r.createdAt ?? ''].join('|');

function bloodPressure(parts: AthenaVitalReading[], ctx: AthenaMapContext, scope: AthenaChartScope): Observation | undefined {
  const systolic = parts.find((p) => kindOf(p) === 'systolic');
  const diastolic = parts.find((p) => kindOf(p) === 'diastolic');
  const systolicValue = systolic && quantityOf('systolic', systolic);
  const diastolicValue = diastolic && quantityOf('diastolic', diastolic);
  const anchor = systolic ?? diastolic;
  const effective = anchor && effectiveOf(anchor);
  // Nothing usable (both missing or dirty) or no time: no observation rather than an empty one.
  if (!anchor || !effective || (!systolicValue && !diastolicValue)) return undefined;
  // A component athena sent but whose value is dirty is an error; one it did not send is unknown.
  const component = (code: Coding, reading: AthenaVitalReading | undefined, value: Quantity | undefined): ObservationComponent => ({
    code: { coding: [code], text: code.display },
    ...(value ? { valueQuantity: value } : { dataAbsentReason: { coding: [coding(SYSTEMS.dataAbsentReason, reading ? 'error' : 'unknown')] } }),
  });
  const observation = baseObservation(anchor, ctx, scope, 'us-core-blood-pressure', effective);
  observation.code = { coding: [loinc('85354-9', 'Blood pressure panel with all children optional')], text: 'Blood pressure' };
  observation.component = [component(SYSTOLIC, systolic, systolicValue), component(DIASTOLIC, diastolic, diastolicValue)];
  return observation;
}

/**
 * Every usable vital reading of a chart → US Core vital-sign Observations. Systolic and diastolic
 * readings that share a reading become one blood-pressure panel (85354-9) with components; a
 * component that is missing or dirty carries a data-absent reason, a panel with neither is dropped.
 * Readings of other kinds (BP site, pain scale…) are not vital signs US Core profiles and are skipped.
 */
export function toVitalObservations(readings: readonly AthenaVitalReading[], ctx: AthenaMapContext, scope: AthenaChartScope): Observation[] {
  // In the order athena sent them; a blood-pressure panel takes the place of its first component.
  const entries: ({ observation: Observation } | { panel: AthenaVitalReading[] })[] = [];
  const panels = new Map<string, AthenaVitalReading[]>();
  for (const r of readings) {
    const kind = kindOf(r);
    if (!kind) continue;
    if (kind === 'systolic' || kind === 'diastolic') {
      const key = readingKey(r);
      const panel = panels.get(key);
      if (panel) panel.push(r);
      else {
        panels.set(key, [r]);
        entries.push({ panel: panels.get(key) as AthenaVitalReading[] });
      }
      continue;
    }
    const value = quantityOf(kind, r);
    const effective = effectiveOf(r);
    if (!value || !effective) continue;
    const spec = SPECS[kind];
    const observation = baseObservation(r, ctx, scope, spec.profile, effective);
    observation.code = { coding: spec.codings, text: spec.text };
    observation.valueQuantity = value;
    entries.push({ observation });
  }
  return entries
    .map((e) => ('observation' in e ? e.observation : bloodPressure(e.panel, ctx, scope)))
    .filter((o): o is Observation => o !== undefined);
}
