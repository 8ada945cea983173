// Prints the run's totals as one plain closing line ("tests: N passed, N failed, N skipped")
// that CI tooling reads regardless of the runner, and writes it to SB_TEST_SUMMARY_FILE
// when set so .ci/run can repeat it as its last line.
'use strict';

const { writeFileSync } = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `tests: ${results.numPassedTests} passed, ${failed} failed, ${results.numPendingTests} skipped`;
    process.stdout.write(`\n${line}\n`);
    if (process.env.SB_TEST_SUMMARY_FILE) writeFileSync(process.env.SB_TEST_SUMMARY_FILE, `${line}\n`);
  }
}

module.exports = SummaryReporter;
