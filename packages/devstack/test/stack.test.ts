import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Client } from 'pg';
import { dropDatabase, isPortOpen, runningLocal, stackUp, stopStarted, type StackSettings } from '../src';
import { freePort } from '../src/testing';

/** The bootstrap `npm start` and `npm test` share, on its own ports, data dir and database. */
describe('stackUp', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'stack-test-'));
  const base = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ticketing_test');
  base.pathname = `/stack_test_${randomUUID().slice(0, 8)}`;
  let settings: StackSettings;
  const log = () => undefined;

  afterAll(async () => {
    if (settings) await stopStarted(settings, runningLocal(settings), log);
    await dropDatabase(base.toString());
    rmSync(stateDir, { recursive: true, force: true });
  }, 60_000);

  const databaseExists = async () => {
    const admin = new URL(base);
    admin.pathname = '/postgres';
    const client = new Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      return (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [base.pathname.slice(1)])).rowCount === 1;
    } finally {
      await client.end();
    }
  };

  it('when run twice and stopped, then the first run starts Redis and Kafka, the second reuses them, and stop ends only those', async () => {
    settings = {
      root: join(__dirname, '../../..'),
      stateDir,
      mode: 'local',
      databaseUrl: base.toString(),
      redisPort: await freePort(),
      kafkaPort: await freePort(),
      kafkaControllerPort: await freePort(),
    };

    const first = await stackUp(settings, log);
    const second = await stackUp(settings, log);

    expect(first.started.sort()).toEqual(['kafka', 'redis']);
    expect(second.started).toEqual([]);
    expect(second.env).toEqual({
      DATABASE_URL: base.toString(),
      REDIS_URL: `redis://127.0.0.1:${settings.redisPort}`,
      KAFKA_BROKERS: `127.0.0.1:${settings.kafkaPort}`,
    });
    expect(await databaseExists()).toBe(true);

    await stopStarted(settings, ['redis'], log);
    expect(await isPortOpen(settings.redisPort)).toBe(false);
    expect(await isPortOpen(settings.kafkaPort)).toBe(true);
    expect(runningLocal(settings)).toEqual(['kafka']);
  }, 180_000);

  it('when the database is dropped, then it is gone', async () => {
    await dropDatabase(base.toString());

    expect(await databaseExists()).toBe(false);
  });
});
