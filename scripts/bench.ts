/**
 * `npm run bench -- <name>`: runs `test/bench/<name>.bench.ts` (compiled) and prints
 * its JSON summary as the last line of output, for scripts and CI to pick up.
 * Without a name, or with an unknown one, lists the benchmarks there are.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const BENCH_DIR = join(__dirname, '..', 'test', 'bench');
const SUFFIX = '.bench.js';

interface BenchModule {
  run?: () => Promise<unknown>;
}

const available = (): string[] =>
  existsSync(BENCH_DIR)
    ? readdirSync(BENCH_DIR)
        .filter((f) => f.endsWith(SUFFIX))
        .map((f) => f.slice(0, -SUFFIX.length))
        .sort()
    : [];

async function main(): Promise<number> {
  const name = process.argv[2];
  const benches = available();
  if (name === undefined || !benches.includes(name)) {
    if (name !== undefined) console.error(`unknown bench "${name}"`);
    console.log(`usage: npm run bench -- <name>\nbenches: ${benches.length > 0 ? benches.join(', ') : '(none built)'}`);
    return name === undefined ? 0 : 1;
  }
  // Loaded by path: which benches exist is only known at run time.
  const bench = createRequire(__filename)(join(BENCH_DIR, `${name}${SUFFIX}`)) as BenchModule;
  if (typeof bench.run !== 'function') {
    console.error(`${name}${SUFFIX} exports no run()`);
    return 1;
  }
  const summary = await bench.run();
  console.log(JSON.stringify(summary));
  return 0;
}

main().then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (e: unknown) => {
    console.error(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
