module.exports = { ...require('../jest.preset')(__dirname), displayName: 'architecture', testMatch: ['<rootDir>/*.test.ts'] };
