// Jest globalTeardown: drops the run's database and state directory made by global-setup.js.
'use strict';

const { rmSync } = require('node:fs');
const { TEST_DATABASE_PREFIX, databaseAdmin } = require('./global-setup');

module.exports = async function globalTeardown() {
  const run = globalThis.__SB_TEST_RUN__;
  if (run === undefined) return;
  globalThis.__SB_TEST_RUN__ = undefined;
  rmSync(run.stateDir, { recursive: true, force: true });
  // Never drop anything but a test database, whatever ended up in the record.
  if (!run.database.startsWith(TEST_DATABASE_PREFIX)) return;
  try {
    // WITH (FORCE): pools in workers that did not shut down cleanly must not keep it alive.
    await databaseAdmin(run.rootDir).dropDatabase(run.serverUrl, run.database);
  } catch (error) {
    // Not worth failing a finished run over: the next run's setup sweeps it after 6 hours.
    console.warn(`could not drop test database ${run.database}: ${error instanceof Error ? error.message : error}`);
  }
};
