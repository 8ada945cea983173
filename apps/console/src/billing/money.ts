/**
 * Money in the console: the API sends amounts as decimal strings and they stay strings.
 * Formatting hands the string itself to Intl.NumberFormat (which formats a decimal string
 * exactly), and the only arithmetic — a difference of two amounts — is done on scaled
 * BigInts, never on JavaScript floats.
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

interface Scaled {
  value: bigint;
  scale: number;
}

const scaled = (amount: string): Scaled => {
  const negative = amount.startsWith('-');
  const [int = '0', frac = ''] = amount.replace(/^-/, '').split('.');
  const value = BigInt(int + frac);
  return { value: negative ? -value : value, scale: frac.length };
};

const toScale = (s: Scaled, scale: number): bigint => s.value * 10n ** BigInt(scale - s.scale);

const fromScaled = (value: bigint, scale: number): string => {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
};

/** `a − b` as an exact decimal string ("12.50" − "2.5" = "10.00"). */
export function subtractAmounts(a: string, b: string): string {
  if (!DECIMAL.test(a) || !DECIMAL.test(b)) throw new Error('not a decimal amount');
  const x = scaled(a);
  const y = scaled(b);
  const scale = Math.max(x.scale, y.scale);
  return fromScaled(toScale(x, scale) - toScale(y, scale), scale);
}

/** −1, 0 or 1 as `a` is less than, equal to or greater than `b`. */
export function compareAmounts(a: string, b: string): -1 | 0 | 1 {
  const d = scaled(subtractAmounts(a, b)).value;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/**
 * How much bigger `a` is than `b`, in whole percent, for a label ("+12%"); null when `b` is zero.
 * A display ratio, not an amount: it is computed on scaled integers and rounded half away from zero.
 */
export function percentChange(a: string, b: string): number | null {
  const x = scaled(a);
  const y = scaled(b);
  const scale = Math.max(x.scale, y.scale);
  const base = toScale(y, scale);
  if (base === 0n) return null;
  const diff = toScale(x, scale) - base;
  const hundredths = (diff * 10_000n) / (base < 0n ? -base : base); // percent × 100
  const sign = hundredths < 0n ? -1n : 1n;
  return Number((hundredths + sign * 50n) / 100n);
}
