/**
 * Money in the console: the API sends amounts as decimal strings and they stay strings. The
 * console adds nothing up; formatting hands the string itself to Intl.NumberFormat, which
 * formats a decimal string exactly (never through a JavaScript float). The one comparison it
 * makes, a percent change, is computed on exact integers.
 */

const DECIMAL = /^-?\d+(\.\d+)?$/;

const fractionDigits = (amount: string): number => amount.split('.')[1]?.length ?? 0;

/** The currency's minor-unit digits as Intl knows them (USD 2, JPY 0, KWD 3). */
export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/**
 * "$1,234.50" for ("1234.5", "USD"). A line amount is already rounded to the minor unit;
 * a tier's unit price or exact amount may carry more digits and shows all of them.
 */
export function formatMoney(amount: string, currency: string): string {
  if (!DECIMAL.test(amount)) return amount;
  const minor = minorDigits(currency);
  const digits = Math.min(20, Math.max(minor, fractionDigits(amount)));
  try {
    // Intl formats a numeric string exactly (ES2023 Intl.NumberFormat v3): no float in between.
    return new Intl.NumberFormat(undefined, { style: 'currency', currency, minimumFractionDigits: minor, maximumFractionDigits: digits }).format(
      amount as unknown as number,
    );
  } catch {
    return `${amount} ${currency}`;
  }
}

/** A decimal string as an integer count of 10^-scale units ("4.5" at scale 2 → 450n). */
function scaled(amount: string, scale: number): bigint {
  const negative = amount.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? amount.slice(1) : amount).split('.');
  const units = BigInt(whole + fraction.padEnd(scale, '0'));
  return negative ? -units : units;
}

/**
 * The change from `before` to `now` in whole percent, rounded half away from zero ("499.00" from
 * "380.00" → 31), computed on exact integers; null when either is not a decimal string or
 * `before` is zero (no ratio to show).
 */
export function percentChange(now: string, before: string): number | null {
  if (!DECIMAL.test(now) || !DECIMAL.test(before)) return null;
  const scale = Math.max(fractionDigits(now), fractionDigits(before));
  const b = scaled(before, scale);
  if (b === 0n) return null;
  const numerator = (scaled(now, scale) - b) * 100n;
  const absNum = numerator < 0n ? -numerator : numerator;
  const absDen = b < 0n ? -b : b;
  const rounded = (2n * absNum + absDen) / (2n * absDen);
  return Number((numerator < 0n) !== (b < 0n) ? -rounded : rounded);
}
