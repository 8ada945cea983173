// `npm run db:migrate`: creates the configured database if needed, then applies
// prisma/migrations the way `prisma migrate deploy` does (see libs/db/src/migrate).
import { resolve } from 'node:path';
import { loadConfig } from '@sb/config';
import { describeDatabase, oneLineError } from '../libs/db/src/migrate/cli-output';
import { applyMigrations, ensureDatabase } from '../libs/db/src/migrate/schema-engine';

const MIGRATIONS_DIR = 'prisma/migrations';

async function main(): Promise<number> {
  let url: string | undefined;
  try {
    url = loadConfig().databaseUrl;
    if (await ensureDatabase(url)) console.log(`created ${describeDatabase(url)}`);
    console.log(`migrating ${describeDatabase(url)}`);
    await applyMigrations(url, resolve(MIGRATIONS_DIR));
    return 0;
  } catch (error) {
    console.error(`db:migrate failed: ${oneLineError(error, url)}`);
    return 1;
  }
}

/**
 * Exits once stdout and stderr are flushed. The wasm schema engine arms timers it never
 * clears (a 10 s lock timeout), which would otherwise hold the process open that long.
 */
function exitWhenFlushed(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

void main().then(exitWhenFlushed);
