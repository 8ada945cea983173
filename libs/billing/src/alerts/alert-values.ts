/**
 * The arithmetic of usage alerts, exact: decimal strings become scaled BigInts (the rating
 * module's decimals, never a JS float), and "value ≥ threshold" is decided by cross-multiplying,
 * so a ratio such as a percentage or a projection is compared before any rounding. Pure.
 */
import { formatDecimal, parseDecimal, sumDecimals } from '../rating/decimal';

/** What a usage alert rule measures over the current billing period. */
export const USAGE_ALERT_METRICS = ['units', 'amount', 'includedPercent', 'projectedSpend'] as const;
export type UsageAlertMetricName = (typeof USAGE_ALERT_METRICS)[number];

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** -1, 0 or 1 as a/b compares with c/d (b, d > 0). */
function compareFractions(a: bigint, b: bigint, c: bigint, d: bigint): number {
  const left = a * d;
  const right = c * b;
  return left === right ? 0 : left < right ? -1 : 1;
}

/** Formats `numerator / denominator` (denominator > 0) with `scale` fraction digits, rounded half-even. */
export function formatRatio(numerator: bigint, denominator: bigint, scale: number): string {
  const scaled = numerator * pow10(scale);
  let q = scaled / denominator;
  const r = scaled % denominator;
  // BigInt division truncates toward zero; round the remainder half-even, away from zero past the half.
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice > denominator || (twice === denominator && q % 2n !== 0n)) q += scaled < 0n ? -1n : 1n;
  const negative = q < 0n;
  const abs = (negative ? -q : q).toString().padStart(scale + 1, '0');
  const body = scale === 0 ? abs : `${abs.slice(0, -scale)}.${abs.slice(-scale)}`;
  return negative ? `-${body}` : body;
}

/** A measured value as an exact fraction, and how to show it. */
export interface AlertValue {
  numerator: bigint;
  denominator: bigint;
  /** The value as the event shows it (rounded half-even where it is a ratio). */
  display: string;
}

/** Whether the value has reached the threshold (a decimal string): value ≥ threshold, exactly. */
export function reached(value: AlertValue, threshold: string): boolean {
  const t = parseDecimal(threshold);
  return compareFractions(value.numerator, value.denominator, t.coefficient, pow10(t.scale)) >= 0;
}

/** A whole number of units. */
export const unitsValue = (units: number): AlertValue => ({ numerator: BigInt(units), denominator: 1n, display: String(units) });

/** A money amount as the preview states it (a decimal string). */
export function amountValue(amount: string): AlertValue {
  const d = parseDecimal(amount);
  return { numerator: d.coefficient, denominator: pow10(d.scale), display: amount };
}

/** billable units / included units × 100, shown with 2 decimals. */
export function includedPercentValue(units: number, includedUnits: number): AlertValue {
  if (includedUnits <= 0) throw new Error('included units must be positive');
  const numerator = BigInt(units) * 100n;
  const denominator = BigInt(includedUnits);
  return { numerator, denominator, display: formatRatio(numerator, denominator, 2) };
}

/**
 * The spend to date extrapolated over the whole period: amount ÷ elapsed fraction, i.e.
 * amount × periodMs ÷ elapsedMs; shown with the amount's own decimals (its currency's minor unit).
 */
export function projectedSpendValue(amount: string, elapsedMs: number, periodMs: number): AlertValue {
  if (elapsedMs <= 0 || periodMs <= 0) throw new Error('elapsed and period must be positive');
  const d = parseDecimal(amount);
  const numerator = d.coefficient * BigInt(Math.round(periodMs));
  const denominator = pow10(d.scale) * BigInt(Math.round(elapsedMs));
  return { numerator, denominator, display: formatRatio(numerator, denominator, d.scale) };
}

/** Sums amount strings exactly (a class's lines); the result keeps the largest scale among them. */
export const sumAmounts = (values: readonly string[]): string => formatDecimal(sumDecimals(values.map(parseDecimal)));

/**
 * A projection this early says little (one call in the first minute would "project" a
 * fortune): projected spend is evaluated once a day of the period has passed, or half of a
 * period shorter than two days.
 */
export const minimumElapsedForProjectionMs = (periodMs: number): number => Math.min(86_400_000, periodMs / 2);
