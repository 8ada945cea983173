import { amountValue, formatRatio, includedPercentValue, minimumElapsedForProjectionMs, projectedSpendValue, reached, sumAmounts, unitsValue } from './alert-values';

const DAY = 86_400_000;

describe('alert values', () => {
  it('units reach a threshold at equality, not one below', () => {
    expect(reached(unitsValue(1000), '1000')).toBe(true);
    expect(reached(unitsValue(999), '1000')).toBe(false);
    expect(reached(unitsValue(1001), '1000')).toBe(true);
  });

  it('refuses a value that is not a decimal string', () => {
    for (const bad of ['', '1e3', ' 1', '1.', '.5', '1,5', 'NaN']) expect(() => amountValue(bad)).toThrow();
  });

  it('amounts compare exactly whatever their decimals', () => {
    expect(reached(amountValue('250.50'), '250.5')).toBe(true);
    expect(reached(amountValue('250.49'), '250.5')).toBe(false);
    expect(reached(amountValue('-5.00'), '1')).toBe(false);
  });

  it('included percent: 800 of 1000 included units is 80.00 %, 799 is below 80; 1 of 3 shows 33.33', () => {
    expect(includedPercentValue(800, 1000).display).toBe('80.00');
    expect(reached(includedPercentValue(800, 1000), '80')).toBe(true);
    expect(reached(includedPercentValue(799, 1000), '80')).toBe(false);
    expect(includedPercentValue(1, 3).display).toBe('33.33');
    // 2/3 = 66.666…%: below 66.6667, above 66.6666 — compared before rounding.
    expect(reached(includedPercentValue(2, 3), '66.6667')).toBe(false);
    expect(reached(includedPercentValue(2, 3), '66.6666')).toBe(true);
    expect(() => includedPercentValue(1, 0)).toThrow();
  });

  it('projected spend: $100 after 10 of 30 days projects $300.00', () => {
    const v = projectedSpendValue('100.00', 10 * DAY, 30 * DAY);
    expect(v.display).toBe('300.00');
    expect(reached(v, '300')).toBe(true);
    expect(reached(v, '300.01')).toBe(false);
    // ¥1,000 after 7 of 31 days: 4428.571… → 4429 (JPY has no minor unit).
    expect(projectedSpendValue('1000', 7 * DAY, 31 * DAY).display).toBe('4429');
  });

  it('rounds half-even when showing a ratio', () => {
    expect(formatRatio(5n, 2n, 0)).toBe('2');
    expect(formatRatio(7n, 2n, 0)).toBe('4');
    expect(formatRatio(-7n, 2n, 0)).toBe('-4');
    expect(formatRatio(1n, 8n, 2)).toBe('0.12');
    expect(formatRatio(3n, 8n, 2)).toBe('0.38');
    expect(formatRatio(1n, 200n, 2)).toBe('0.00');
  });

  it('sums amounts exactly at the largest scale', () => {
    expect(sumAmounts(['0.10', '0.2', '1'])).toBe('1.30');
    expect(sumAmounts(['10.005', '-0.005'])).toBe('10.000');
    expect(sumAmounts([])).toBe('0');
  });

  it('waits a day before projecting, or half of a shorter period', () => {
    expect(minimumElapsedForProjectionMs(30 * DAY)).toBe(DAY);
    expect(minimumElapsedForProjectionMs(DAY)).toBe(DAY / 2);
  });
});
