import { describe, expect, it } from 'vitest';
import { percentChange } from './money';

describe('percentChange', () => {
  it('rounds the exact ratio of two decimal strings half away from zero', () => {
    expect(percentChange('499.00', '380.00')).toBe(31); // 31.31…
    expect(percentChange('0.30', '0.20')).toBe(50); // 0.1 + 0.2 style amounts stay exact
    expect(percentChange('1.005', '1')).toBe(1); // 0.5 % rounds away from zero
    expect(percentChange('0.995', '1')).toBe(-1);
    expect(percentChange('410', '410.00')).toBe(0);
    expect(percentChange('12345678901234567890.01', '12345678901234567890.00')).toBe(0);
  });

  it('has no ratio against zero or a non-decimal', () => {
    expect(percentChange('5.00', '0.00')).toBeNull();
    expect(percentChange('5.00', 'n/a')).toBeNull();
  });
});
