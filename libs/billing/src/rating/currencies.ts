/**
 * ISO 4217 currencies a plan may be priced in, with their minor units (the digits an invoice
 * line is rounded to: USD 2, JPY 0, KWD 3). A short explicit list rather than Intl, whose
 * `maximumFractionDigits` differs from ISO 4217 for some codes across ICU versions.
 */
const MINOR_UNITS = {
  USD: 2,
  EUR: 2,
  GBP: 2,
  CAD: 2,
  AUD: 2,
  NZD: 2,
  CHF: 2,
  INR: 2,
  SEK: 2,
  NOK: 2,
  DKK: 2,
  PLN: 2,
  CZK: 2,
  HUF: 2,
  MXN: 2,
  BRL: 2,
  ARS: 2,
  COP: 2,
  ZAR: 2,
  SGD: 2,
  HKD: 2,
  CNY: 2,
  TWD: 2,
  THB: 2,
  PHP: 2,
  MYR: 2,
  IDR: 2,
  ILS: 2,
  AED: 2,
  SAR: 2,
  QAR: 2,
  TRY: 2,
  EGP: 2,
  NGN: 2,
  KES: 2,
  JPY: 0,
  KRW: 0,
  CLP: 0,
  ISK: 0,
  VND: 0,
  UGX: 0,
  KWD: 3,
  BHD: 3,
  JOD: 3,
  OMR: 3,
  TND: 3,
  IQD: 3,
  LYD: 3,
} as const satisfies Record<string, number>;

/** A currency code this gateway can price in. */
export type CurrencyCode = keyof typeof MINOR_UNITS;

/** Every supported code, sorted (for schemas and the console's picker). */
export const CURRENCIES = Object.freeze(Object.keys(MINOR_UNITS).sort()) as readonly CurrencyCode[];

/** Whether `code` is a supported ISO 4217 code (upper case, exactly). */
export function isCurrency(code: string): code is CurrencyCode {
  return Object.prototype.hasOwnProperty.call(MINOR_UNITS, code);
}

/** The currency's minor units (decimal digits of its smallest unit); throws on an unknown code. */
export function minorUnits(code: string): number {
  if (!isCurrency(code)) throw new RangeError(`unknown currency: ${code}`);
  return MINOR_UNITS[code];
}
