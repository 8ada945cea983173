/**
 * `npm run api:schemas` (also the last step of `npm run build`): writes the api's GraphQL SDL
 * (apps/api/schema.gql), its OpenAPI document (apps/console/src/api/openapi.json) and the
 * TypeScript types of that document (openapi.d.ts, openapi-typescript) that the console's
 * typed clients are generated from. Needs no database or Redis: the routes are read in
 * Nest's preview mode. `--check` writes nothing and exits 1 when a committed file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { renderApiSchemas, SCHEMA_FILES } from '../apps/api/src/api-schemas';

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { check: { type: 'boolean', default: false } } });
  const rendered = await renderApiSchemas();
  const stale: string[] = [];
  for (const [name, path] of Object.entries(SCHEMA_FILES) as [keyof typeof SCHEMA_FILES, string][]) {
    const file = resolve(path);
    let current: string | null = null;
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      current = null;
    }
    if (current === rendered[name]) continue;
    if (values.check) stale.push(path);
    else writeFileSync(file, rendered[name]);
  }
  if (stale.length > 0) {
    console.error(`stale API schema files (run npm run api:schemas): ${stale.join(', ')}`);
    return 1;
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`api:schemas failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(2);
  },
);
