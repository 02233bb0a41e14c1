import { describe, expect, it } from '@jest/globals';
import { baseEnvSchema, ConfigError, connectionEnv, parseEnv, rejectDevSecretsInProduction } from '../src';

const schema = baseEnvSchema(8081)
  .extend({ ...connectionEnv.database('booking'), KAFKA_BROKERS: connectionEnv.KAFKA_BROKERS(), INTERNAL_TOKEN: connectionEnv.INTERNAL_TOKEN() })
  .superRefine(rejectDevSecretsInProduction);

describe('parseEnv', () => {
  it('when the environment is empty, then every setting has a default that works on a developer machine', () => {
    const config = parseEnv(schema, {});

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
    const config = parseEnv(schema, { PORT: '9000', KAFKA_BROKERS: 'a:1, b:2', DATABASE_POOL_SIZE: '4' });

    expect(config.PORT).toBe(9000);
    expect(config.KAFKA_BROKERS).toEqual(['a:1', 'b:2']);
    expect(config.DATABASE_POOL_SIZE).toBe(4);
  });

  it('when several values are bad, then one ConfigError names every bad variable', () => {
    const attempt = () => parseEnv(schema, { PORT: 'eighty', DATABASE_URL: 'not a url', DATABASE_SCHEMA: 'Robert"); DROP' });

    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PORT[\s\S]*DATABASE_URL[\s\S]*DATABASE_SCHEMA|PORT/);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      for (const name of ['PORT', 'DATABASE_URL', 'DATABASE_SCHEMA']) expect(message).toContain(name);
    }
  });

  it('when NODE_ENV is production and the internal token is the development default, then start-up is refused', () => {
    expect(() => parseEnv(schema, { NODE_ENV: 'production' })).toThrow(/INTERNAL_TOKEN: must be set explicitly/);
    expect(parseEnv(schema, { NODE_ENV: 'production', INTERNAL_TOKEN: 'a-real-secret-of-enough-length' }).NODE_ENV).toBe('production');
  });
});
