/**
 * Exact decimal arithmetic on BigInt: money and prices never touch a JS float. A value is
 * `coefficient × 10^-scale`. Only what rating needs: parse, format, add, subtract, multiply,
 * compare (rounding lives in round.ts).
 */
export interface Decimal {
  readonly coefficient: bigint;
  readonly scale: number;
}

/** Fractional digits a decimal string may carry (prices are limited further, to 6, by the plan schema). */
export const MAX_DECIMAL_SCALE = 10;

const DECIMAL_STRING = /^-?(0|[1-9]\d*)(\.\d+)?$/;

/** Why a string is not a decimal we accept, or null when it is. */
export function decimalStringProblem(value: string, maxScale = MAX_DECIMAL_SCALE): string | null {
  if (!DECIMAL_STRING.test(value)) return 'must be a decimal string like "12.34" (digits, an optional leading "-", no exponent, no leading zeros)';
  const dot = value.indexOf('.');
  if (dot >= 0 && value.length - dot - 1 > maxScale) return `must have at most ${maxScale} fractional digits`;
  return null;
}

/** Parses "12.34", "-0.5", "100". Refuses exponents, "+", whitespace, "1.", ".5" and more than 10 fractional digits. */
export function parseDecimal(value: string): Decimal {
  const problem = decimalStringProblem(value);
  if (problem) throw new RangeError(`invalid decimal: ${problem}`);
  const negative = value.startsWith('-');
  const digits = negative ? value.slice(1) : value;
  const dot = digits.indexOf('.');
  const whole = dot < 0 ? digits : digits.slice(0, dot);
  const fraction = dot < 0 ? '' : digits.slice(dot + 1);
  const coefficient = BigInt(whole + fraction);
  return { coefficient: negative ? -coefficient : coefficient, scale: fraction.length };
}

/** An integer (a unit count) as a decimal; refuses non-integers so a float can never sneak in. */
export function decimalFromInteger(value: number | bigint): Decimal {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${value}`);
  return { coefficient: BigInt(value), scale: 0 };
}

export const ZERO: Decimal = Object.freeze({ coefficient: 0n, scale: 0 });

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** The same value at a larger scale (never loses digits). */
export function rescale(d: Decimal, scale: number): Decimal {
  if (scale < d.scale) throw new RangeError('rescale would lose digits; round instead');
  return { coefficient: d.coefficient * pow10(scale - d.scale), scale };
}

export function addDecimal(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale);
  return { coefficient: rescale(a, scale).coefficient + rescale(b, scale).coefficient, scale };
}

export function negateDecimal(a: Decimal): Decimal {
  return { coefficient: -a.coefficient, scale: a.scale };
}

export function subtractDecimal(a: Decimal, b: Decimal): Decimal {
  return addDecimal(a, negateDecimal(b));
}

export function multiplyDecimal(a: Decimal, b: Decimal): Decimal {
  return { coefficient: a.coefficient * b.coefficient, scale: a.scale + b.scale };
}

/** The exact sum (zero for none). */
export function sumDecimals(values: Iterable<Decimal>): Decimal {
  let total = ZERO;
  for (const v of values) total = addDecimal(total, v);
  return total;
}

/** -1, 0 or 1. */
export function compareDecimal(a: Decimal, b: Decimal): -1 | 0 | 1 {
  const scale = Math.max(a.scale, b.scale);
  const x = rescale(a, scale).coefficient;
  const y = rescale(b, scale).coefficient;
  return x < y ? -1 : x > y ? 1 : 0;
}

export function isZeroDecimal(a: Decimal): boolean {
  return a.coefficient === 0n;
}

export function isNegativeDecimal(a: Decimal): boolean {
  return a.coefficient < 0n;
}

/**
 * The decimal string of `d`. `minScale` pads to at least that many fractional digits; with
 * `trim`, trailing zeros beyond `minScale` are dropped (exact values stay exact: "1.6317",
 * "100.00"). Never rounds.
 */
export function formatDecimal(d: Decimal, options: { minScale?: number; trim?: boolean } = {}): string {
  const minScale = options.minScale ?? 0;
  let { coefficient, scale } = d;
  if (options.trim) {
    while (scale > minScale && coefficient % 10n === 0n) {
      coefficient /= 10n;
      scale -= 1;
    }
  }
  if (scale < minScale) {
    coefficient *= pow10(minScale - scale);
    scale = minScale;
  }
  const negative = coefficient < 0n;
  const digits = (negative ? -coefficient : coefficient).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  return `${negative ? '-' : ''}${whole}${scale > 0 ? `.${fraction}` : ''}`;
}
