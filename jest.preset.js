// Shared Jest settings for every workspace; each workspace's jest.config.js names itself and spreads this.
const { basename, join } = require('node:path');

module.exports = (dir) => ({
  displayName: basename(dir),
  rootDir: dir,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': '@swc/jest',
    // jose ships ES modules only; Node 20 requires them natively but Jest's loader cannot (before Node
    // 24.9), so its files are compiled to CommonJS for the tests.
    '/node_modules/jose/.+\\.js$': ['@swc/jest', { module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  setupFiles: [require.resolve('./jest.setup.js')],
  // Prisma's generated client imports its siblings as './x.js' while the sources are './x.ts'.
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // A service's testing entry is run from its sources, as its own tests run them: Prisma's generated
    // client, once compiled, loads its engine with a dynamic import that Jest's loader refuses.
    '^@ticketing/(booking|payment|queue-gateway|dataplatform-sink)/testing$': join(__dirname, 'services/$1/src/testing'),
  },
});
