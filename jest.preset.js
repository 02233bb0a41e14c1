// Shared Jest settings for every workspace; each workspace's jest.config.js names itself and spreads this.
const { basename } = require('node:path');

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
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
});
