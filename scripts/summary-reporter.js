// Ends the run with one plain line, "tests: N passed, N failed", that CI and people can read at a glance.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failedSuites = results.numRuntimeErrorTestSuites;
    process.stdout.write(
      `\ntests: ${results.numPassedTests} passed, ${results.numFailedTests + failedSuites} failed` +
        (results.numPendingTests ? `, ${results.numPendingTests} skipped` : '') + '\n',
    );
  }
}
module.exports = SummaryReporter;
