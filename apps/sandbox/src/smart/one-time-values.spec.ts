import { OneTimeValues } from './one-time-values';

describe('OneTimeValues', () => {
  let nowMs = 1_000_000;
  const values = new OneTimeValues<{ n: number }>(() => nowMs);

  it('issues 256-bit URL-safe values that redeem once', () => {
    const secret = values.issue({ n: 1 }, 60_000);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(values.peek(secret)).toEqual({ status: 'valid', value: { n: 1 } });
    expect(values.redeem(secret)).toEqual({ status: 'valid', value: { n: 1 } });
    expect(values.redeem(secret)).toEqual({ status: 'spent', value: { n: 1 } });
    expect(values.peek('never-issued')).toEqual({ status: 'unknown' });
  });

  it('expires values at their lifetime', () => {
    const secret = values.issue({ n: 2 }, 60_000);
    nowMs += 59_999;
    expect(values.peek(secret).status).toBe('valid');
    nowMs += 1;
    expect(values.redeem(secret).status).toBe('expired');
  });

  it('forgets values, one or by predicate', () => {
    const a = values.issue({ n: 3 }, 60_000);
    const b = values.issue({ n: 4 }, 60_000);
    values.forget(a);
    values.forgetWhere((v) => v.n === 4);
    expect(values.peek(a).status).toBe('unknown');
    expect(values.peek(b).status).toBe('unknown');
  });

  it('sweeps expired values as it issues, so the map stays bounded', () => {
    const fresh = new OneTimeValues<number>(() => nowMs);
    for (let i = 0; i < 150; i++) fresh.issue(i, 1_000);
    nowMs += 1_000;
    for (let i = 0; i < 100; i++) fresh.issue(i, 1_000);
    expect(fresh.size).toBeLessThanOrEqual(100);
  });
});
