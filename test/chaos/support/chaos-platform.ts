import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { runAudit, type CheckResult } from '@ticketing/audit';
import { readLivePid, startRedisServer, stopProcess } from '@ticketing/devstack';
import { freePort } from '@ticketing/devstack/testing';
import type { ResilientJourneyResult } from './resilient-journey';
import type { Traffic } from './traffic';
import { PLATFORM_SETUP_TIMEOUT_MS, startPlatform, type Platform, type PlatformOptions } from '../../support/platform';

export { queryOne } from '../../support/platform';

/** A fault scenario's set-up and run (its beforeAll), including the wait for the platform slot. */
export const SCENARIO_TIMEOUT_MS = PLATFORM_SETUP_TIMEOUT_MS;

/**
 * `npm test` runs the short variants; `npm run chaos` sets CHAOS_PROFILE=long for the outages the issue
 * names (Redis 30 s, Kafka 60 s) and more users.
 */
export const LONG = process.env.CHAOS_PROFILE === 'long';

/** A redis-server the test owns (AOF on, as deployed), so it can be killed and restarted from its AOF. */
export interface OwnedRedis {
  url: string;
  /** SIGKILL (a crash) or SIGTERM (a clean stop). */
  stop: (signal?: NodeJS.Signals) => Promise<void>;
  start: () => Promise<void>;
  close: () => Promise<void>;
}

export async function startOwnedRedis(): Promise<OwnedRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'chaos-redis-'));
  const server = { port: await freePort(), dir };
  const pidFile = join(dir, 'redis.pid');
  const { url } = await startRedisServer(server);
  const stop = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const pid = readLivePid(pidFile);
    if (pid === undefined) return;
    if (signal !== 'SIGTERM') process.kill(pid, signal);
    await stopProcess(pid, pidFile);
  };
  return {
    url,
    stop,
    start: async () => void (await startRedisServer(server)),
    close: async () => {
      await stop('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ChaosPlatform {
  platform: Platform;
  redis: OwnedRedis;
  maxActive: number;
  close: () => Promise<void>;
}

/** The four services on their own Redis and Kafka broker, with recovery thresholds short enough for a test. */
export async function startChaosPlatform(options: Omit<PlatformOptions, 'redisUrl'>): Promise<ChaosPlatform> {
  const redis = await startOwnedRedis();
  let platform: Platform;
  try {
    platform = await startPlatform({
      ...options,
      redisUrl: redis.url,
      env: {
        ...options.env,
        payment: { RECOVERY_AFTER_MS: '4000', RECOVERY_INTERVAL_MS: '500', OUTBOX_MAX_BACKOFF_MS: '2000', ...options.env?.payment },
        booking: { HOLD_SWEEP_INTERVAL_MS: '1000', ...options.env?.booking },
      },
    });
  } catch (error) {
    await redis.close();
    throw error;
  }
  return {
    platform,
    redis,
    maxActive: options.maxActive,
    close: async () => {
      // For a failed run: each service's log lines (CHAOS_LOG_DIR), read before the processes stop.
      const logs = process.env.CHAOS_LOG_DIR;
      if (logs) {
        const dir = join(logs, platform.queuePrefix.replace(/\W+/g, '-'));
        mkdirSync(dir, { recursive: true });
        for (const [name, service] of Object.entries(platform.processes)) writeFileSync(join(dir, `${name}.log`), `${service.output().join('\n')}\n`);
      }
      await platform.stop();
      await redis.close();
    },
  };
}

/**
 * Runs the audit until every check passes (the platform settles after a fault: recovery finishes
 * payments, the outbox drains, tokens expire) or `timeoutMs` passes; returns the last result and when
 * it became clean.
 */
export async function auditUntilClean(chaos: ChaosPlatform, timeoutMs: number): Promise<{ checks: CheckResult[]; cleanAt?: number }> {
  const { booking, payment, gateway, sink } = chaos.platform.schemas;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const checks = await runAudit({
      databaseUrl: booking.databaseUrl,
      schemas: { booking: booking.schema, payment: payment.schema, gateway: gateway.schema, sink: sink.schema },
      redisUrl: chaos.redis.url,
      queuePrefix: chaos.platform.queuePrefix,
      maxActive: chaos.maxActive,
    });
    if (checks.every((c) => c.ok)) return { checks, cleanAt: Date.now() };
    if (Date.now() > deadline) return { checks };
    await sleep(500);
  }
}

/** The audit's answer in the shape a test asserts on: every check ok, no violation. */
export const auditOutcome = (checks: CheckResult[]) => checks.map((c) => [c.name, c.ok, c.violations]);
export const cleanAudit = (checks: CheckResult[]) => checks.map((c) => [c.name, true, []]);

/** Closes every Postgres connection of one service (its schema is its application_name); returns how many. */
export async function terminateBackends(platform: Platform, service: 'booking' | 'payment' | 'gateway' | 'sink'): Promise<number> {
  const schema = platform.schemas[service];
  const db = new Client({ connectionString: schema.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()`,
      [schema.schema],
    );
    return Number(rows[0]?.n ?? 0);
  } finally {
    await db.end();
  }
}


export interface ChaosReport {
  scenario: string;
  variant: 'fast' | 'long';
  users: number;
  paid: number;
  requests: number;
  errorsByCode: Record<string, number>;
  /** Seconds from the fault's end (the part back) to the first success of the affected path. */
  recoverySeconds?: number;
  /** Seconds from the fault's end until the audit passed. */
  settledSeconds?: number;
  audit: 'pass' | 'fail';
  notes?: string;
}

/** Written for `npm run chaos` (CHAOS_REPORT_DIR), which prints every scenario as one table. */
function writeChaosReport(report: ChaosReport): void {
  const dir = process.env.CHAOS_REPORT_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${report.scenario.replace(/\W+/g, '-')}.json`), `${JSON.stringify(report, null, 2)}\n`);
}

export interface ScenarioRun {
  scenario: string;
  users: number;
  results: ResilientJourneyResult[];
  traffic: Traffic;
  /** When the part came back: recovery and settling are counted from here. */
  faultEndedAt: number;
  /** The first success of the affected path (what "recovered" means is the scenario's). */
  recoveredAt: number | undefined;
  /** When the audit passed (undefined: it never did). */
  cleanAt: number | undefined;
  notes: string;
}

/** The scenario's line of the `npm run chaos` table, from its users' results and the traffic they made. */
export function reportScenario(run: ScenarioRun): void {
  writeChaosReport({
    scenario: run.scenario,
    variant: LONG ? 'long' : 'fast',
    users: run.users,
    paid: run.results.filter((r) => r.paid).length,
    requests: run.traffic.calls.length,
    errorsByCode: run.traffic.errorsByCode(),
    recoverySeconds: seconds(run.faultEndedAt, run.recoveredAt),
    settledSeconds: seconds(run.faultEndedAt, run.cleanAt),
    audit: run.cleanAt ? 'pass' : 'fail',
    notes: run.notes,
  });
}

export const seconds = (from: number, to: number | undefined) => (to === undefined ? undefined : Math.round((to - from) / 100) / 10);
