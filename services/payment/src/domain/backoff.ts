import { setTimeout as sleep } from 'node:timers/promises';

/**
 * "Equal jitter" backoff: half of the exponential step is fixed, half random. The fixed half keeps a
 * retrier from hammering at once again; the random half spreads many retriers that failed together, so
 * they do not collide again in lock-step.
 */
export function jitteredBackoff(attempt: number, baseMs: number, capMs: number): number {
  const step = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return step / 2 + Math.random() * (step / 2);
}

/** Resolves after `ms`, or at once (without throwing) when `signal` aborts, so stopping a job is prompt. */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return;
  await sleep(ms, undefined, { signal }).catch(() => undefined);
}
