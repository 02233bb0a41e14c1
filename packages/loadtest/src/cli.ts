#!/usr/bin/env node
// `npm run load`: reset and seed the data, run the Artillery scenario against the running system, wait
// for the event pipeline to drain, audit, and write reports/load-<time>.{md,json}. Exit 1 unless the
// run passed (see LoadReport.ok). `scripts/run.mjs load` starts infra and services first when needed.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SCHEMAS } from '@ticketing/audit';
import { renderMarkdown } from './report';
import { resetData } from './reset';
import { runLoad, writeReport } from './run-load';

const root = join(__dirname, '../../..');

/** reports/ is not in the repository: a fresh clone creates it on its first run (Artillery will not). */
function reportsDir(): string {
  const dir = join(root, 'reports');
  mkdirSync(dir, { recursive: true });
  return dir;
}

function integer(name: string, raw: string | undefined, fallback: number, max: number): number {
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`${name} must be an integer from 1 to ${max}, got "${raw}"`);
  return value;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      users: { type: 'string' },
      window: { type: 'string' },
      target: { type: 'string' },
      concerts: { type: 'string' },
      seats: { type: 'string' },
      'no-reset': { type: 'boolean' },
    },
  });
  const env = process.env;
  const users = integer('--users', values.users ?? env.LOAD_USERS, 10_000, 1_000_000);
  const windowSeconds = integer('--window', values.window ?? env.LOAD_WINDOW_SECONDS, 60, 86_400);
  const concerts = integer('--concerts', values.concerts, 100, 100_000);
  const seats = integer('--seats', values.seats, 500, 100_000);
  const target = values.target ?? env.LOAD_TARGET ?? 'http://127.0.0.1:8080';
  const databaseUrl = env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ticketing';
  const redisUrl = env.REDIS_URL ?? 'redis://127.0.0.1:6380';
  const queuePrefix = env.QUEUE_KEY_PREFIX ?? 'queue:';
  const log = (msg: string) => process.stderr.write(`[load] ${msg}\n`);

  const ready = await fetch(`${target}/health/ready`).then((res) => res.ok, () => false);
  if (!ready) throw new Error(`the gateway at ${target} is not ready (start the system with \`npm start\`, or let \`npm run load\` start it)`);

  if (!values['no-reset']) {
    log('resetting every service’s data and the queue');
    await resetData({ databaseUrl, schemas: DEFAULT_SCHEMAS, redisUrl, queuePrefix });
    log(`seeding ${concerts} concerts × ${seats} seats`);
    const seed = spawnSync(process.execPath, [join(root, 'services/booking/dist/entry-points/cli/seed.js'), '--concerts', String(concerts), '--schedules', '1', '--seats', String(seats)], {
      env: { ...env, DATABASE_URL: databaseUrl, DATABASE_SCHEMA: DEFAULT_SCHEMAS.booking },
      stdio: 'inherit',
    });
    if (seed.status !== 0) throw new Error('seeding failed');
  }

  const name = `load-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  log(`${users} users over ${windowSeconds} s against ${target}`);
  const report = await runLoad({
    target,
    users,
    windowSeconds,
    catalogue: `${concerts} concerts × ${seats} seats`,
    audit: {
      databaseUrl,
      schemas: DEFAULT_SCHEMAS,
      redisUrl,
      queuePrefix,
      // The adaptive limit's ceiling (or the fixed limit): no more slots than this may ever be live.
      maxActive:
        env.QUEUE_LIMIT_MODE === 'fixed'
          ? integer('QUEUE_MAX_ACTIVE', env.QUEUE_MAX_ACTIVE, 100, 1_000_000)
          : integer('QUEUE_LIMIT_MAX', env.QUEUE_LIMIT_MAX, 1_000, 1_000_000),
    },
    artilleryOutput: join(reportsDir(), `${name}.artillery.json`),
    runId: randomUUID().slice(0, 8),
  });
  const path = writeReport(reportsDir(), name, report);
  process.stdout.write(`\n${renderMarkdown(report)}\n`);
  log(`report: ${path} (and .json); ${report.ok ? 'PASS' : 'FAIL'}`);
  return report.ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`[load] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
