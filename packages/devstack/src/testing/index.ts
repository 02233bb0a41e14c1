// Test helpers (import from '@ticketing/devstack/testing'); kept apart so that the CLI never loads Jest.
export * from './free-port';
export * from './wait-for';
export * from './service-process';
export * from './service-suite';
export * from './test-schema';
