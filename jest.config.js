/** Root config: one project per workspace that has tests; `npm test` runs them all against real infrastructure. */
module.exports = {
  projects: ['<rootDir>/packages/*/jest.config.js', '<rootDir>/services/*/jest.config.js', '<rootDir>/test/jest.config.js'],
  reporters: ['default', '<rootDir>/scripts/summary-reporter.js'],
  maxWorkers: 2,
  // Component tests talk to real Postgres, Redis and Kafka: give them room, never assert on wall time.
  testTimeout: 60_000,
};
