import { CURRENCIES, isCurrency, minorUnits } from './currencies';
import { addDecimal, compareDecimal, formatDecimal, multiplyDecimal, parseDecimal, subtractDecimal, sumDecimals, decimalFromInteger } from './decimal';
import { formatMoney, roundHalfEven, sumMoney } from './round';

const d = parseDecimal;
const f = (x: ReturnType<typeof parseDecimal>) => formatDecimal(x, { trim: true });

describe('decimal', () => {
  it.each([
    ['0', 0n, 0],
    ['12.34', 1234n, 2],
    ['-0.5', -5n, 1],
    ['100', 100n, 0],
    ['0.0000000001', 1n, 10],
  ])('parses %s', (s, coefficient, scale) => expect(d(s)).toEqual({ coefficient, scale }));

  it.each(['', '1e3', '1E-2', '+1', '--1', '1.', '.5', ' 1', '1 ', '1,5', '0x10', 'NaN', 'Infinity', '01', '1.00000000001', '1-', '- 1'])('refuses %j', (s) => {
    expect(() => d(s)).toThrow(RangeError);
  });

  it('adds, subtracts, multiplies and compares exactly', () => {
    expect(f(addDecimal(d('0.1'), d('0.2')))).toBe('0.3'); // never 0.30000000000000004
    expect(f(subtractDecimal(d('1'), d('0.0001')))).toBe('0.9999');
    expect(f(multiplyDecimal(d('100000'), d('0.0049')))).toBe('490');
    expect(f(multiplyDecimal(d('-2.5'), d('0.4')))).toBe('-1');
    expect(f(sumDecimals([d('1.005'), d('2.995'), d('-4')]))).toBe('0');
    expect(compareDecimal(d('0.10'), d('0.1'))).toBe(0);
    expect(compareDecimal(d('-0.01'), d('0'))).toBe(-1);
    expect(compareDecimal(d('10'), d('9.999999'))).toBe(1);
    expect(f(multiplyDecimal(decimalFromInteger(9_007_199_254_740_991), d('0.000001')))).toBe('9007199254.740991');
    expect(() => decimalFromInteger(1.5)).toThrow(RangeError);
  });

  it('formats with a minimum scale, trimming only beyond it', () => {
    expect(formatDecimal(d('100.0000'), { minScale: 2, trim: true })).toBe('100.00');
    expect(formatDecimal(d('1.6317'), { minScale: 2, trim: true })).toBe('1.6317');
    expect(formatDecimal(d('5'), { minScale: 3 })).toBe('5.000');
    expect(formatDecimal(d('-0.05'), { minScale: 2 })).toBe('-0.05');
    expect(formatDecimal(d('0.5'), { minScale: 0, trim: true })).toBe('0.5');
  });
});

describe('rounding half-even', () => {
  it.each([
    ['0.125', 2, '0.12'],
    ['0.135', 2, '0.14'],
    ['0.1251', 2, '0.13'],
    ['0.124999', 2, '0.12'],
    ['-0.125', 2, '-0.12'],
    ['-0.135', 2, '-0.14'],
    ['2.5', 0, '2'],
    ['3.5', 0, '4'],
    ['0.0005', 3, '0.000'],
    ['0.0015', 3, '0.002'],
    ['7', 2, '7.00'],
  ])('%s to %d digits → %s', (value, scale, expected) => {
    expect(formatDecimal(roundHalfEven(d(value), scale), { minScale: scale })).toBe(expected);
  });

  it.each([
    ['USD', '0.125', '0.12'],
    ['USD', '0.135', '0.14'],
    ['JPY', '1500.5', '1500'],
    ['JPY', '1501.5', '1502'],
    ['KRW', '99.49', '99'],
    ['KWD', '1.2345', '1.234'],
    ['KWD', '1.2355', '1.236'],
    ['BHD', '10', '10.000'],
  ])('%s %s → %s', (currency, value, expected) => expect(formatMoney(d(value), currency)).toBe(expected));

  it('sums money exactly', () => expect(sumMoney(['0.10', '0.20', '-0.05'], 'USD')).toBe('0.25'));
});

describe('currencies', () => {
  it('knows the minor units of ISO 4217', () => {
    const expected: Record<string, number> = { USD: 2, EUR: 2, GBP: 2, CAD: 2, AUD: 2, CHF: 2, INR: 2, JPY: 0, KRW: 0, KWD: 3, BHD: 3, JOD: 3, OMR: 3, TND: 3, NZD: 2, SEK: 2, NOK: 2, DKK: 2, MXN: 2, BRL: 2, ZAR: 2, SGD: 2, HKD: 2, CNY: 2 };
    for (const [code, digits] of Object.entries(expected)) expect([code, minorUnits(code)]).toEqual([code, digits]);
  });
  it('refuses unknown codes', () => {
    for (const code of ['usd', 'XXX', 'BTC', '', 'US']) expect(isCurrency(code)).toBe(false);
    expect(() => minorUnits('BTC')).toThrow(RangeError);
    expect(CURRENCIES).toContain('USD');
  });
});
