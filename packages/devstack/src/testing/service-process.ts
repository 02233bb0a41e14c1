import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from './wait-for';

export interface ServiceProcess {
  url: string;
  pid: number;
  /** Every line the service printed so far (JSON log lines). */
  output: () => string[];
  /** Sends `signal` and resolves with the exit code (null when killed by a signal). */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/**
 * Runs a built service (`node dist/main.js`, as its container does) on a free port and resolves once it
 * logs that it listens. Tests use it to check the real wiring of main.ts: config, clients, shutdown.
 * It runs in AUTH_MODE=dev (development credentials) unless `env` says otherwise.
 */
export function startServiceProcess(serviceDir: string, env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<ServiceProcess> {
  const child: ChildProcess = spawn(process.execPath, [join(serviceDir, 'dist/main.js')], {
    cwd: serviceDir,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', AUTH_MODE: 'dev', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`service did not listen within ${timeoutMs} ms:\n${lines.join('\n')}`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    let buffered = '';
    const onData = (chunk: Buffer) => {
      const parts = (buffered + chunk.toString('utf8')).split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        const url = listeningUrl(line);
        if (url) {
          clearTimeout(timer);
          resolve({
            url,
            pid: child.pid ?? -1,
            output: () => [...lines],
            stop: (signal = 'SIGTERM') => {
              if (child.exitCode === null && child.signalCode === null) child.kill(signal);
              return exited;
            },
          });
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => fail(new Error(`service exited (${code}) before listening:\n${lines.join('\n')}`)));
  });
}

/**
 * Resolves once the service's `/health/ready` says `ready`: every dependency up. A 200 is not enough: a
 * service that serves without one of them (the gateway without Redis, from the Postgres copy) answers
 * `degraded` with a 200, and the gateway listens before its Redis client has connected.
 */
export async function waitUntilReady(url: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(`${url} to be ready`, async () => ((await (await fetch(`${url}/health/ready`)).json()) as { status?: string }).status === 'ready' || undefined, timeoutMs, 100);
}

function listeningUrl(line: string): string | undefined {
  try {
    const entry = JSON.parse(line) as { msg?: string; url?: string };
    return entry.msg === 'listening' ? entry.url : undefined;
  } catch {
    return undefined;
  }
}
