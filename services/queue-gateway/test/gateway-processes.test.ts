import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IssueTokenResponse, TokenStatusResponse } from '@ticketing/contracts';
import { DEV_CREDENTIALS } from '@ticketing/service-kit';
import { startServiceProcess, waitFor, type ServiceProcess } from '@ticketing/devstack/testing';
import { createFallbackDb, type FallbackDb } from './support/fallback-db';
import { deleteKeysUnder, openRedis, REDIS_URL } from './support/queue-test-kit';
import type { Redis } from 'ioredis';

/*
 * The built gateway with GATEWAY_PROCESSES=2 (node:cluster: two processes on one port, supervised by a
 * primary), as `npm start` can run it: places are in Redis, not in a process, so a process killed with
 * SIGKILL mid-run loses nobody's place; the primary starts another; SIGTERM stops them all.
 */

const serviceDir = join(__dirname, '..');
const prefix = `test:qg-processes:${randomUUID()}:`;
let redis: Redis;
let db: FallbackDb;
let gateway: ServiceProcess;

/** The gateway processes the primary supervises (none once it is gone). */
const workers = () =>
  spawnSync('ps', ['--ppid', String(gateway.pid), '-o', 'pid='], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((line) => Number(line.trim()))
    .filter((pid) => pid > 0);
const listening = () => gateway.output().filter((line) => line.includes('"msg":"listening"')).length;

const call = async (method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: unknown }> => {
  const send = () =>
    fetch(`${gateway.url}${path}`, {
      method,
      headers: { ...(options.token && { 'X-Queue-Token': options.token }), ...(options.body !== undefined && { 'Content-Type': 'application/json' }) },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  // A kept-alive connection to the killed process is closed under the client: a browser sends a read again on a new one.
  const res = await send().catch((error: unknown) => (method === 'GET' ? send() : Promise.reject(error)));
  return { status: res.status, body: res.status === 204 ? undefined : ((await res.json()) as unknown) };
};

/** One request on a connection of its own: node:cluster hands new connections to the processes in turn. */
const fresh = (method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; text: string }> =>
  new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers = { ...options.headers, ...(options.token && { 'X-Queue-Token': options.token }), ...(body && { 'Content-Type': 'application/json' }) };
    const req = request(`${gateway.url}${path}`, { method, agent: false, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });

beforeAll(async () => {
  redis = await openRedis();
  db = await createFallbackDb('processes');
  gateway = await startServiceProcess(serviceDir, {
    GATEWAY_PROCESSES: '2',
    AUTH_MODE: 'dev',
    REDIS_URL,
    DATABASE_SCHEMA: db.schema,
    QUEUE_KEY_PREFIX: prefix,
    KAFKA_GROUP_ID: `test-processes-${randomUUID()}`,
    QUEUE_LIMIT_MODE: 'fixed',
    QUEUE_MAX_ACTIVE: '2',
    RATE_LIMIT_PER_USER: '3',
    RATE_LIMIT_USER_WINDOW_SECONDS: '60',
  });
  await waitFor('both processes listening', async () => (listening() >= 2 && workers().length === 2 ? true : undefined), 60_000, 100);
}, 90_000);

afterAll(async () => {
  await gateway?.stop('SIGKILL');
  for (const pid of gateway ? workers() : []) process.kill(pid, 'SIGKILL');
  await deleteKeysUnder(redis, prefix);
  await redis?.quit();
  await db?.drop();
});

describe('GATEWAY_PROCESSES=2', () => {
  it('when a process is killed with SIGKILL mid-run, then every place is kept, another process takes its place, and a freed slot still admits the next in line', async () => {
    const users = Array.from({ length: 20 }, (_, i) => `proc-user-${i}`);
    const tokens: string[] = [];
    for (const userId of users) tokens.push(IssueTokenResponse.parse((await call('POST', '/queue/tokens', { body: { userId } })).body).token);
    await waitFor('two admitted', async () => ((await call('GET', '/queue/tokens/me', { token: tokens[1] })).body as { status: string }).status === 'ACTIVE' || undefined, 30_000, 100);

    const [victim, survivor] = workers() as [number, number];
    process.kill(victim, 'SIGKILL');
    await waitFor('a new process in its place', async () => {
      const now = workers();
      return now.length === 2 && !now.includes(victim) && now.includes(survivor) ? now : undefined;
    }, 60_000, 100);

    // Whichever process answers: the same places, in the order people joined.
    const states = await Promise.all(tokens.map(async (token) => TokenStatusResponse.parse((await call('GET', '/queue/tokens/me', { token })).body)));
    expect(states.slice(0, 2).map((state) => state.status)).toEqual(['ACTIVE', 'ACTIVE']);
    expect(states.slice(2).map((state) => state.position)).toEqual(users.slice(2).map((_, i) => i + 1));

    // The head of the line waits on one connection while another frees a slot.
    const waited = call('GET', '/queue/tokens/me?wait=30', { token: tokens[2] });
    expect((await call('DELETE', '/queue/tokens/me', { token: tokens[0] })).status).toBe(204);
    expect(TokenStatusResponse.parse((await waited).body).status).toBe('ACTIVE');
  }, 120_000);

  it('when the calls of one user land on both processes, then the token is valid on each, the per-user limit is counted once for both, and /metrics on either shows both', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await fresh('POST', '/queue/tokens', { body: { userId: 'proc-limited' } })).status);
    // Counted per process, a limit of 3 spread over two processes would let all four through.
    expect(statuses).toEqual([201, 200, 200, 429]);

    const token = IssueTokenResponse.parse((await call('POST', '/queue/tokens', { body: { userId: 'proc-reader' } })).body).token;
    const reads = await Promise.all(Array.from({ length: 6 }, async () => (await fresh('GET', '/queue/tokens/me', { token })).status));
    expect(reads).toEqual(Array(6).fill(200));

    // /metrics on either process is the sum of both (the one 429 happened on one of them), and the
    // counts read from Redis are not doubled.
    const waiting = ((await call('GET', '/queue/stats')).body as { waiting: number }).waiting;
    for (let i = 0; i < 4; i++) {
      const scrape = await fresh('GET', '/metrics', { headers: { authorization: `Bearer ${DEV_CREDENTIALS.OPS_TOKEN}` } });
      expect(scrape.status).toBe(200);
      expect(scrape.text).toMatch(/^queue_token_rate_limited_total\{[^}]*limit="user"[^}]*\} 1$/m);
      expect(scrape.text).toMatch(new RegExp(`^queue_waiting\\{[^}]*\\} ${waiting}$`, 'm'));
    }
  }, 60_000);

  it('when the primary gets SIGTERM, then every process shuts down and it exits 0', async () => {
    const pids = workers();
    expect(pids).toHaveLength(2);

    expect(await gateway.stop('SIGTERM')).toBe(0);

    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  }, 60_000);
});
