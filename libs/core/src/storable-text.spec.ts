import { holdsUnstorableText, unstorableString } from './storable-text';

describe('storable text', () => {
  it('finds U+0000 and lone surrogates, and lets paired surrogates through', () => {
    expect(unstorableString('plain')).toBe(false);
    expect(unstorableString('emoji 😀')).toBe(false);
    expect(unstorableString('a\u0000b')).toBe(true);
    expect(unstorableString('high \uD83D alone')).toBe(true);
    expect(unstorableString('low \uDE00 alone')).toBe(true);
    expect(unstorableString('ends high \uD83D')).toBe(true);
  });

  it('walks values of any depth, keys included', () => {
    let deep: unknown = 'ok';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(holdsUnstorableText(deep)).toBe(false);
    expect(holdsUnstorableText({ a: [{ b: [null, 1, true, 'x\u0000'] }] })).toBe(true);
    expect(holdsUnstorableText({ ['k\uDC00']: 1 })).toBe(true);
    expect(holdsUnstorableText([undefined, null, 'fine'])).toBe(false);
  });
});
