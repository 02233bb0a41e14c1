import { z } from 'zod';

/* Probes every service answers: `GET /health/live` and `GET /health/ready` (503 when unready). */

/** `GET /health/live`: the process runs. Loose so a service may add e.g. its name or uptime. */
export const LivenessResponse = z.looseObject({ status: z.literal('live') });
export type LivenessResponse = z.infer<typeof LivenessResponse>;

/** The outcome of probing one dependency; `error` only when it failed. */
export const ReadinessCheckResult = z.strictObject({
  ok: z.boolean(),
  latencyMs: z.number().nonnegative(),
  error: z.string().optional(),
});
export type ReadinessCheckResult = z.infer<typeof ReadinessCheckResult>;

/**
 * `GET /health/ready`: `ready` when every check is ok; `degraded` (still 200) when one failed but the
 * service serves on without it (the gateway's Postgres fallback while Redis is down); `unready` (503)
 * otherwise. `checks` is keyed by dependency name (postgres, redis…); the public gateway shows them only
 * to callers with its operator credential.
 */
export const ReadinessResponse = z.strictObject({
  status: z.enum(['ready', 'degraded', 'unready']),
  checks: z.record(z.string(), ReadinessCheckResult).optional(),
});
export type ReadinessResponse = z.infer<typeof ReadinessResponse>;
