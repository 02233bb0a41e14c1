import { join, resolve } from 'node:path';
import { TopicPartitions } from '@ticketing/contracts';
import { COMPOSE_ENV, composeStop, composeUp, dockerEngineAvailable, runningComposeServices } from './docker';
import { ensureTopics, startKafkaBroker } from './kafka-broker';
import { ensureDatabase } from './postgres';
import { readLivePid, stopProcess } from './process';
import { clusterNodePid, startRedisCluster, stopRedisCluster } from './redis-cluster';
import { startRedisServer } from './redis-server';

export interface StackSettings {
  /** Repository root. */
  root: string;
  /** Where project-owned servers keep data, logs and pid files (kept between runs). */
  stateDir: string;
  mode: 'auto' | 'docker' | 'local';
  databaseUrl: string;
  redisPort: number;
  kafkaPort: number;
  kafkaControllerPort: number;
  /** With REDIS_CLUSTER=1: the six ports of a 3-master/3-replica Redis Cluster (REDIS_CLUSTER_PORT and the next five). */
  redisClusterPorts?: number[];
}

/** What services need to reach the infrastructure; exported to them as env vars. */
export interface StackEnv {
  DATABASE_URL: string;
  REDIS_URL: string;
  KAFKA_BROKERS: string;
  /** Set when the stack runs a Redis Cluster (REDIS_CLUSTER=1): the gateway keeps its lines there. */
  REDIS_CLUSTER_NODES?: string;
}

export interface StackUpResult {
  mode: 'docker' | 'local';
  env: StackEnv;
  /** Components this call started (and only these are stopped by `stopStarted`). */
  started: string[];
}

export function settingsFromEnv(root: string, env: NodeJS.ProcessEnv = process.env): StackSettings {
  const mode = env.DEVSTACK_MODE ?? 'auto';
  if (mode !== 'auto' && mode !== 'docker' && mode !== 'local') throw new Error(`DEVSTACK_MODE must be auto, docker or local (got "${mode}")`);
  return {
    root,
    stateDir: resolve(env.DEVSTACK_DIR ?? join(root, '.devstack')),
    mode,
    databaseUrl: env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ticketing',
    redisPort: Number(env.REDIS_PORT ?? 6380),
    kafkaPort: Number(env.KAFKA_PORT ?? 9092),
    kafkaControllerPort: Number(env.KAFKA_CONTROLLER_PORT ?? 9093),
    ...(env.REDIS_CLUSTER === '1' && { redisClusterPorts: Array.from({ length: 6 }, (_, i) => Number(env.REDIS_CLUSTER_PORT ?? 7000) + i) }),
  };
}

const kafkaPaths = (s: StackSettings) => ({
  dataDir: join(s.stateDir, 'kafka'),
  logFile: join(s.stateDir, 'kafka', 'broker.log'),
  pidFile: join(s.stateDir, 'kafka', 'broker.pid'),
});
const redisDir = (s: StackSettings) => join(s.stateDir, 'redis');
const redisClusterDir = (s: StackSettings) => join(s.stateDir, 'redis-cluster');

const topics = () => Object.entries(TopicPartitions).map(([topic, numPartitions]) => ({ topic, numPartitions }));

/** Idempotent: reuses what already runs, starts what is missing, creates the database and topics. */
export async function stackUp(s: StackSettings, log: (msg: string) => void): Promise<StackUpResult> {
  if (s.mode === 'docker' || (s.mode === 'auto' && dockerEngineAvailable())) {
    const before = runningComposeServices(s.root);
    log('docker engine found: starting postgres, redis and kafka with infra/docker-compose.yml');
    composeUp(s.root);
    const started = ['postgres', 'redis', 'kafka'].filter((name) => !before.includes(name));
    // Same database name as asked for (npm test uses its own), on the container's Postgres.
    const databaseUrl = new URL(COMPOSE_ENV.DATABASE_URL);
    databaseUrl.pathname = new URL(s.databaseUrl).pathname;
    await ensureDatabase(databaseUrl.toString());
    const env = { ...COMPOSE_ENV, DATABASE_URL: databaseUrl.toString() };
    return { mode: 'docker', env, started: started.map((name) => `docker:${name}`) };
  }

  const started: string[] = [];
  await ensureDatabase(s.databaseUrl);
  log(`postgres: using ${redactPassword(s.databaseUrl)}`);

  const redis = await startRedisServer({ port: s.redisPort, dir: redisDir(s) });
  if (!redis.reused) started.push('redis');
  log(`redis: ${redis.reused ? 'already running' : 'started'} at ${redis.url} (AOF on)`);

  let cluster: string[] | undefined;
  if (s.redisClusterPorts) {
    const running = await startRedisCluster({ ports: s.redisClusterPorts, dir: redisClusterDir(s) });
    if (!running.reused) started.push('redis-cluster');
    cluster = running.nodes;
    log(`redis cluster: ${running.reused ? 'already running' : 'started'} at ${cluster.join(',')} (3 masters, 3 replicas, AOF on)`);
  }

  const kafka = await startKafkaBroker({ port: s.kafkaPort, controllerPort: s.kafkaControllerPort, ...kafkaPaths(s) }, log);
  if (!kafka.reused) started.push('kafka');
  log(`kafka: ${kafka.reused ? 'already running' : 'started'} at ${kafka.brokers}`);
  await ensureTopics(kafka.brokers, topics());
  const env: StackEnv = { DATABASE_URL: s.databaseUrl, REDIS_URL: redis.url, KAFKA_BROKERS: kafka.brokers, ...(cluster && { REDIS_CLUSTER_NODES: cluster.join(',') }) };
  return { mode: 'local', env, started };
}

/** Stops the named components (as returned in `started`); the project's data stays on disk. */
export async function stopStarted(s: StackSettings, components: string[], log: (msg: string) => void): Promise<void> {
  const docker = components.filter((c) => c.startsWith('docker:')).map((c) => c.slice('docker:'.length));
  composeStop(s.root, docker);
  if (components.includes('redis-cluster') && s.redisClusterPorts) {
    await stopRedisCluster({ ports: s.redisClusterPorts, dir: redisClusterDir(s) });
    log('redis-cluster: stopped');
  }
  for (const component of components) {
    const pidFile = component === 'kafka' ? kafkaPaths(s).pidFile : component === 'redis' ? join(redisDir(s), 'redis.pid') : undefined;
    if (!pidFile) continue;
    const pid = readLivePid(pidFile);
    if (pid !== undefined) await stopProcess(pid, pidFile);
    log(`${component}: stopped`);
  }
}

/** Every project-owned local server that is running now (for `infra down` and `infra status`). */
export function runningLocal(s: StackSettings): string[] {
  const cluster = s.redisClusterPorts?.some((port) => clusterNodePid(redisClusterDir(s), port) !== undefined) ? ['redis-cluster'] : [];
  return [
    ['redis', join(redisDir(s), 'redis.pid')],
    ['kafka', kafkaPaths(s).pidFile],
  ]
    .filter(([, pidFile]) => readLivePid(pidFile as string) !== undefined)
    .map(([name]) => name as string)
    .concat(cluster);
}

export function redactPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
