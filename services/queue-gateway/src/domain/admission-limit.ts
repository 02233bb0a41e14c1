/*
 * How many users may be active at once. A fixed number is a guess: too low and the backends idle while
 * people wait, too high and booking and payment slow down for everyone admitted. The adaptive limit is
 * AIMD, as TCP's congestion window and Netflix's concurrency-limits do it: while the backends answer
 * the admitted users fast and without failures the limit grows by a step each interval; as soon as
 * their p95 latency passes the target, or any call fails, it is cut by a factor.
 */

export interface AdmissionLimitSettings {
  mode: 'adaptive' | 'fixed';
  /** The starting limit (adaptive) or the limit (fixed). */
  initial: number;
  min: number;
  max: number;
  /** Backend p95 latency seen by the gateway that counts as healthy. */
  targetP95Ms: number;
  /** Added per healthy interval. */
  increaseStep: number;
  /** Multiplied by on an unhealthy interval. */
  decreaseFactor: number;
  /** Fewer calls than this say nothing about health: the limit holds and the interval stretches. */
  minSamples: number;
}

/** Why the limit last moved. */
export type LimitChangeReason = 'healthy' | 'slow' | 'failing';

export interface LimitChange {
  reason: LimitChangeReason;
  from: number;
  to: number;
  at: number;
  /** The interval's p95 and failures that led to it. */
  p95Ms: number;
  failures: number;
}

/** Index of the p95 in a sorted sample of size n (nearest rank). */
const p95Of = (sorted: readonly number[]) => sorted[Math.max(0, Math.ceil(sorted.length * 0.95) - 1)] ?? 0;

export class AdmissionLimit {
  private current: number;
  private latencies: number[] = [];
  private failures = 0;
  private last: LimitChange | undefined;

  constructor(readonly settings: AdmissionLimitSettings) {
    this.current = clamp(settings.initial, settings.min, settings.max);
  }

  get limit(): number {
    return this.current;
  }

  get lastChange(): LimitChange | undefined {
    return this.last;
  }

  /** One backend call made on behalf of an admitted user: how long it took, and whether it failed (5xx, timeout, unreachable). */
  observe(latencyMs: number, failed: boolean): void {
    if (this.settings.mode === 'fixed') return;
    if (failed) this.failures++;
    else this.latencies.push(latencyMs);
  }

  /**
   * Closes an interval and moves the limit. `active` is how many slots are taken now: the limit only
   * grows while it is what holds people back (at least half used), otherwise a quiet evening would
   * raise it without bound and the first rush would meet a limit nobody ever tested.
   */
  adjust(now: number, active: number): LimitChange | undefined {
    if (this.settings.mode === 'fixed') return undefined;
    const { min, max, targetP95Ms, increaseStep, decreaseFactor, minSamples } = this.settings;
    // Too few calls say nothing yet: the interval stretches until they do (slow backends answer fewer
    // calls per interval, and exactly then the verdict must not be skipped).
    if (this.failures === 0 && this.latencies.length < minSamples) return undefined;
    const latencies = this.latencies.sort((a, b) => a - b);
    const failures = this.failures;
    this.latencies = [];
    this.failures = 0;
    const p95Ms = p95Of(latencies);
    let reason: LimitChangeReason | undefined;
    let next = this.current;
    if (failures > 0) {
      reason = 'failing';
      next = Math.floor(this.current * decreaseFactor);
    } else if (p95Ms > targetP95Ms) {
      reason = 'slow';
      next = Math.floor(this.current * decreaseFactor);
    } else if (active * 2 >= this.current) {
      reason = 'healthy';
      next = this.current + increaseStep;
    }
    next = clamp(next, min, max);
    if (reason === undefined || next === this.current) return undefined;
    this.last = { reason, from: this.current, to: next, at: now, p95Ms, failures };
    this.current = next;
    return this.last;
  }
}

/** A limit that never moves. */
export function fixedAdmissionLimit(limit: number): AdmissionLimit {
  return new AdmissionLimit({ mode: 'fixed', initial: limit, min: limit, max: limit, targetP95Ms: 0, increaseStep: 0, decreaseFactor: 1, minSamples: 0 });
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
