import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { baseEnvSchema, ConfigError, connectionEnv, DEV_CREDENTIALS, parseEnv, withCredentials } from '../src';

const schema = withCredentials(
  baseEnvSchema(8081).extend({
    ...connectionEnv.database('booking'),
    KAFKA_BROKERS: connectionEnv.KAFKA_BROKERS(),
    INTERNAL_TOKEN: connectionEnv.credential(),
    PAYMENT_INTERNAL_TOKEN: connectionEnv.credential(),
  }),
  ['INTERNAL_TOKEN', 'PAYMENT_INTERNAL_TOKEN'],
);
const DEV = { AUTH_MODE: 'dev' };
const OWN = { INTERNAL_TOKEN: 'an-own-secret-of-enough-length', PAYMENT_INTERNAL_TOKEN: 'another-own-secret-of-enough-length' };

describe('parseEnv', () => {
  it('when the environment is empty, then every setting has a default that works on a developer machine', () => {
    const config = parseEnv(schema, DEV);

    expect(config).toMatchObject({
      PORT: 8081,
      HOST: '127.0.0.1',
      DATABASE_SCHEMA: 'booking',
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/ticketing',
      KAFKA_BROKERS: ['127.0.0.1:9092'],
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('when values are given as strings, then numbers and lists are parsed', () => {
    const config = parseEnv(schema, { ...DEV, PORT: '9000', KAFKA_BROKERS: 'a:1, b:2', DATABASE_POOL_SIZE: '4' });

    expect(config.PORT).toBe(9000);
    expect(config.KAFKA_BROKERS).toEqual(['a:1', 'b:2']);
    expect(config.DATABASE_POOL_SIZE).toBe(4);
  });

  it('when several values are bad, then one ConfigError names every bad variable', () => {
    const attempt = () => parseEnv(schema, { ...DEV, PORT: 'eighty', DATABASE_URL: 'not a url', DATABASE_SCHEMA: 'Robert"); DROP' });

    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PORT[\s\S]*DATABASE_URL[\s\S]*DATABASE_SCHEMA|PORT/);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      for (const name of ['PORT', 'DATABASE_URL', 'DATABASE_SCHEMA']) expect(message).toContain(name);
    }
  });

  it('when AUTH_MODE=dev is asked for, then the credentials default to their development values', () => {
    expect(parseEnv(schema, DEV)).toMatchObject({ AUTH_MODE: 'dev', INTERNAL_TOKEN: DEV_CREDENTIALS.INTERNAL_TOKEN, PAYMENT_INTERNAL_TOKEN: DEV_CREDENTIALS.PAYMENT_INTERNAL_TOKEN });
  });

  it('when nothing says dev (no settings at all), then start-up is refused naming every missing credential: identity fails closed', () => {
    const attempt = () => parseEnv(schema, {});

    expect(attempt).toThrow(/INTERNAL_TOKEN: is required[\s\S]*PAYMENT_INTERNAL_TOKEN: is required/);
    expect(parseEnv(schema, OWN)).toMatchObject({ AUTH_MODE: 'jwt', ...OWN });
  });

  it.each([
    ['the development default', DEV_CREDENTIALS.INTERNAL_TOKEN],
    ['the sample an earlier compose file shipped', 'compose-local-internal-token'],
  ])('when a credential outside dev is %s, then start-up is refused: a published value is no secret', (_label, value) => {
    expect(() => parseEnv(schema, { ...OWN, INTERNAL_TOKEN: value })).toThrow(/INTERNAL_TOKEN: is a sample value published in this repository/);
    expect(() => parseEnv(schema, { ...OWN, NODE_ENV: 'production', INTERNAL_TOKEN: value })).toThrow(ConfigError);
  });

  it('when NODE_ENV=production asks for AUTH_MODE=dev, then start-up is refused naming AUTH_MODE', () => {
    expect(() => parseEnv(schema, { ...OWN, NODE_ENV: 'production', AUTH_MODE: 'dev' })).toThrow(/AUTH_MODE: must not be dev when NODE_ENV=production/);
    expect(parseEnv(schema, { ...OWN, NODE_ENV: 'production' }).NODE_ENV).toBe('production');
  });

  it('when a credential comes as NAME_FILE (the Docker secrets convention), then the file content is the value, and an unreadable file is named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parse-env-'));
    try {
      writeFileSync(join(dir, 'internal'), 'a-generated-secret-from-a-file\n');
      const config = parseEnv(schema, { ...OWN, INTERNAL_TOKEN: undefined, INTERNAL_TOKEN_FILE: join(dir, 'internal') });
      expect(config.INTERNAL_TOKEN).toBe('a-generated-secret-from-a-file');
      expect(() => parseEnv(schema, { ...OWN, INTERNAL_TOKEN: undefined, INTERNAL_TOKEN_FILE: join(dir, 'missing') })).toThrow(/INTERNAL_TOKEN_FILE: cannot read .*missing \(ENOENT\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
