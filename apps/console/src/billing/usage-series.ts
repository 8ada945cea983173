import type { ChartSeries } from '../usage/summaries';
import { windowLabel, type UsageWindow } from './time-zones';
import type { UsageWindowRow } from '../api/types';

/**
 * Pivots /v1/usage rows (window × connection or class) into chart rows and a table: nothing
 * is counted here, every figure is one the API returned. Windows are labelled on the wall
 * clock of the zone the API was asked for.
 */

/** What a chart stacks by. */
export type UsageSeriesGroup = 'connection' | 'class';

export const SERIES_LABELS: Record<UsageSeriesGroup, string> = { connection: 'Connection', class: 'Class' };

/** Readable names of the billable classes (usage without a class, e.g. echo calls, is "Unclassified"). */
export const CLASS_LABELS: Record<string, string> = {
  'fhir.read': 'FHIR read',
  'fhir.search': 'FHIR search',
  'fhir.write': 'FHIR write',
  'hl7.in': 'HL7 in',
  'hl7.out': 'HL7 out',
  'bulk.resource': 'Bulk resource',
  'smart.launch': 'SMART launch',
  activeConnection: 'Active connections',
  distinctPatient: 'Distinct patients',
  connectionGoLive: 'Connections gone live',
  '': 'Unclassified',
};

export const classLabel = (c: string | null | undefined): string => CLASS_LABELS[c ?? ''] ?? String(c);

const PALETTE = ['indigo.6', 'teal.6', 'orange.6', 'grape.6', 'cyan.6', 'pink.6', 'lime.7', 'blue.4', 'yellow.6', 'violet.4', 'gray.6'];

export interface WindowPivot {
  /** One row per window: `{ date: label, start, s0: n, s1: n, … }` (`date` is the chart's axis key). */
  rows: Record<string, string | number>[];
  series: ChartSeries[];
}

/** What the finance pages count: units (one per call; a bulk export counts its resources). */
export const amountOf = (row: UsageWindowRow): number => row.units;

/** The `groupBy` sent for a chart: its series dimension, and `billable` to keep billable usage only. */
export const groupByParam = (groupBy: UsageSeriesGroup, billableOnly: boolean): string => (billableOnly ? `${groupBy},billable` : groupBy);

/**
 * Chart rows from the API's rows: one row per window, one field per series. With
 * `billableOnly` the API was asked to group by `billable` too and only its billable rows count.
 */
export function pivotWindows(rows: readonly UsageWindowRow[], groupBy: UsageSeriesGroup, window: UsageWindow, zone: string, connectionName: (id: string) => string, billableOnly = false): WindowPivot {
  const series: ChartSeries[] = [];
  const fieldOf = new Map<string, string>();
  const byStart = new Map<string, Record<string, string | number>>();
  for (const r of rows) {
    if (billableOnly && r.billable !== true) continue;
    const key = groupBy === 'connection' ? (r.connectionId ?? '') : (r.class ?? '');
    let field = fieldOf.get(key);
    if (!field) {
      field = `s${series.length}`;
      fieldOf.set(key, field);
      series.push({ name: field, key, label: groupBy === 'connection' ? r.connectionName || connectionName(key) : classLabel(key), color: PALETTE[series.length % PALETTE.length] ?? 'gray.6' });
    }
    const row: Record<string, string | number> = byStart.get(r.start) ?? { date: windowLabel(r.start, window, zone), start: r.start };
    row[field] = Number(row[field] ?? 0) + amountOf(r);
    byStart.set(r.start, row);
  }
  const out = [...byStart.values()].sort((a, b) => new Date(String(a.start)).getTime() - new Date(String(b.start)).getTime());
  for (const row of out) for (const s of series) row[s.name] ??= 0;
  return { rows: out, series };
}
