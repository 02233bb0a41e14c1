import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@ticketing/service-kit';
import { loadConfig } from '../src/config';

const SECRET = 'a-jwt-secret-of-at-least-32-characters';
const PRODUCTION = { NODE_ENV: 'production', INTERNAL_TOKEN: 'a-real-internal-token-0123456789', OPS_TOKEN: 'a-real-ops-token-0123456789' };

describe('gateway config: identity and rate limits', () => {
  it('when nothing is set, then it refuses to start and says why: identity fails closed (jwt needs a key, the internal token has no default)', () => {
    expect(() => loadConfig({})).toThrow(/AUTH_JWT_SECRET: AUTH_MODE=jwt needs exactly one[\s\S]*INTERNAL_TOKEN: is required[\s\S]*OPS_TOKEN: is required/);
  });

  it('when AUTH_MODE=dev is asked for, then dev identity and limits that let a 10,000-user load test from one address through', () => {
    const config = loadConfig({ AUTH_MODE: 'dev' });

    expect(config.AUTH_MODE).toBe('dev');
    expect(config.RATE_LIMIT_PER_ADDRESS).toBeGreaterThanOrEqual(10_000);
    expect(config.RATE_LIMIT_ADDRESS_WINDOW_SECONDS).toBeGreaterThanOrEqual(60);
    expect([config.RATE_LIMIT_PER_USER, config.RATE_LIMIT_USER_WINDOW_SECONDS]).toEqual([10, 10]);
  });

  it('when NODE_ENV=production keeps AUTH_MODE=dev, then the config is refused naming AUTH_MODE', () => {
    expect(() => loadConfig({ ...PRODUCTION, AUTH_MODE: 'dev' })).toThrow(/AUTH_MODE: must not be dev when NODE_ENV=production/);
    expect(() => loadConfig({ ...PRODUCTION, AUTH_MODE: 'dev' })).toThrow(ConfigError);
  });

  it('when production uses jwt with a secret, an issuer and an audience, then it starts', () => {
    const config = loadConfig({ ...PRODUCTION, AUTH_JWT_SECRET: SECRET, AUTH_JWT_ISSUER: 'https://id.example.test/', AUTH_JWT_AUDIENCE: 'tickets' });

    expect([config.AUTH_MODE, config.AUTH_JWT_ISSUER, config.AUTH_JWT_AUDIENCE]).toEqual(['jwt', 'https://id.example.test/', 'tickets']);
  });

  it.each([
    ['no issuer', { AUTH_JWT_AUDIENCE: 'tickets' }, /AUTH_JWT_ISSUER: is required when NODE_ENV=production/],
    ['no audience', { AUTH_JWT_ISSUER: 'https://id.example.test/' }, /AUTH_JWT_AUDIENCE: is required when NODE_ENV=production/],
    ['the secret the compose file once shipped', { AUTH_JWT_ISSUER: 'i', AUTH_JWT_AUDIENCE: 'a', AUTH_JWT_SECRET: 'compose-local-jwt-secret-0123456789abcdef' }, /AUTH_JWT_SECRET: is a sample value/],
  ])('when production jwt has %s, then the config is refused naming it', (_label, settings, named) => {
    expect(() => loadConfig({ ...PRODUCTION, AUTH_JWT_SECRET: SECRET, ...settings })).toThrow(named);
  });

  it.each([
    ['no key source', {}],
    ['both a secret and a JWKS URL', { AUTH_JWT_SECRET: SECRET, AUTH_JWKS_URL: 'https://id.example.test/jwks.json' }],
  ])('when AUTH_MODE=jwt has %s, then the config is refused', (_label, settings) => {
    expect(() => loadConfig({ AUTH_MODE: 'jwt', INTERNAL_TOKEN: PRODUCTION.INTERNAL_TOKEN, ...settings })).toThrow(/AUTH_JWT_SECRET: AUTH_MODE=jwt needs exactly one/);
  });

  it.each([
    ['a short secret', { AUTH_MODE: 'jwt', AUTH_JWT_SECRET: 'too-short' }, /AUTH_JWT_SECRET/],
    ['a JWKS URL that is not a URL', { AUTH_MODE: 'jwt', AUTH_JWKS_URL: 'keys' }, /AUTH_JWKS_URL/],
    ['an unknown mode', { AUTH_MODE: 'trust-me' }, /AUTH_MODE/],
    ['a negative limit', { AUTH_MODE: 'dev', RATE_LIMIT_PER_USER: '-1' }, /RATE_LIMIT_PER_USER/],
    ['a zero window', { AUTH_MODE: 'dev', RATE_LIMIT_ADDRESS_WINDOW_SECONDS: '0' }, /RATE_LIMIT_ADDRESS_WINDOW_SECONDS/],
  ])('when the env has %s, then the config is refused naming it', (_label, settings, named) => {
    expect(() => loadConfig(settings)).toThrow(named);
  });
});
