// Test and benchmark helpers (import from '@ticketing/devstack/testing'); Jest-only suites are in
// '@ticketing/devstack/jest', so that benchmarks and the CLI never load Jest.
export * from './free-port';
export * from './wait-for';
export * from './interleaved-rounds';
export * from './service-process';
export * from './test-schema';
export * from './log-lines';
