import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { interleavedMedians } from '@ticketing/devstack/testing';

export interface LoadFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** Server CPU time (user + system) per request served. */
  cpuMicrosPerRequest: number;
}

export interface BenchServer {
  name: string;
  url: string;
  cpuMicros: () => Promise<number>;
  stop: () => void;
}

/** Forks a benchmark server (a .ts file, run through tsx like the parent) and resolves once it listens. */
export async function startServer(name: string, file: string, env: NodeJS.ProcessEnv): Promise<BenchServer> {
  const child: ChildProcess = fork(join(__dirname, file), [], {
    env: { ...process.env, ...env },
    execArgv: ['--import', 'tsx'],
    // Access logs go nowhere, but they are still produced, as in production.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`${file} exited (${code}) before listening`)));
  });
  const cpuMicros = async () => {
    child.send('cpu');
    const [message] = (await once(child, 'message')) as [{ cpuMicros: number }];
    return message.cpuMicros;
  };
  return { name, url, cpuMicros, stop: () => child.kill('SIGTERM') };
}

let users = 0;

/** POSTs `{ userId }` with a new user per request (the real issue path, not "already queued"). */
async function load(server: BenchServer, connections: number, seconds: number): Promise<LoadFigures> {
  const cpuBefore = await server.cpuMicros();
  const result = await autocannon({
    url: server.url,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/queue/tokens',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: JSON.stringify({ userId: `bench-${++users}` }) }),
      },
    ],
  });
  const cpu = (await server.cpuMicros()) - cpuBefore;
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx,
    cpuMicrosPerRequest: cpu / Math.max(1, result.requests.total),
  };
}

/**
 * Every server gets a warm-up, then `rounds` measured runs, interleaved and in rotating order, so that
 * background load on the machine hits all of them alike. Per server: the round with the median req/s.
 */
export async function compareServers(servers: BenchServer[], connections: number, seconds: number, rounds: number): Promise<Map<string, LoadFigures>> {
  for (const server of servers) await load(server, connections, 2);
  return interleavedMedians(Object.fromEntries(servers.map((server) => [server.name, () => load(server, connections, seconds)])), rounds, (figures) => figures.requestsPerSecond);
}
