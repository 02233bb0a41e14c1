#!/usr/bin/env node
// `npm run audit`: checks every cross-service invariant; exit 1 on any violation. `--json` prints JSON.
import { runAudit } from './audit';
import { formatTable } from './format';

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

async function main(args: string[]): Promise<number> {
  const checks = await runAudit({
    databaseUrl: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ticketing',
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6380',
    queuePrefix: process.env.QUEUE_KEY_PREFIX ?? 'queue:',
    maxActive: positiveInt('QUEUE_MAX_ACTIVE', 100),
    holdGraceSeconds: positiveInt('AUDIT_HOLD_GRACE_SECONDS', 30),
  });
  const ok = checks.every((check) => check.ok);
  process.stdout.write(args.includes('--json') ? `${JSON.stringify({ ok, checks }, null, 2)}\n` : `${formatTable(checks)}\n`);
  return ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    process.stderr.write(`[audit] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
