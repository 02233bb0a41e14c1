import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Whether something accepts TCP connections on host:port right now. */
export function isPortOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Polls until the port accepts connections; throws with `what` in the message after `timeoutMs`. */
export async function waitForPort(port: number, what: string, timeoutMs: number, isStillRunning?: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await isPortOpen(port)) return;
    if (isStillRunning && !isStillRunning()) throw new Error(`${what} exited before it opened port ${port}`);
    await sleep(200);
  }
  throw new Error(`${what} did not open port ${port} within ${Math.round(timeoutMs / 1000)} s`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A long-running server process that outlives the command that started it, tracked by a pid file. */
export interface DetachedProcess {
  pid: number;
  pidFile: string;
}

/** Starts `command` detached, its stdout/stderr appended to `logFile`, its pid written to `pidFile`. */
export function spawnDetached(command: string, args: string[], opts: { logFile: string; pidFile: string; cwd?: string; env?: NodeJS.ProcessEnv }): DetachedProcess {
  mkdirSync(dirname(opts.logFile), { recursive: true });
  mkdirSync(dirname(opts.pidFile), { recursive: true });
  const log = openSync(opts.logFile, 'a');
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  child.unref();
  writeFileSync(opts.pidFile, String(child.pid));
  return { pid: child.pid, pidFile: opts.pidFile };
}

/** The pid recorded in `pidFile` if that process is still alive. */
export function readLivePid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

/** SIGTERM, then SIGKILL after `graceMs`; removes the pid file. Safe to call twice. */
export async function stopProcess(pid: number, pidFile?: string, graceMs = 15_000): Promise<void> {
  if (isAlive(pid)) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isAlive(pid) && Date.now() < deadline) await sleep(100);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(50);
  }
  if (pidFile) rmSync(pidFile, { force: true });
}
