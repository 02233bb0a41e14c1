import { withTimeout } from '../lifecycle/timing';
import type { Request, Router } from 'express';
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
  try {
    await withTimeout(Promise.resolve(check.check()), timeoutMs, `no answer within ${timeoutMs} ms`);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: error instanceof Error ? error.message : String(error) };
  }
}

export type ReadinessStatus = 'ready' | 'degraded' | 'unready';

export interface ReadinessOptions {
  /** Bound on each check, so a hung dependency cannot hang the probe (default 2 s). */
  timeoutMs?: number;
  /**
   * Whether the service still serves with these dependencies up (default: only with all of them). A failed
   * check it serves without makes it `degraded`, still 200, so a load balancer keeps sending it traffic.
   */
  servesWith?: (up: ReadonlySet<string>) => boolean;
}

/** Runs every check in parallel, each bounded by `timeoutMs`, and judges the service by `servesWith`. */
export async function runReadinessChecks(checks: readonly ReadinessCheck[], options: ReadinessOptions = {}) {
  const results = await Promise.all(checks.map(async (check) => [check.name, await runOne(check, options.timeoutMs ?? 2_000)] as const));
  const up = new Set(results.filter(([, result]) => result.ok).map(([name]) => name));
  const status: ReadinessStatus =
    up.size === checks.length ? 'ready' : (options.servesWith ?? (() => false))(up) ? 'degraded' : 'unready';
  return { status, checks: Object.fromEntries(results) };
}

export interface HealthRouterOptions extends ReadinessOptions {
  /**
   * Who may see the checks' details (latency, the dependency's error text): without it, or when it says
   * no, `/health/ready` answers only its status (and code), which is all a load balancer needs.
   */
  mayInspect?: (req: Request) => boolean;
  /**
   * Serve a finished check's result to every probe within this many ms of its end (default 0). Probes that
   * arrive while a check runs always share it, so a probe storm, or a dependency slow to answer, never
   * stacks up checks.
   */
  cacheMs?: number;
}

/** `GET /health/live` (the process runs) and `GET /health/ready` (its dependencies answer; 503 when it cannot serve). */
export function healthRouter(checks: readonly ReadinessCheck[], options: HealthRouterOptions = {}): Router {
  const router = express.Router();
  type Report = Awaited<ReturnType<typeof runReadinessChecks>>;
  let last: { at: number; report: Report } | undefined;
  let running: Promise<Report> | undefined;
  const report = (): Promise<Report> => {
    if (last && Date.now() - last.at < (options.cacheMs ?? 0)) return Promise.resolve(last.report);
    running ??= runReadinessChecks(checks, options)
      .then((result) => {
        last = { at: Date.now(), report: result };
        return result;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'live' });
  });
  router.get('/health/ready', async (req, res) => {
    const { status, checks: results } = await report();
    res.status(status === 'unready' ? 503 : 200).json(options.mayInspect && !options.mayInspect(req) ? { status } : { status, checks: results });
  });
  return router;
}
