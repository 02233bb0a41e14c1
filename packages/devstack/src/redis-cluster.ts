import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { readLivePid, stopProcess } from './process';
import { startRedisServer } from './redis-server';

export interface RedisClusterOptions {
  /** One port per node: the first `masters` become masters, the rest their replicas (`redis-cli` assigns them). */
  ports: readonly number[];
  /** Each node keeps its AOF, nodes.conf, log and pid file in `<dir>/<port>`. */
  dir: string;
  /** Replicas per master (default 1: 3 masters and 3 replicas from 6 ports). */
  replicas?: number;
  /** How long a master may be silent before its replica takes over (default 2 s). */
  nodeTimeoutMs?: number;
}

export interface RunningRedisCluster {
  /** `host:port` of every node: REDIS_CLUSTER_NODES. */
  nodes: string[];
  /** Whether every node already ran (a cluster formed earlier). */
  reused: boolean;
}

const nodeDir = (dir: string, port: number) => join(dir, String(port));

/**
 * Starts a real Redis Cluster from the `redis-server` binary: one project-owned server per port with
 * `--cluster-enabled yes` and AOF on, joined by `redis-cli --cluster create … --cluster-replicas 1`.
 * Idempotent: a cluster that already runs on these ports is reused. Resolves once every node reports
 * `cluster_state:ok`.
 */
export async function startRedisCluster(opts: RedisClusterOptions): Promise<RunningRedisCluster> {
  const replicas = opts.replicas ?? 1;
  if (opts.ports.length < 3 * (1 + replicas)) throw new Error(`a Redis Cluster needs at least ${3 * (1 + replicas)} nodes for 3 masters with ${replicas} replica(s) each`);
  const nodes = opts.ports.map((port) => `127.0.0.1:${port}`);
  const servers = await Promise.all(opts.ports.map((port) => startRedisServer({ port, dir: nodeDir(opts.dir, port), clusterNodeTimeoutMs: opts.nodeTimeoutMs ?? 2_000 })));
  const reused = servers.every((server) => server.reused);
  if (!(await clusterFormed(opts.ports))) {
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', String(replicas), '--cluster-yes'], { encoding: 'utf8' });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
  }
  await waitUntilOk(opts.ports, 30_000);
  return { nodes, reused };
}

/** Stops every node of the cluster on these ports (their data stays in `dir`). */
export async function stopRedisCluster(opts: Pick<RedisClusterOptions, 'ports' | 'dir'>): Promise<void> {
  await Promise.all(
    opts.ports.map(async (port) => {
      const pidFile = join(nodeDir(opts.dir, port), 'redis.pid');
      const pid = readLivePid(pidFile);
      if (pid !== undefined) await stopProcess(pid, pidFile);
    }),
  );
}

/** The pid of the node on `port`, if this project runs it (tests kill a master with it). */
export const clusterNodePid = (dir: string, port: number): number | undefined => readLivePid(join(nodeDir(dir, port), 'redis.pid'));

async function clusterInfo(port: number): Promise<Map<string, string>> {
  const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await client.connect();
    const info = (await client.call('CLUSTER', 'INFO')) as string;
    return new Map(info.split('\r\n').filter(Boolean).map((line) => line.split(':') as [string, string]));
  } catch {
    return new Map();
  } finally {
    client.disconnect();
  }
}

/** Every slot assigned and every node known to the first: the cluster was created before. */
async function clusterFormed(ports: readonly number[]): Promise<boolean> {
  const info = await clusterInfo(ports[0]!);
  return info.get('cluster_slots_assigned') === '16384' && Number(info.get('cluster_known_nodes')) >= ports.length;
}

async function waitUntilOk(ports: readonly number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(ports.map(async (port) => (await clusterInfo(port)).get('cluster_state')));
    if (states.every((state) => state === 'ok')) return;
    if (Date.now() > deadline) throw new Error(`the Redis Cluster did not reach cluster_state:ok within ${timeoutMs} ms (states: ${states.join(', ')})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
