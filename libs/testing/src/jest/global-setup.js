// Jest globalSetup: one fresh, migrated database per test run, on the server DATABASE_URL
// names. The variables set here are inherited by every worker, which is how tests find the
// database (through libs/config) and their per-run Redis key prefix (SB_TEST_RUN_ID).
// Database administration is libs/db's (the only place that talks to pg); jest cannot
// transform it here, so its compiled copy in dist is used, which the migrations need anyway.
'use strict';

const { spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { existsSync, mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/switchboard';
const TEST_DATABASE_PREFIX = 'sb_test_';
// db:diff's throwaway databases: one outlives its run only if that process was killed.
const SHADOW_DATABASE_PREFIX = 'sb_shadow_';
// Older than any test run or diff could last: whoever created it has crashed.
const STALE_AFTER_MS = 6 * 60 * 60 * 1000;
const MIGRATE_TIMEOUT_MS = 120_000;

function compiled(rootDir, ...path) {
  const file = join(rootDir, 'dist', ...path);
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: run \`npm run build\` before the tests (\`npm test\` does it in pretest)`);
  }
  return file;
}

/** The compiled libs/db/src/migrate/database-admin module. */
function databaseAdmin(rootDir) {
  return require(compiled(rootDir, 'libs', 'db', 'src', 'migrate', 'database-admin.js'));
}

/** Names carry their creation time (`sb_test_<epoch ms>_<id>`): Postgres records none. */
async function dropStaleDatabases(admin, serverUrl, now) {
  for (const prefix of [TEST_DATABASE_PREFIX, SHADOW_DATABASE_PREFIX]) {
    for (const name of await admin.listDatabases(serverUrl, prefix)) {
      const createdAt = Number(/^[a-z_]+?_(\d{13})_/.exec(name)?.[1]);
      if (!Number.isFinite(createdAt) || now - createdAt < STALE_AFTER_MS) continue;
      // Another run may be sweeping the same leftover right now; that is fine.
      await admin.dropDatabase(serverUrl, name).catch(() => undefined);
    }
  }
}

function migrate(rootDir, env) {
  const result = spawnSync(
    process.execPath,
    ['--experimental-wasm-modules', compiled(rootDir, 'scripts', 'db-migrate.js')],
    { cwd: rootDir, env, encoding: 'utf8', timeout: MIGRATE_TIMEOUT_MS },
  );
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`
      .split('\n')
      .filter((line) => line.trim() !== '' && !/ExperimentalWarning|--trace-warnings/.test(line))
      .join('\n');
    const why = result.error ? result.error.message : `exit ${result.status ?? result.signal}`;
    throw new Error(`migrating the test database failed (${why}):\n${output}`);
  }
}

module.exports = async function globalSetup(globalConfig) {
  const rootDir = globalConfig.rootDir;
  compiled(rootDir, 'scripts', 'db-migrate.js');
  const admin = databaseAdmin(rootDir);
  const serverUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const now = Date.now();
  const runId = randomBytes(4).toString('hex');
  const database = `${TEST_DATABASE_PREFIX}${now}_${runId}`;

  await dropStaleDatabases(admin, serverUrl, now);
  await admin.createDatabase(serverUrl, database);
  const stateDir = mkdtempSync(join(tmpdir(), `sb-test-${runId}-`));
  // Teardown runs in this same process and reads what to clean up from here.
  globalThis.__SB_TEST_RUN__ = { rootDir, serverUrl, database, stateDir };

  const env = {
    ...process.env,
    DATABASE_URL: admin.withDatabase(serverUrl, database),
    SB_TEST_RUN_ID: runId,
    SB_STATE_DIR: stateDir,
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL || 'silent',
  };
  try {
    migrate(rootDir, env);
  } catch (error) {
    await require('./global-teardown')();
    throw error;
  }

  for (const key of ['DATABASE_URL', 'SB_TEST_RUN_ID', 'SB_STATE_DIR', 'NODE_ENV', 'LOG_LEVEL']) {
    process.env[key] = env[key];
  }
};

module.exports.TEST_DATABASE_PREFIX = TEST_DATABASE_PREFIX;
module.exports.databaseAdmin = databaseAdmin;
