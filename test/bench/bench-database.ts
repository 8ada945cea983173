import { processEnv } from '@sb/config';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { dropDatabase, withDatabase } from '../../libs/db/src/migrate/database-admin';

export interface BenchDatabase {
  url: string;
  drop: () => Promise<void>;
}

/** A fresh, migrated database for one benchmark run (named like test databases, so stale ones get swept). */
export function createBenchDatabase(label: string): BenchDatabase {
  const env = processEnv();
  const server = env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/switchboard';
  const database = `sb_test_${Date.now()}_${label}`;
  const url = withDatabase(server, database);
  const migrate = spawnSync(process.execPath, ['--experimental-wasm-modules', '--disable-warning=ExperimentalWarning', join(__dirname, '..', '..', 'scripts', 'db-migrate.js')], {
    env: { ...env, DATABASE_URL: url },
    encoding: 'utf8',
  });
  if (migrate.status !== 0) throw new Error(`could not migrate the bench database: ${migrate.stderr}`);
  return { url, drop: () => dropDatabase(server, database) };
}
