/**
 * A small seeded PRNG (mulberry32) and the generators the fuzz cases draw from, so a
 * failing run is replayed exactly from the seed it printed (`FUZZ_SEED=<n>`).
 */

/** What every generator draws from: one seeded stream per category. */
export interface Random {
  /** A float in [0, 1). */
  next: () => number;
  /** An integer in [0, n). */
  int: (n: number) => number;
  /** An integer in [min, max] (both inclusive). */
  between: (min: number, max: number) => number;
  /** True with probability `p`. */
  chance: (p: number) => boolean;
  pick: <T>(items: readonly T[]) => T;
  /** `n` random bytes, none of them in `except`. */
  bytes: (n: number, except?: readonly number[]) => Buffer;
  /** A string of `n` characters drawn from `alphabet`. */
  string: (n: number, alphabet?: string) => string;
}

/** mulberry32 (Tommy Ettinger's 32-bit generator): fast, tiny, good enough to fuzz with. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function seeded(seed: number): Random {
  const next = mulberry32(seed);
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    between: (min, max) => min + int(max - min + 1),
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => items[int(items.length)]!,
    bytes: (n, except = []) => {
      const out = Buffer.alloc(n);
      for (let i = 0; i < n; i++) {
        let b = int(256);
        while (except.includes(b)) b = int(256);
        out[i] = b;
      }
      return out;
    },
    string: (n, alphabet = ALPHANUMERIC) => {
      let s = '';
      for (let i = 0; i < n; i++) s += alphabet[int(alphabet.length)];
      return s;
    },
  };
}

/** The run's seed: `FUZZ_SEED` when given (a replay), else a fresh one. */
export function runSeed(fromEnv: string | undefined): number {
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    const seed = Number(fromEnv);
    if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`FUZZ_SEED must be a non-negative integer, got ${JSON.stringify(fromEnv)}`);
    return seed >>> 0;
  }
  return (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) >>> 0;
}

/** Each category draws from its own stream, so adding cases to one does not reshuffle the others. */
export const categorySeed = (seed: number, category: string): number => {
  let h = seed >>> 0;
  for (const c of category) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
};

/** Characters that break naive handling: controls, NUL, a lone surrogate, bidi and zero-width marks, quotes. */
export const NASTY_CHARACTERS = ['\u0000', '\u0001', '\u0007', '\b', '\u001b', '\u007f', '\r', '\n', '\t', '\u2028', '\u202e', '\u200b', '\ufeff', '\ud800', '"', '\\', '<', '%00', '\u00ff'];

/** A string of `n` characters, each a nasty one with probability `p`, else alphanumeric. */
export function nastyString(random: Random, n: number, p = 0.3): string {
  let s = '';
  for (let i = 0; i < n; i++) s += random.chance(p) ? random.pick(NASTY_CHARACTERS) : random.string(1);
  return s;
}

/** Whether a string holds what Postgres cannot store: NUL (text and jsonb) or a lone surrogate (jsonb). */
export function holdsUnstorable(s: string): { nul: boolean; loneSurrogate: boolean } {
  return { nul: s.includes('\u0000'), loneSurrogate: /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s) };
}
