import { afterAll, describe, expect, it } from '@jest/globals';
import { Client } from 'pg';
import { startTcpProxy } from '../src';

describe('startTcpProxy', () => {
  const database = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ticketing_test');
  const clients: Client[] = [];
  afterAll(async () => {
    for (const client of clients) await client.end().catch(() => undefined);
  });

  const connectThrough = async (port: number) => {
    const url = new URL(database);
    url.host = `127.0.0.1:${port}`;
    const client = new Client({ connectionString: url.toString(), connectionTimeoutMillis: 2_000 });
    client.on('error', () => undefined);
    clients.push(client);
    await client.connect();
    return client;
  };

  it('when cut, then open connections break and new ones fail; when restored, then new connections work again', async () => {
    const proxy = await startTcpProxy(Number(database.port || 5432), database.hostname);
    const before = await connectThrough(proxy.port);
    expect((await before.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);

    await proxy.cut();
    await expect(before.query('SELECT 1')).rejects.toThrow();
    await expect(connectThrough(proxy.port)).rejects.toThrow();

    await proxy.restore();
    const after = await connectThrough(proxy.port);
    expect((await after.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    await proxy.close();
  });
});
