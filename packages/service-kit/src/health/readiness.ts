import type { Router } from 'express';
import express from 'express';

/** One dependency the service needs before it can serve traffic (Postgres, Redis, Kafka…). */
export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency answers; rejects (or times out) when it does not. */
  check: () => Promise<unknown>;
}

export interface CheckResult {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

async function runOne(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check.check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every check in parallel, each bounded by `timeoutMs`, so a hung dependency cannot hang the probe. */
export async function runReadinessChecks(checks: readonly ReadinessCheck[], timeoutMs = 2_000) {
  const results = await Promise.all(checks.map(async (check) => [check.name, await runOne(check, timeoutMs)] as const));
  const ready = results.every(([, result]) => result.ok);
  return { status: ready ? ('ready' as const) : ('unready' as const), checks: Object.fromEntries(results) };
}

/** `GET /health/live` (the process runs) and `GET /health/ready` (its dependencies answer; 503 when not). */
export function healthRouter(checks: readonly ReadinessCheck[], timeoutMs?: number): Router {
  const router = express.Router();
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'live' });
  });
  router.get('/health/ready', async (_req, res) => {
    const report = await runReadinessChecks(checks, timeoutMs);
    res.status(report.status === 'ready' ? 200 : 503).json(report);
  });
  return router;
}
