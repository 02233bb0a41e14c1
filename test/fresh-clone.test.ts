import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

/*
 * The README's commands on a fresh `git clone` of HEAD, in an order a newcomer might take, with short
 * settings: each must set up what it needs itself (the database, reports/, the build). The clone gets
 * its own ports (PORT_BASE, Redis, Kafka), data directory and databases, so it never meets the test run
 * around it or a system started by hand. node_modules is copied from this checkout (as `npm ci` would
 * install it from the same lock file), to keep the registry out of the test.
 */

const root = join(__dirname, '..');
const SETUP_TIMEOUT_MS = 15 * 60_000;
let clone: string;
let env: NodeJS.ProcessEnv;

function npm(args: string[], timeoutMs = 10 * 60_000): SpawnSyncReturns<string> {
  return spawnSync('npm', args, { cwd: clone, env, encoding: 'utf8', timeout: timeoutMs });
}

const tail = (result: SpawnSyncReturns<string>) => `${result.stdout.slice(-3_000)}\n${result.stderr.slice(-3_000)}`;

beforeAll(() => {
  clone = mkdtempSync(join(tmpdir(), 'ticketing-clone-'));
  const cloned = spawnSync('git', ['clone', '--quiet', root, clone], { encoding: 'utf8' });
  if (cloned.status !== 0) throw new Error(`git clone failed: ${cloned.stderr}`);
  cpSync(join(root, 'node_modules'), join(clone, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  // npm installs a workspace's own version of a package beside it when the root holds another one.
  for (const group of ['services', 'packages']) {
    for (const workspace of readdirSync(join(root, group))) {
      const own = join(root, group, workspace, 'node_modules');
      if (existsSync(own)) cpSync(own, join(clone, group, workspace, 'node_modules'), { recursive: true, verbatimSymlinks: true });
    }
  }
  // The copy is what `npm ci` installs from this very lock file; say so, as `npm ci` would.
  const now = new Date();
  utimesSync(join(clone, 'node_modules/.package-lock.json'), now, now);
  env = {
    ...process.env,
    PORT_BASE: '18180',
    REDIS_PORT: '16390',
    KAFKA_PORT: '19192',
    KAFKA_CONTROLLER_PORT: '19193',
    DATABASE_URL: `postgresql://postgres@127.0.0.1:5432/ticketing_clone_${process.pid}`,
    BENCH_SECONDS: '2',
  };
  // What the surrounding test run points at is not the clone's business.
  for (const key of ['REDIS_URL', 'KAFKA_BROKERS', 'DEVSTACK_DIR', 'NODE_ENV']) delete env[key];
}, SETUP_TIMEOUT_MS);

afterAll(() => {
  if (!clone) return;
  // Drops the clone's databases and stops anything it left running.
  npm(['run', 'infra:reset'], 120_000);
  rmSync(clone, { recursive: true, force: true });
}, 5 * 60_000);

describe('the README commands on a fresh clone', () => {
  it('when `npm run load` is the first command, then it builds, starts what it needs, writes reports/ and passes', () => {
    const result = npm(['run', 'load', '--', '--users', '20', '--window', '2', '--concerts', '2', '--seats', '20']);

    expect({ status: result.status, output: result.status === 0 ? '' : tail(result) }).toEqual({ status: 0, output: '' });
    const report = JSON.parse(readFileSync(join(clone, 'reports/latest.json'), 'utf8')) as { ok: boolean; flow: { users: number } };
    expect(report).toMatchObject({ ok: true, flow: { users: 20 } });
  });

  it('when `npm run bench:booking` runs before `npm test` ever did, then it creates its database and prints its ratio', () => {
    const result = npm(['run', 'bench:booking'], 5 * 60_000);

    expect({ status: result.status, output: result.status === 0 ? '' : tail(result) }).toEqual({ status: 0, output: '' });
    expect(result.stdout).toMatch(/ratio/i);
  });

  it('when `npm run audit` runs on what the load left, then every invariant holds', () => {
    const result = npm(['run', 'audit']);

    expect({ status: result.status, output: result.status === 0 ? '' : tail(result) }).toEqual({ status: 0, output: '' });
    expect(result.stdout).toMatch(/money\s+\| ok/);
  });
});
