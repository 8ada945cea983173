import { minorUnits } from './currencies';
import {
  compareDecimal,
  decimalFromInteger,
  formatDecimal,
  multiplyDecimal,
  parseDecimal,
  subtractDecimal,
  sumDecimals,
  ZERO,
  type Decimal,
} from './decimal';
import type { PlanDefinition, PriceComponent } from './plan-definition';
import { formatMoney, roundToCurrency, sumMoney } from './round';

/** One step of a line's computation: `quantity` units (`from`..`upTo`, 1-based, inclusive) at `unitPrice`; `amount` exact, unrounded. */
export interface RatedTier {
  from: number;
  upTo: number | null;
  quantity: number;
  unitPrice: string;
  amount: string;
}

/**
 * One invoice/quote line. `amount` is the exact sum of its tiers rounded half-even to the
 * currency's minor unit, once. `description` spells out the computation for a human.
 */
export interface RatedLine {
  kind: 'usage' | 'minimumTrueUp' | 'cap' | 'correction';
  class: string | null;
  model?: string;
  /** Units of the class in the period (before included units); for a correction, the change in units. */
  quantity: number;
  includedUnits?: number;
  tiers: RatedTier[];
  amount: string;
  description: string;
  /** Correction lines: the finalized invoice corrected and its period id. */
  invoiceId?: string;
  period?: string;
}

/** A rated period (quote, preview or invoice): `total` is the exact sum of the lines' amounts. */
export interface RatedPeriod {
  currency: string;
  lines: RatedLine[];
  /** Sum of the usage lines, before the minimum commitment and the cap. */
  subtotal: string;
  total: string;
}

/** What a period used: billable units per transaction class, and the per-period counts. */
export interface PeriodQuantities {
  usage: Partial<Record<string, number>>;
  activeConnections?: number;
  distinctPatients?: number;
  newLiveConnections?: number;
}

/** The per-period classes and the quantity field each one prices. */
export const PERIOD_CLASS_QUANTITY = {
  activeConnection: 'activeConnections',
  distinctPatient: 'distinctPatients',
  connectionGoLive: 'newLiveConnections',
} as const satisfies Record<string, keyof PeriodQuantities>;

/** The quantity a component prices in a period (0 when absent). */
export function quantityOf(quantities: PeriodQuantities, cls: string): number {
  const field = (PERIOD_CLASS_QUANTITY as Record<string, keyof Omit<PeriodQuantities, 'usage'> | undefined>)[cls];
  const value = field ? quantities[field] : quantities.usage[cls];
  const q = value ?? 0;
  if (!Number.isSafeInteger(q) || q < 0) throw new RangeError(`quantity of ${cls} must be a non-negative integer`);
  return q;
}

/** 12345678 → "12,345,678" (fixed, not locale-dependent). */
export function groupDigits(n: number | string): string {
  const s = String(n);
  const negative = s.startsWith('-');
  const digits = negative ? s.slice(1) : s;
  return (negative ? '-' : '') + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function tierAmount(quantity: number, unitPrice: string): Decimal {
  return multiplyDecimal(decimalFromInteger(quantity), parseDecimal(unitPrice));
}

function exact(d: Decimal, currency: string): string {
  return formatDecimal(d, { minScale: minorUnits(currency), trim: true });
}

/** The tiers a component's billable units go through (after included units). */
function tiersOf(component: PriceComponent, billable: number, currency: string): RatedTier[] {
  const step = (from: number, upTo: number | null, quantity: number, unitPrice: string): RatedTier => ({
    from,
    upTo,
    quantity,
    unitPrice,
    amount: exact(tierAmount(quantity, unitPrice), currency),
  });
  if (billable === 0) return [];
  switch (component.model) {
    case 'unit':
      return [step(1, null, billable, component.unitPrice ?? '0')];
    case 'package': {
      const size = component.packageSize ?? 1;
      return [step(1, null, Math.ceil(billable / size), component.unitPrice ?? '0')];
    }
    case 'graduated': {
      const out: RatedTier[] = [];
      let floor = 0;
      for (const tier of component.tiers ?? []) {
        if (floor >= billable) break;
        const top = tier.upTo === null ? billable : Math.min(tier.upTo, billable);
        out.push(step(floor + 1, tier.upTo, top - floor, tier.unitPrice));
        floor = tier.upTo ?? billable;
      }
      return out;
    }
    case 'volume': {
      let floor = 0;
      for (const tier of component.tiers ?? []) {
        if (tier.upTo === null || billable <= tier.upTo) return [step(floor + 1, tier.upTo, billable, tier.unitPrice)];
        floor = tier.upTo;
      }
      return [];
    }
  }
}

function describe(component: PriceComponent, quantity: number, included: number, tiers: RatedTier[]): string {
  const billable = Math.max(0, quantity - included);
  const head = included > 0 ? `${groupDigits(quantity)} − ${groupDigits(Math.min(included, quantity))} included = ${groupDigits(billable)}` : null;
  let body: string;
  if (tiers.length === 0) body = '0 billable';
  else if (component.model === 'package') {
    body = `${groupDigits(billable)} in packages of ${groupDigits(component.packageSize ?? 1)} → ${groupDigits(tiers[0].quantity)} × ${tiers[0].unitPrice}`;
  } else if (component.model === 'volume') {
    const tier = tiers[0];
    body = `${groupDigits(tier.quantity)} × ${tier.unitPrice} (volume tier ${groupDigits(tier.from)}–${tier.upTo === null ? '∞' : groupDigits(tier.upTo)})`;
  } else body = tiers.map((t) => `${groupDigits(t.quantity)} × ${t.unitPrice}`).join(' + ');
  return head ? `${head}: ${body}` : body;
}

/** Rates one component: its line, with the computation in `tiers` and `description`. */
export function rateComponent(component: PriceComponent, quantity: number, currency: string): RatedLine {
  const included = component.includedUnits ?? 0;
  const billable = Math.max(0, quantity - included);
  const tiers = tiersOf(component, billable, currency);
  const amount = formatMoney(sumDecimals(tiers.map((t) => parseDecimal(t.amount))), currency);
  return {
    kind: 'usage',
    class: component.class,
    model: component.model,
    quantity,
    ...(included > 0 ? { includedUnits: included } : {}),
    tiers,
    amount,
    description: describe(component, quantity, included, tiers),
  };
}

/**
 * Prices a period under a plan definition: one usage line per component (in the definition's
 * order, zero lines included so a quote shows every component), then a `minimumTrueUp` line
 * (minimum − subtotal) when the subtotal is under the minimum commitment, or a negative `cap`
 * line (cap − subtotal) when it is over the cap. Included units are free first units: the
 * tiers apply to the units beyond them. Usage of a class the plan does not price is free.
 */
export function ratePeriod(definition: PlanDefinition, quantities: PeriodQuantities): RatedPeriod {
  const currency = definition.currency;
  const lines = definition.components.map((component) => rateComponent(component, quantityOf(quantities, component.class), currency));
  const subtotal = sumDecimals(lines.map((l) => parseDecimal(l.amount)));
  if (definition.minimumCommitment !== undefined) {
    const minimum = roundToCurrency(parseDecimal(definition.minimumCommitment), currency);
    if (compareDecimal(subtotal, minimum) < 0) {
      const amount = formatMoney(subtractDecimal(minimum, subtotal), currency);
      lines.push({
        kind: 'minimumTrueUp',
        class: null,
        quantity: 1,
        tiers: [],
        amount,
        description: `minimum commitment ${formatMoney(minimum, currency)} − usage ${formatMoney(subtotal, currency)} = ${amount}`,
      });
    }
  }
  if (definition.cap !== undefined) {
    const cap = roundToCurrency(parseDecimal(definition.cap), currency);
    if (compareDecimal(subtotal, cap) > 0) {
      const amount = formatMoney(subtractDecimal(cap, subtotal), currency);
      lines.push({ kind: 'cap', class: null, quantity: 1, tiers: [], amount, description: `cap ${formatMoney(cap, currency)} − usage ${formatMoney(subtotal, currency)} = ${amount}` });
    }
  }
  return { currency, lines, subtotal: formatMoney(subtotal, currency), total: sumMoney(lines.map((l) => l.amount), currency) };
}

/**
 * A rated period with more lines (e.g. corrections of a closed period): the subtotal stays
 * the usage of this period, the total becomes the exact sum of every line.
 */
export function withExtraLines(rated: RatedPeriod, extra: readonly RatedLine[]): RatedPeriod {
  const lines = [...rated.lines, ...extra];
  return { ...rated, lines, total: sumMoney(lines.map((l) => l.amount), rated.currency) };
}

/** The difference, after − before, of one part of a rated period. */
export interface RatedDifferencePart {
  kind: 'usage' | 'minimumTrueUp' | 'cap';
  class: string | null;
  quantityBefore: number;
  quantityAfter: number;
  amountBefore: string;
  amountAfter: string;
  /** after − before: positive is owed by the customer (a debit), negative a credit. */
  amount: string;
}

/** How re-rating a period changes what it bills; `total` is the exact sum of the parts' amounts. */
export interface RatedDifference {
  currency: string;
  parts: RatedDifferencePart[];
  total: string;
}

/**
 * What a correction of a closed period is worth: the period rated before and after, line by
 * line (per class, plus any change in the minimum true-up or the cap, so that a credit is not
 * given for usage the minimum commitment still charges). Only parts that change are listed.
 */
export function rateDifference(definition: PlanDefinition, before: PeriodQuantities, after: PeriodQuantities): RatedDifference {
  const currency = definition.currency;
  const a = ratePeriod(definition, before);
  const b = ratePeriod(definition, after);
  const key = (l: RatedLine) => `${l.kind}|${l.class ?? ''}`;
  const keys = [...new Set([...a.lines.map(key), ...b.lines.map(key)])];
  const parts: RatedDifferencePart[] = [];
  for (const k of keys) {
    const x = a.lines.find((l) => key(l) === k);
    const y = b.lines.find((l) => key(l) === k);
    const line = (x ?? y) as RatedLine;
    const amountBefore = x?.amount ?? formatMoney(ZERO, currency);
    const amountAfter = y?.amount ?? formatMoney(ZERO, currency);
    const amount = formatMoney(subtractDecimal(parseDecimal(amountAfter), parseDecimal(amountBefore)), currency);
    const quantityBefore = x && x.kind === 'usage' ? x.quantity : 0;
    const quantityAfter = y && y.kind === 'usage' ? y.quantity : 0;
    if (parseDecimal(amount).coefficient === 0n && quantityBefore === quantityAfter) continue;
    parts.push({ kind: line.kind as RatedDifferencePart['kind'], class: line.class, quantityBefore, quantityAfter, amountBefore, amountAfter, amount });
  }
  return { currency, parts, total: sumMoney(parts.map((p) => p.amount), currency) };
}

/**
 * The correction lines for the next invoice from a difference of a closed period, each linked
 * to the finalized invoice and its period (parts with a zero amount are left out).
 */
export function correctionLines(difference: RatedDifference, origin: { invoiceId: string; invoiceNumber?: string; period: string }): RatedLine[] {
  const label = origin.invoiceNumber ?? origin.invoiceId;
  return difference.parts
    .filter((p) => parseDecimal(p.amount).coefficient !== 0n)
    .map((p) => ({
      kind: 'correction' as const,
      class: p.class,
      quantity: p.quantityAfter - p.quantityBefore,
      tiers: [],
      amount: p.amount,
      invoiceId: origin.invoiceId,
      period: origin.period,
      description:
        p.kind === 'usage'
          ? `correction of ${p.class ?? ''} on invoice ${label} (${origin.period}): ${groupDigits(p.quantityBefore)} → ${groupDigits(p.quantityAfter)} units, ${p.amountBefore} → ${p.amountAfter}`
          : `correction of the ${p.kind === 'cap' ? 'cap' : 'minimum commitment true-up'} on invoice ${label} (${origin.period}): ${p.amountBefore} → ${p.amountAfter}`,
    }));
}
