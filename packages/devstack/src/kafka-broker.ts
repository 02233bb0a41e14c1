import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { isAlive, isPortOpen, readLivePid, spawnDetached, stopProcess, waitForPort } from './process';
import { commandExists } from './tools';

/** 3.9.x still speaks every protocol version kafkajs 2.2.4 uses. Must match infra/kafka/pom.xml (its log backend is 3.x-specific). */
export const KAFKA_VERSION = '3.9.1';

// The pom (= broker classpath) and the log4j config; the same relative path from src/ and dist/.
const INFRA_DIR = resolve(__dirname, '../../../infra/kafka');
const LOG4J_FLAG = `-Dlog4j.configuration=file:${join(INFRA_DIR, 'log4j.properties')}`;
const READY_TIMEOUT_MS = 90_000;
const run = promisify(execFile);

const requireCommand = (name: string, why: string): void => {
  if (!commandExists(name)) throw new Error(`\`${name}\` is not on PATH: ${why}`);
};
const tail = (text: string, lines: number): string => text.trimEnd().split('\n').slice(-lines).join('\n');

/** The marker lists the copied jars, so a cache whose copy was interrupted or later pruned counts as incomplete. */
function cacheComplete(libs: string, marker: string): boolean {
  if (!existsSync(marker)) return false;
  const jars = readFileSync(marker, 'utf8').split('\n').filter(Boolean);
  return jars.some((jar) => jar.startsWith('kafka_2.13-')) && jars.every((jar) => existsSync(join(libs, jar)));
}

/** Resolves the broker jars into a cache outside the repo (mvn runs only if the cache is missing or incomplete); returns the libs dir. */
export async function ensureKafkaJars(log: (msg: string) => void = () => {}): Promise<string> {
  requireCommand('java', 'a Java 17+ runtime is needed to run the local Kafka broker');
  const base = join(process.env.TICKETING_CACHE_DIR ?? join(homedir(), '.cache', 'ticketing'), `kafka-${KAFKA_VERSION}`);
  const libs = join(base, 'libs');
  const marker = join(base, 'libs.complete');
  if (cacheComplete(libs, marker)) return libs; // no mvn, no network
  requireCommand('mvn', `Apache Maven is needed once to download the Kafka ${KAFKA_VERSION} jars into ${libs}`);
  // Copy into a private dir and rename it into place: an interrupted or concurrent run never leaves a
  // half-filled libs dir that looks usable.
  const partial = `${libs}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  log(`kafka: resolving the Kafka ${KAFKA_VERSION} jars with mvn into ${libs} (only once)`);
  const started = Date.now();
  try {
    await run('mvn', ['-B', '-q', '-f', join(INFRA_DIR, 'pom.xml'), `-Dkafka.version=${KAFKA_VERSION}`,
      'org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies',
      '-DincludeScope=runtime', `-DoutputDirectory=${partial}`], { maxBuffer: 16 << 20 });
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`mvn could not resolve the Kafka ${KAFKA_VERSION} jars (infra/kafka/pom.xml):\n${tail(`${e.stdout ?? ''}${e.stderr ?? ''}` || e.message, 25)}`);
  }
  if (cacheComplete(libs, marker)) rmSync(partial, { recursive: true, force: true }); // a concurrent run won: keep its copy
  else {
    rmSync(libs, { recursive: true, force: true });
    renameSync(partial, libs);
    writeFileSync(marker, `${readdirSync(libs).filter((f) => f.endsWith('.jar')).join('\n')}\n`);
  }
  log(`kafka: jars resolved in ${Math.round((Date.now() - started) / 1000)} s`);
  return libs;
}

export interface KafkaBrokerOptions {
  port: number;
  controllerPort: number;
  /** Holds server.properties, cluster.id and the KRaft log dir (logFile and pidFile may live there too). */
  dataDir: string;
  logFile: string;
  pidFile: string;
  /** -Xmx in MiB, default 512. */
  heapMb?: number;
}

function serverProperties(o: KafkaBrokerOptions, logDir: string): string {
  return `${[
    // Single node acting as its own KRaft controller, static quorum of one voter.
    'process.roles=broker,controller', 'node.id=1', `controller.quorum.voters=1@127.0.0.1:${o.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${o.port},CONTROLLER://127.0.0.1:${o.controllerPort}`,
    // 127.0.0.1, not localhost: Node may resolve localhost to ::1, where nothing listens.
    `advertised.listeners=PLAINTEXT://127.0.0.1:${o.port}`, 'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT', 'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${logDir}`,
    // Topics are created explicitly (ensureTopics), so a typo in a topic name fails instead of creating one.
    'auto.create.topics.enable=false', 'num.partitions=3', 'default.replication.factor=1', 'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1', 'transaction.state.log.min.isr=1',
    // 50 partitions each (the defaults) make the first consumer group / transaction take seconds to set up.
    'offsets.topic.num.partitions=5', 'transaction.state.log.num.partitions=5',
    'group.initial.rebalance.delay.ms=0',
    // Defaults to 128 MiB allocated on the heap at start.
    'log.cleaner.dedupe.buffer.size=16777216',
  ].join('\n')}\n`;
}

/** Kafka's Uuid text form: 16 random bytes, base64url without padding, never starting with '-'. Kept in dataDir so re-formatting is a no-op. */
function clusterId(dataDir: string): string {
  const file = join(dataDir, 'cluster.id');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  let id = '';
  while (!id || id.startsWith('-')) id = randomBytes(16).toString('base64url');
  writeFileSync(file, `${id}\n`);
  return id;
}

/** Guards against a stale pid file whose pid now belongs to another program (no /proc, e.g. macOS: trust the pid file). */
function isThisBroker(pid: number, propsFile: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8'); // NUL-separated argv
    return cmdline.includes('kafka.Kafka') && cmdline.includes(propsFile);
  } catch {
    return true;
  }
}

async function waitUntilReady(o: KafkaBrokerOptions, pid: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    await waitForPort(o.port, `Kafka broker (pid ${pid})`, READY_TIMEOUT_MS, () => isAlive(pid));
    // An open port is not enough: make sure the broker answers a metadata request with itself in it.
    const admin = new Kafka({ brokers: [`127.0.0.1:${o.port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 3000 }).admin();
    for (;;) {
      try {
        await admin.connect();
        if ((await admin.describeCluster()).brokers.length > 0) return;
      } catch (error) {
        if (Date.now() > deadline || !isAlive(pid)) throw error;
      } finally {
        await admin.disconnect();
      }
      await sleep(250);
    }
  } catch (error) {
    const logText = existsSync(o.logFile) ? tail(readFileSync(o.logFile, 'utf8'), 30) : '(no log file)';
    throw new Error(`Kafka broker on 127.0.0.1:${o.port} did not become ready: ${(error as Error).message}\n--- last lines of ${o.logFile} ---\n${logText}`);
  }
}

/**
 * Formats (once) and starts a detached single-node KRaft broker, or reuses the one its pid file names;
 * resolves once it answers metadata requests. Stop it with stopProcess(pid, pidFile): SIGTERM shuts it down cleanly.
 */
export async function startKafkaBroker(o: KafkaBrokerOptions, log: (msg: string) => void = () => {}): Promise<{ pid: number; brokers: string; reused: boolean }> {
  const brokers = `127.0.0.1:${o.port}`;
  const propsFile = join(resolve(o.dataDir), 'server.properties');
  const running = readLivePid(o.pidFile);
  if (running !== undefined && isThisBroker(running, propsFile)) {
    log(`kafka: broker already running (pid ${running})`);
    await waitUntilReady(o, running);
    return { pid: running, brokers, reused: true };
  }
  for (const port of [o.port, o.controllerPort]) {
    if (await isPortOpen(port)) throw new Error(`port ${port} is already in use by a program that is not the Kafka broker of ${o.pidFile}; stop it or choose other ports`);
  }
  const classpath = join(await ensureKafkaJars(log), '*'); // java expands the wildcard itself
  const logDir = join(resolve(o.dataDir), 'kraft');
  mkdirSync(o.dataDir, { recursive: true });
  writeFileSync(propsFile, serverProperties(o, logDir));
  // Formatting costs a JVM start (~2-3 s); --ignore-formatted keeps it idempotent if meta.properties is there after all.
  if (!existsSync(join(logDir, 'meta.properties'))) {
    await run('java', [LOG4J_FLAG, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId(o.dataDir), '-c', propsFile, '--ignore-formatted']);
  }
  const heapMb = o.heapMb ?? 512; // RSS stays around 200 MiB; the start script's 1 GiB is for production loads
  const jvm = [`-Xms${Math.min(128, heapMb)}m`, `-Xmx${heapMb}m`, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true'];
  const { pid } = spawnDetached('java', [...jvm, LOG4J_FLAG, '-cp', classpath, 'kafka.Kafka', propsFile], { logFile: o.logFile, pidFile: o.pidFile, cwd: o.dataDir });
  log(`kafka: starting broker (pid ${pid}) on ${brokers}, log ${o.logFile}`);
  try {
    await waitUntilReady(o, pid);
  } catch (error) {
    await stopProcess(pid, o.pidFile); // don't leave a half-started broker holding the ports
    throw error;
  }
  return { pid, brokers, reused: false };
}

/** Creates the topics that don't exist yet (replication factor 1); existing topics are left as they are. */
export async function ensureTopics(brokers: string, topics: { topic: string; numPartitions: number }[]): Promise<void> {
  const admin = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    // Only the missing ones: kafkajs skips waitForLeaders when any topic of the batch already exists.
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) await admin.createTopics({ topics: missing.map((t) => ({ ...t, replicationFactor: 1 })), waitForLeaders: true });
    // A topic created with fewer partitions (an older version of the project) is grown, as kafka-init does under Compose.
    const present = topics.filter((t) => existing.has(t.topic));
    if (present.length > 0) {
      const { topics: described } = await admin.fetchTopicMetadata({ topics: present.map((t) => t.topic) });
      const grow = present.filter((t) => (described.find((d) => d.name === t.topic)?.partitions.length ?? t.numPartitions) < t.numPartitions);
      if (grow.length > 0) await admin.createPartitions({ topicPartitions: grow.map((t) => ({ topic: t.topic, count: t.numPartitions })) });
    }
    // Finding a group coordinator makes a fresh broker create __consumer_offsets now (silently, with retries)
    // rather than during a service's first group join, which kafkajs would log as an ERROR.
    await admin.describeGroups(['devstack-warm-up']);
  } finally {
    await admin.disconnect();
  }
}
