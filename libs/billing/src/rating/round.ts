import { minorUnits } from './currencies';
import { formatDecimal, parseDecimal, rescale, sumDecimals, type Decimal } from './decimal';

/**
 * Rounds half to even ("banker's rounding") to `scale` fractional digits: the rule finance
 * uses so that rounding many lines does not drift one way (0.125 → 0.12, 0.135 → 0.14).
 */
export function roundHalfEven(d: Decimal, scale: number): Decimal {
  if (d.scale <= scale) return rescale(d, scale);
  const divisor = 10n ** BigInt(d.scale - scale);
  const negative = d.coefficient < 0n;
  const magnitude = negative ? -d.coefficient : d.coefficient;
  let quotient = magnitude / divisor;
  const remainder = magnitude % divisor;
  const twice = remainder * 2n;
  if (twice > divisor || (twice === divisor && quotient % 2n === 1n)) quotient += 1n;
  return { coefficient: negative ? -quotient : quotient, scale };
}

/** Rounds half-even to the currency's minor unit (USD 2, JPY 0, KWD 3). */
export function roundToCurrency(d: Decimal, currency: string): Decimal {
  return roundHalfEven(d, minorUnits(currency));
}

/** An amount as the currency shows it: rounded half-even, exactly its minor-unit digits ("600.00", "1500", "0.125"). */
export function formatMoney(d: Decimal, currency: string): string {
  return formatDecimal(roundToCurrency(d, currency), { minScale: minorUnits(currency) });
}

/** The exact sum of money strings, in the currency's format (for totals of already-rounded lines). */
export function sumMoney(amounts: Iterable<string>, currency: string): string {
  const values: Decimal[] = [];
  for (const a of amounts) values.push(parseDecimal(a));
  return formatMoney(sumDecimals(values), currency);
}
