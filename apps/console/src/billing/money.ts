/**
 * Money in the console: the API sends amounts as decimal strings and they stay strings. The
 * console does no arithmetic on them; formatting hands the string itself to Intl.NumberFormat,
 * which formats a decimal string exactly (never through a JavaScript float).
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
