import { createServer } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { freePort } from '../src/testing';

const listenOn = (port: number) =>
  new Promise<() => Promise<void>>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(() => new Promise((done) => server.close(() => done()))));
  });

describe('freePort', () => {
  it('when asked many times, then every port is distinct, below the OS\'s ephemeral range and free to listen on', async () => {
    const ports = [];
    for (let i = 0; i < 200; i += 1) ports.push(await freePort());

    expect(new Set(ports).size).toBe(ports.length);
    expect(ports.filter((port) => port < 20_000 || port >= 32_768)).toEqual([]);
    const closers = await Promise.all(ports.map(listenOn));
    await Promise.all(closers.map((close) => close()));
  });

  it('when a handed-out port is idle again (its server stopped), then it is not handed out a second time', async () => {
    const stopped = await freePort();
    const later = [];
    for (let i = 0; i < 300; i += 1) later.push(await freePort());
    expect(later).not.toContain(stopped);
  });
});
