module.exports = { ...require('../jest.preset')(__dirname), displayName: 'platform', testMatch: ['<rootDir>/*.test.ts', '<rootDir>/chaos/*.test.ts', '<rootDir>/fuzz/*.test.ts'] };
