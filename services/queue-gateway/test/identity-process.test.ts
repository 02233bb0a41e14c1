import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorBody, IssueTokenResponse } from '@ticketing/contracts';
import { startServiceProcess, type ServiceProcess } from '@ticketing/devstack/testing';
import { createFallbackDb, type FallbackDb } from './support/fallback-db';
import { bearer, JWT_SECRET, signJwt } from './support/identity-kit';
import { deleteKeysUnder, keysUnder, openRedis, REDIS_URL } from './support/queue-test-kit';

/*
 * The built gateway (`node dist/main.js`) as production runs it: main.ts must wire JWT identity and the
 * Redis-backed limits from the environment, and refuse to start when nothing asks for dev and no key is set.
 */

const serviceDir = join(__dirname, '..');
const prefix = `test:qg-identity-process:${randomUUID()}:`;
const OPS_TOKEN = 'identity-process-ops-token-0123456789';
const PRODUCTION = { NODE_ENV: 'production', INTERNAL_TOKEN: 'identity-process-internal-token-0123456789', OPS_TOKEN };
const ISSUER = 'https://id.example.test/';
const AUDIENCE = 'queue-gateway';
let redis: Redis;
let db: FallbackDb;
let gateway: ServiceProcess;

beforeAll(async () => {
  redis = await openRedis();
  db = await createFallbackDb('identity_proc');
  gateway = await startServiceProcess(serviceDir, {
    ...PRODUCTION,
    LOG_LEVEL: 'debug',
    REDIS_URL,
    DATABASE_SCHEMA: db.schema,
    QUEUE_KEY_PREFIX: prefix,
    // Its own consumer group: it must not take partitions from other tests' consumers.
    KAFKA_GROUP_ID: `test-identity-${randomUUID()}`,
    AUTH_MODE: 'jwt',
    AUTH_JWT_SECRET: JWT_SECRET,
    AUTH_JWT_ISSUER: ISSUER,
    AUTH_JWT_AUDIENCE: AUDIENCE,
    RATE_LIMIT_PER_USER: '2',
    RATE_LIMIT_USER_WINDOW_SECONDS: '60',
  });
}, 60_000);

afterAll(async () => {
  await gateway?.stop('SIGTERM');
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
  await db?.drop();
});

const issue = (headers: Record<string, string>) =>
  fetch(`${gateway.url}/queue/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });

describe('the gateway process with NODE_ENV=production and AUTH_MODE=jwt', () => {
  it('when a token is asked without a JWT, then 401 AUTH.TOKEN_INVALID', async () => {
    const res = await issue({});

    expect(res.status).toBe(401);
    expect(ErrorBody.parse(await res.json()).code).toBe('AUTH.TOKEN_INVALID');
  });

  it('when one user asks three times with a limit of 2, then 201, 200 and 429 with Retry-After, counted under QUEUE_KEY_PREFIX', async () => {
    const jwt = await signJwt('process-user', { issuer: ISSUER, audience: AUDIENCE });

    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await issue(bearer(jwt)));

    expect(answers.map((res) => res.status)).toEqual([201, 200, 429]);
    const token = IssueTokenResponse.parse(await answers[0]!.json()).token;
    expect(await redis.get(`${prefix}u:process-user`)).toBe(token);
    expect(Number(answers[2]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await keysUnder(redis, `${prefix}rl:`)).toEqual(expect.arrayContaining([`${prefix}rl:user:process-user`, `${prefix}rl:address:127.0.0.1`]));
    const output = gateway.output().join('\n');
    expect(output).toContain('/queue/tokens');
    expect(output).not.toContain(jwt);
    expect(output).not.toContain(token);
  });
});

/** Runs `node dist/main.js` with exactly `env` (no test defaults) and resolves with its exit code and output. */
async function startBare(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(serviceDir, 'dist/main.js')], { cwd: serviceDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, output };
}

describe('the gateway process started bare, as `node dist/main.js` with no settings', () => {
  it('when nothing asks for AUTH_MODE=dev, then it exits 1 naming the missing key and internal token: it never trusts a body userId by default', async () => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, PORT: '0' };

    const { code, output } = await startBare(env);

    expect(code).toBe(1);
    expect(output).toContain('AUTH_JWT_SECRET: AUTH_MODE=jwt needs exactly one');
    expect(output).toContain('INTERNAL_TOKEN: is required');
  });

  it('when production asks for AUTH_MODE=dev, then it exits 1 naming AUTH_MODE', async () => {
    const { code, output } = await startBare({ PATH: process.env.PATH, ...PRODUCTION, AUTH_MODE: 'dev', PORT: '0' });

    expect(code).toBe(1);
    expect(output).toContain('AUTH_MODE: must not be dev when NODE_ENV=production');
  });
});

describe('the public gateway\'s operational endpoints (security review, point 12)', () => {
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${gateway.url}${path}`, { headers });

  it('when /metrics is asked without the operator credential, or with a wrong one, then 401 and no metrics', async () => {
    for (const headers of [{}, { authorization: 'Bearer not-the-ops-token-000000' }, { authorization: OPS_TOKEN }] as Record<string, string>[]) {
      const res = await get('/metrics', headers);
      const body = (await res.json()) as { code: string };
      expect({ status: res.status, code: body.code }).toEqual({ status: 401, code: 'AUTH.INTERNAL_CREDENTIAL_MISSING' });
    }
  });

  it('when /metrics is asked with `Authorization: Bearer <OPS_TOKEN>`, then the Prometheus text', async () => {
    const res = await get('/metrics', { authorization: `Bearer ${OPS_TOKEN}` });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('http_request_duration_seconds_bucket');
  });

  it('when /health/ready is probed without the credential, then only its status (no dependency names, latencies or error text); with it, the checks', async () => {
    const anonymous = await get('/health/ready');
    expect({ status: anonymous.status, body: await anonymous.json() }).toEqual({ status: 200, body: { status: 'ready' } });

    const operator = (await (await get('/health/ready', { authorization: `Bearer ${OPS_TOKEN}` })).json()) as { checks: Record<string, unknown> };
    expect(Object.keys(operator.checks).sort()).toEqual(['kafka', 'postgres', 'redis']);
    expect((await get('/health/live')).status).toBe(200);
  });
});
