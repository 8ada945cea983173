import { TRANSACTION_CLASSES } from '@sb/core';
import type { AdjustmentTotal, PeriodTotals, PeriodUsageRow } from '@sb/db';

/** Every quantity a period is rated on, all present (zero when nothing was used). */
export interface BilledQuantities {
  usage: Record<string, number>;
  activeConnections: number;
  distinctPatients: number;
  newLiveConnections: number;
}

const TRANSACTION = new Set<string>(TRANSACTION_CLASSES);

type Delta = Pick<AdjustmentTotal, 'connectionId' | 'class' | 'unitsDelta'>;

/**
 * A period's quantities from its billable units per class and active connections (the SQL
 * aggregate of its totals) plus adjustments (signed unit deltas). Only the connections an
 * adjustment touches are looked at one by one (`touched`: their billable units per class): a
 * connection's units in a class never go below zero, and a connection is active when it keeps
 * billable units after adjustments (one whose every transaction was voided is not billed as
 * active).
 */
export function quantitiesFromTotals(totals: PeriodTotals, touched: readonly PeriodUsageRow[], adjustments: readonly Delta[], counts: { distinctPatients: number; newLiveConnections: number }): BilledQuantities {
  const usage: Record<string, number> = {};
  for (const [cls, n] of Object.entries(totals.byClass)) if (TRANSACTION.has(cls)) usage[cls] = n;
  let activeConnections = totals.activeConnections;

  const deltas = new Map<string, Map<string, number>>();
  for (const a of adjustments) {
    if (!TRANSACTION.has(a.class)) continue;
    let byClass = deltas.get(a.connectionId);
    if (!byClass) deltas.set(a.connectionId, (byClass = new Map()));
    byClass.set(a.class, (byClass.get(a.class) ?? 0) + a.unitsDelta);
  }
  for (const [connectionId, byClass] of deltas) {
    const rows = touched.filter((r) => r.connectionId === connectionId);
    const unitsOf = (cls: string) => rows.filter((r) => r.class === cls).reduce((n, r) => n + r.units, 0);
    const before = rows.reduce((n, r) => n + r.units, 0);
    let after = before;
    for (const [cls, delta] of byClass) {
      const had = unitsOf(cls);
      const kept = Math.max(0, had + delta);
      usage[cls] = (usage[cls] ?? 0) + kept - had;
      after += kept - had;
    }
    activeConnections += Number(after > 0) - Number(before > 0);
  }

  const ordered: Record<string, number> = {};
  for (const cls of TRANSACTION_CLASSES) if (usage[cls] !== undefined) ordered[cls] = usage[cls];
  return { usage: ordered, activeConnections, distinctPatients: counts.distinctPatients, newLiveConnections: counts.newLiveConnections };
}

/**
 * The same quantities from billable units per connection and class (a recount, or a test's
 * rows): what {@link quantitiesFromTotals} computes from the SQL aggregate.
 */
export function quantitiesFrom(usage: readonly PeriodUsageRow[], adjustments: readonly Delta[], counts: { distinctPatients: number; newLiveConnections: number }): BilledQuantities {
  return quantitiesFromTotals(totalsOf(usage), usage, adjustments, counts);
}

/** Billable units per class and active connections of per-connection rows (what the period's SQL aggregate returns). */
export function totalsOf(usage: readonly PeriodUsageRow[]): PeriodTotals {
  const byClass: Record<string, number> = {};
  const perConnection = new Map<string, number>();
  for (const r of usage) {
    if (!TRANSACTION.has(r.class)) continue; // never billable: the SQL aggregate has none
    byClass[r.class] = (byClass[r.class] ?? 0) + r.units;
    perConnection.set(r.connectionId, (perConnection.get(r.connectionId) ?? 0) + r.units);
  }
  return { byClass, activeConnections: [...perConnection.values()].filter((n) => n > 0).length };
}

/** The connections whose units adjustments change (whose rows {@link quantitiesFrom} needs). */
export const connectionsOf = (adjustments: readonly Delta[]): string[] => [...new Set(adjustments.map((a) => a.connectionId))];

/** The signed unit deltas of adjustments per class (what the reconciliation explains). */
export function adjustmentUnitsByClass(adjustments: readonly Pick<AdjustmentTotal, 'class' | 'unitsDelta'>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of adjustments) out[a.class] = (out[a.class] ?? 0) + a.unitsDelta;
  return out;
}
