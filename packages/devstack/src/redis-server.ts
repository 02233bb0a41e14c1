import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { commandExists } from './tools';
import { isPortOpen, readLivePid, spawnDetached, waitForPort } from './process';

export interface RedisServerOptions {
  port: number;
  /** Holds the AOF files, the log and the pid file. */
  dir: string;
  appendonly?: boolean;
  /** As a node of a Redis Cluster: `--cluster-enabled yes`, a node timeout of this many ms (failure detection). */
  clusterNodeTimeoutMs?: number;
}

/**
 * Starts a project-owned redis-server (AOF on by default, as the design demands; the machine's shared
 * Redis keeps nothing on disk). Reuses one this project already runs on that port; refuses a port taken
 * by anything else.
 */
export async function startRedisServer(opts: RedisServerOptions): Promise<{ pid: number; url: string; reused: boolean }> {
  const pidFile = join(opts.dir, 'redis.pid');
  const url = `redis://127.0.0.1:${opts.port}`;
  const running = readLivePid(pidFile);
  if (running !== undefined && (await isPortOpen(opts.port))) return { pid: running, url, reused: true };
  if (await isPortOpen(opts.port)) {
    throw new Error(`port ${opts.port} is already in use by another program; free it or set REDIS_PORT to another port`);
  }
  if (!commandExists('redis-server')) {
    throw new Error('redis-server is not installed: install Redis 7 (e.g. `apt-get install redis-server`) or run with Docker');
  }
  mkdirSync(opts.dir, { recursive: true });
  const child = spawnDetached(
    'redis-server',
    [
      '--port', String(opts.port),
      '--bind', '127.0.0.1',
      '--dir', opts.dir,
      '--appendonly', opts.appendonly === false ? 'no' : 'yes',
      '--appendfsync', 'everysec',
      '--save', '',
      '--daemonize', 'no',
      ...(opts.clusterNodeTimeoutMs === undefined
        ? []
        : ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(opts.clusterNodeTimeoutMs)]),
    ],
    { logFile: join(opts.dir, 'redis.log'), pidFile },
  );
  await waitForPort(opts.port, 'redis-server', 15_000, () => readLivePid(pidFile) !== undefined);
  await waitUntilLoaded(url);
  return { pid: child.pid, url, reused: false };
}

/** After a restart Redis answers LOADING while it replays the AOF; wait for a real PONG. */
async function waitUntilLoaded(url: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    const deadline = Date.now() + 30_000;
    await client.connect();
    for (;;) {
      try {
        await client.ping();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    client.disconnect();
  }
}
