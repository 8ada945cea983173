import type { UsageDay, UsageGroupBy, UsageTotal } from '../api/types';

/**
 * Shapes the API's usage numbers for tables and the chart. Nothing here counts
 * transactions: totals come grouped from /v1/usage/totals (a table per
 * dimension adds up its groups) and the chart is the /v1/usage/daily series
 * pivoted into one row per day.
 */

export const GROUP_LABELS: Record<UsageGroupBy, string> = {
  connection: 'Connection',
  vendor: 'Vendor',
  operation: 'Operation',
  outcome: 'Outcome',
};

/**
 * Outcomes as this page names them. A successful transaction is not necessarily billable
 * (sandbox traffic, echo calls and duplicates never are): billable usage is on the Billing page.
 */
export const OUTCOME_LABELS: Record<string, string> = { success: 'Successful', error: 'Errors' };

export interface DimensionRow {
  key: string;
  label: string;
  successful: number;
  errors: number;
  total: number;
}

export type NameOf = (dimension: UsageGroupBy, key: string) => string;

const keyOf = (t: UsageTotal, dimension: UsageGroupBy): string =>
  dimension === 'connection' ? t.connectionId : dimension === 'vendor' ? t.vendor : dimension === 'operation' ? t.operation : t.outcome;

/** One row per connection (vendor, operation, outcome) with successful, error and total counts; largest first. */
export function byDimension(totals: readonly UsageTotal[], dimension: UsageGroupBy, nameOf: NameOf): DimensionRow[] {
  const rows = new Map<string, DimensionRow>();
  for (const t of totals) {
    const key = keyOf(t, dimension);
    const row = rows.get(key) ?? { key, label: nameOf(dimension, key), successful: 0, errors: 0, total: 0 };
    if (t.outcome === 'success') row.successful += t.count;
    else row.errors += t.count;
    row.total += t.count;
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => b.total - a.total || a.label.localeCompare(b.label));
}

export interface ChartSeries {
  /** A safe field name in the chart rows (keys such as `Patient.read` would read as paths). */
  name: string;
  key: string;
  label: string;
  color: string;
}

export interface DailyPivot {
  /** One row per day: `{ date, s0: count, s1: count, … }`. */
  rows: Record<string, string | number>[];
  series: ChartSeries[];
}

const PALETTE = ['indigo.6', 'teal.6', 'orange.6', 'grape.6', 'cyan.6', 'pink.6', 'lime.7', 'blue.4', 'yellow.6', 'violet.4', 'gray.6'];
const OUTCOME_COLORS: Record<string, string> = { success: 'teal.6', error: 'red.6' };

/** Pivots the daily series (day × key) into chart rows; days and keys in the API's order of appearance, days sorted. */
export function pivotDaily(days: readonly UsageDay[], groupBy: UsageGroupBy, nameOf: NameOf): DailyPivot {
  const series: ChartSeries[] = [];
  const fieldOf = new Map<string, string>();
  const byDate = new Map<string, Record<string, string | number>>();
  for (const d of days) {
    let field = fieldOf.get(d.key);
    if (!field) {
      field = `s${series.length}`;
      fieldOf.set(d.key, field);
      const color = (groupBy === 'outcome' ? OUTCOME_COLORS[d.key] : undefined) ?? PALETTE[series.length % PALETTE.length] ?? 'gray.6';
      series.push({ name: field, key: d.key, label: d.name || nameOf(groupBy, d.key), color });
    }
    const row = byDate.get(d.date) ?? { date: d.date };
    row[field] = d.count;
    byDate.set(d.date, row);
  }
  const rows = [...byDate.values()].sort((a, b) => String(a.date).localeCompare(String(b.date)));
  for (const row of rows) for (const s of series) row[s.name] ??= 0;
  return { rows, series };
}
