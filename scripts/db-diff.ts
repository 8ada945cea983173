// `npm run db:diff -- <name>` writes prisma/migrations/<stamp>_<name>/migration.sql with
// the SQL that takes the migrations to schema.prisma. `npm run db:diff -- --check` only
// reports drift (exit 1), for CI and the drift test. The migrations are replayed on a
// throwaway shadow database on the configured server.
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@sb/config';
import { oneLineError } from '../libs/db/src/migrate/cli-output';
import { writeMigration } from '../libs/db/src/migrate/migrations-dir';
import { diffSql } from '../libs/db/src/migrate/schema-engine';

const EXIT_DRIFT = 1;
// Distinct from drift so a broken check is never mistaken for a detected one.
const EXIT_ERROR = 2;

const USAGE = `usage: npm run db:diff -- <name> | --check [--schema <schema.prisma>] [--migrations <dir>]
  <name>     write the pending SQL as prisma/migrations/<yyyymmddHHMMSS>_<name>/migration.sql
  --check    print the pending SQL and exit ${EXIT_DRIFT} if the schema and migrations differ`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      check: { type: 'boolean', default: false },
      schema: { type: 'string', default: 'prisma/schema.prisma' },
      migrations: { type: 'string', default: 'prisma/migrations' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const name = positionals[0];
  if (positionals.length > 1 || values.check === (name !== undefined)) {
    console.error(USAGE);
    return EXIT_ERROR;
  }
  const migrationsDir = resolve(values.migrations);
  const schemaPath = resolve(values.schema);
  const shown = (path: string) => relative(process.cwd(), path) || '.';

  const sql = await diffSql({ schemaPath, migrationsDir, serverUrl: loadConfig().databaseUrl });
  if (sql === null) {
    console.log(`no changes: ${shown(schemaPath)} matches ${shown(migrationsDir)}`);
    return 0;
  }
  if (name === undefined) {
    console.log(`${shown(schemaPath)} and ${shown(migrationsDir)} have drifted; pending SQL:\n`);
    console.log(sql.trimEnd());
    console.log('\nwrite it as a migration with: npm run db:diff -- <name>');
    return EXIT_DRIFT;
  }
  console.log(`wrote ${shown(writeMigration(migrationsDir, name, sql))}`);
  return 0;
}

function failed(error: unknown): number {
  let url: string | undefined;
  try {
    url = loadConfig().databaseUrl;
  } catch {
    url = undefined;
  }
  console.error(`db:diff failed: ${oneLineError(error, url)}`);
  return EXIT_ERROR;
}

/**
 * Exits once stdout and stderr are flushed. The wasm schema engine arms timers it never
 * clears (a 10 s lock timeout), which would otherwise hold the process open that long.
 */
function exitWhenFlushed(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

void main(process.argv.slice(2)).catch(failed).then(exitWhenFlushed);
