import type { CodeableConcept, DiagnosticReport, Observation, ObservationReferenceRange, Quantity } from '@medplum/fhirtypes';
import { athenaFhirId } from '../athena-ids';
import type { AthenaAnalyte, AthenaLabResult } from '../wire';
import { SYSTEMS, athenaRef, athenaSystem, coding, concept, metaOf, patientRef, practitionerRef, type AthenaChartScope, type AthenaMapContext } from './map-context';

/**
 * athena lab results → US Core 6.1.0 Laboratory Result Observations (one per analyte) and a
 * Laboratory DiagnosticReport whose `result` points at them (/work/shared/notes/athena.md §13.2).
 */

const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
const INTERPRETATIONS: Readonly<Record<string, [string, string]>> = {
  H: ['H', 'High'],
  HIGH: ['H', 'High'],
  L: ['L', 'Low'],
  LOW: ['L', 'Low'],
  HH: ['HH', 'Critical high'],
  'CRITICAL HIGH': ['HH', 'Critical high'],
  LL: ['LL', 'Critical low'],
  'CRITICAL LOW': ['LL', 'Critical low'],
  A: ['A', 'Abnormal'],
  ABNORMAL: ['A', 'Abnormal'],
  AA: ['AA', 'Critical abnormal'],
  CRITICAL: ['AA', 'Critical abnormal'],
  N: ['N', 'Normal'],
  NORMAL: ['N', 'Normal'],
};

const OBSERVATION_STATUS: Readonly<Record<string, Observation['status']>> = {
  FINAL: 'final',
  F: 'final',
  PRELIMINARY: 'preliminary',
  P: 'preliminary',
  PARTIAL: 'preliminary',
  CORRECTED: 'corrected',
  C: 'corrected',
  AMENDED: 'amended',
  CANCELLED: 'cancelled',
  X: 'cancelled',
  PENDING: 'registered',
  INCOMPLETE: 'registered',
};
const REPORT_STATUS: Readonly<Record<string, DiagnosticReport['status']>> = {
  FINAL: 'final',
  F: 'final',
  PRELIMINARY: 'preliminary',
  P: 'preliminary',
  PARTIAL: 'partial',
  CORRECTED: 'corrected',
  C: 'corrected',
  AMENDED: 'amended',
  CANCELLED: 'cancelled',
  X: 'cancelled',
  PENDING: 'registered',
  INCOMPLETE: 'partial',
};

/** Common lab units that are valid UCUM as written; other units stay as display text only (no claimed UCUM code). */
const UCUM_UNITS = new Set([
  '%', 'mg/dL', 'g/dL', 'g/L', 'mg/L', 'ug/dL', 'ug/L', 'ng/mL', 'ng/dL', 'pg/mL', 'mmol/L', 'umol/L', 'nmol/L', 'pmol/L', 'mol/L', 'meq/L', 'mEq/L',
  'U/L', 'IU/L', '[IU]/L', 'mU/L', 'm[IU]/L', 'u[IU]/mL', 'fL', 'pg', 'mm/h', 's', 'min', 'mL/min', 'mL/min/{1.73_m2}', 'mL/min/1.73.m2',
  '10*3/uL', '10*6/uL', '10*9/L', '10*12/L', '/uL', '/[HPF]', '/[LPF]', 'mg/g', 'mg/(24.h)', 'mm[Hg]', 'kg/m2', '{ratio}', '{titer}', '1',
]);

const NUMERIC = /^\s*(<=|>=|<|>)?\s*(-?\d+(?:\.\d+)?)\s*$/;
const RANGE = /^\s*(-?\d+(?:\.\d+)?)\s*(?:-|to)\s*(-?\d+(?:\.\d+)?)\s*$/i;
const BOUND = /^\s*(<=|>=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

function quantity(value: number, units: string | undefined): Quantity {
  if (!units) return { value };
  return { value, unit: units, ...(UCUM_UNITS.has(units) ? { system: SYSTEMS.ucum, code: units } : {}) };
}

function referenceRangeOf(text: string | undefined, units: string | undefined): ObservationReferenceRange | undefined {
  if (!text) return undefined;
  const range = RANGE.exec(text);
  if (range) return { low: quantity(Number(range[1]), units), high: quantity(Number(range[2]), units), text };
  const bound = BOUND.exec(text);
  if (bound) return bound[1].startsWith('<') ? { high: quantity(Number(bound[2]), units), text } : { low: quantity(Number(bound[2]), units), text };
  return { text };
}

function interpretationOf(flag: string | undefined): CodeableConcept | undefined {
  if (!flag) return undefined;
  const known = INTERPRETATIONS[flag.trim().toUpperCase()];
  return known ? { coding: [coding(INTERPRETATION, known[0], known[1])], text: flag } : { text: flag };
}

const LAB_CATEGORY: CodeableConcept = { coding: [coding(SYSTEMS.observationCategory, 'laboratory', 'Laboratory')] };

/** One analyte → US Core Laboratory Result Observation; `result` is the lab result it belongs to, when known. */
export function toAnalyteObservation(a: AthenaAnalyte, ctx: AthenaMapContext, scope: AthenaChartScope, result?: AthenaLabResult): Observation & { id: string } {
  const observed = a.observedAt ?? result?.observedAt;
  const status = OBSERVATION_STATUS[(a.resultStatus ?? result?.resultStatus ?? '').toUpperCase()] ?? 'unknown';
  const description = a.description && a.description.toUpperCase() !== 'LOINC' ? a.description : undefined;
  const observation: Observation & { id: string } = {
    resourceType: 'Observation',
    id: athenaFhirId(ctx.practiceId, 'analyte', a.analyteId, scope.patientId),
    meta: metaOf(ctx, 'us-core-observation-lab'),
    identifier: [{ system: athenaSystem('analyte', ctx.practiceId), value: a.analyteId }],
    status,
    category: [LAB_CATEGORY],
    code: concept([a.loinc ? coding(SYSTEMS.loinc, a.loinc) : undefined], a.name ?? description ?? 'Laboratory result') as CodeableConcept,
    subject: patientRef(ctx, scope.patientId),
  };
  if (observed) observation.effectiveDateTime = observed;
  if (result?.createdAt) observation.issued = result.createdAt;
  const numeric = a.value === undefined ? null : NUMERIC.exec(a.value);
  if (numeric) {
    const comparator = numeric[1] as Quantity['comparator'] | undefined;
    observation.valueQuantity = { ...quantity(Number(numeric[2]), a.units), ...(comparator ? { comparator } : {}) };
  } else if (a.value !== undefined) {
    observation.valueString = a.units ? `${a.value} ${a.units}` : a.value;
  } else {
    observation.dataAbsentReason = { coding: [coding(SYSTEMS.dataAbsentReason, 'unknown', 'Unknown')] };
  }
  const interpretation = interpretationOf(a.abnormalFlag);
  if (interpretation) observation.interpretation = [interpretation];
  const range = referenceRangeOf(a.referenceRange, a.units);
  if (range) observation.referenceRange = [range];
  if (a.note) observation.note = [{ text: a.note }];
  return observation;
}

/** A lab result's analytes → Observations (in athena's order). */
export function toLabObservations(result: AthenaLabResult, ctx: AthenaMapContext, scope: AthenaChartScope): (Observation & { id: string })[] {
  return result.analytes.map((a) => toAnalyteObservation(a, ctx, scope, result));
}

/**
 * A lab result → US Core 6.1.0 Laboratory DiagnosticReport: code from `labresultloinc` (else the
 * description as text), effective when observed, issued when athena filed it, the analytes as results.
 */
export function toDiagnosticReport(result: AthenaLabResult, ctx: AthenaMapContext, scope: AthenaChartScope): DiagnosticReport & { id: string } {
  const report: DiagnosticReport & { id: string } = {
    resourceType: 'DiagnosticReport',
    id: athenaFhirId(ctx.practiceId, 'labresult', result.labResultId, scope.patientId),
    meta: metaOf(ctx, 'us-core-diagnosticreport-lab'),
    identifier: [{ system: athenaSystem('labresult', ctx.practiceId), value: result.labResultId }],
    status: REPORT_STATUS[(result.resultStatus ?? '').toUpperCase()] ?? 'unknown',
    category: [{ coding: [coding('http://terminology.hl7.org/CodeSystem/v2-0074', 'LAB', 'Laboratory')] }],
    code: concept([result.loinc ? coding(SYSTEMS.loinc, result.loinc) : undefined], result.description ?? 'Laboratory result') as CodeableConcept,
    subject: patientRef(ctx, scope.patientId),
  };
  if (result.observedAt) report.effectiveDateTime = result.observedAt;
  if (result.createdAt) report.issued = result.createdAt;
  const performer = [
    ...(result.performingLabName ? [{ display: result.performingLabName }] : []),
    ...(result.providerId ? [practitionerRef(ctx, result.providerId)] : []),
  ];
  if (performer.length) report.performer = performer;
  if (result.analytes.length) report.result = result.analytes.map((a) => athenaRef(ctx, 'Observation', 'analyte', a.analyteId, scope.patientId));
  if (result.note) report.conclusion = result.note;
  return report;
}
