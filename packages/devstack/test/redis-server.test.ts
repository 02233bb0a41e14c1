import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { isAlive, isPortOpen, readLivePid, startRedisServer, stopProcess } from '../src';
import { freePort } from '../src/testing';

describe('startRedisServer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redis-server-test-'));
  afterAll(async () => {
    const pid = readLivePid(join(dir, 'redis.pid'));
    if (pid !== undefined) await stopProcess(pid);
    rmSync(dir, { recursive: true, force: true });
  });

  it('when started, stopped hard and started again, then AOF is on and the data written before the kill is still there', async () => {
    const opts = { port: await freePort(), dir };
    const first = await startRedisServer(opts);
    const client = new Redis(first.url);
    await client.set('seat:1', 'HELD');
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    // appendfsync=everysec: wait for the fsync of the last second before pulling the plug.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    client.disconnect();
    process.kill(first.pid, 'SIGKILL');
    while (isAlive(first.pid)) await new Promise((resolve) => setTimeout(resolve, 50));

    const second = await startRedisServer(opts);
    const again = new Redis(second.url);
    const value = await again.get('seat:1');
    again.disconnect();

    expect(second.reused).toBe(false);
    expect(second.pid).not.toBe(first.pid);
    expect(value).toBe('HELD');
  });

  it('when it already runs, then a second start reuses it instead of starting another', async () => {
    const opts = { port: Number(new URL((await startRedisServer({ port: await freePort(), dir: join(dir, 'b') })).url).port), dir: join(dir, 'b') };

    const again = await startRedisServer(opts);

    expect(again.reused).toBe(true);
    await stopProcess(again.pid, join(opts.dir, 'redis.pid'));
    expect(await isPortOpen(opts.port)).toBe(false);
  });

  it('when another program holds the port, then it refuses with a message naming the port', async () => {
    const port = await freePort();
    const squatter: Server = createServer().listen(port, '127.0.0.1');
    await new Promise((resolve) => squatter.once('listening', resolve));

    await expect(startRedisServer({ port, dir: join(dir, 'c') })).rejects.toThrow(`port ${port} is already in use`);
    squatter.close();
  });
});
