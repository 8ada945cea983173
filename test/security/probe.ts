/**
 * One probe = one Jest test named `[category] what it checks`. A probe listed in KNOWN_GAPS runs
 * too, and passes only while the gap is still there: once the api is fixed it fails, asking for
 * the entry to be removed. The summary reporter counts probes and gaps from these names.
 */
import { KNOWN_GAPS } from './known-gaps';

const used = new Set<string>();

export const probeName = (category: string, what: string): string => `[${category}] ${what}`;

/** Registers a probe (a Jest test) under `category`. */
export function probe(category: string, what: string, run: () => Promise<void>, timeoutMs?: number): void {
  const name = probeName(category, what);
  const gap = KNOWN_GAPS[name];
  if (gap === undefined) {
    it(name, run, timeoutMs);
    return;
  }
  used.add(name);
  it(
    `[${category}] [known gap] ${what}`,
    async () => {
      let fixed = false;
      try {
        await run();
        fixed = true;
      } catch (e) {
        // The gap is still there only if an expectation failed; a crash of the probe itself is not the gap.
        if (!(e instanceof Error && 'matcherResult' in e)) throw e;
      }
      if (fixed) throw new Error(`Fixed: "${name}" now passes; remove it from KNOWN_GAPS (test/security/known-gaps.ts)`);
    },
    timeoutMs,
  );
}

/** Fails when KNOWN_GAPS lists a probe of these categories that this suite no longer registers. */
export function expectNoStaleGaps(categories: readonly string[]): void {
  it(probeName('catalog', `KNOWN_GAPS entries of ${categories.join(', ')} name registered probes`), () => {
    const stale = Object.keys(KNOWN_GAPS).filter((name) => categories.some((c) => name.startsWith(`[${c}] `)) && !used.has(name));
    expect(stale).toEqual([]);
  });
}
