/** One HTTP call a simulated user made through the gateway, as the user saw it. */
export interface CallRecord {
  /** Epoch ms when the answer (or the failure) arrived. */
  at: number;
  method: string;
  /** The first path segment, e.g. `queue`, `payments`. */
  route: string;
  /** The HTTP status, or NETWORK (connection refused/reset) or TIMEOUT (no answer in time: a hang). */
  status: number | 'NETWORK' | 'TIMEOUT';
  /** The error body's `code`, when there was one. */
  code?: string;
  retryAfter?: string;
}

/**
 * Every call of a run, so a fault test can assert on what users saw (no 500, every 503 with
 * Retry-After, no hang) and report requests, errors by code and recovery times.
 */
export class Traffic {
  readonly calls: CallRecord[] = [];

  record(call: CallRecord): void {
    this.calls.push(call);
  }

  /** Failed answers and network failures by `<status> <code>` (409 seat collisions included: users see them). */
  errorsByCode(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const call of this.calls) {
      if (typeof call.status === 'number' && call.status < 400) continue;
      const key = typeof call.status === 'number' ? `${call.status} ${call.code ?? ''}`.trim() : call.status;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Server errors other than a 503 that tells the client when to retry. */
  unexplainedServerErrors(): CallRecord[] {
    return this.calls.filter((c) => c.status === 'TIMEOUT' || (typeof c.status === 'number' && c.status >= 500 && !(c.status === 503 && c.retryAfter)));
  }

  /** Epoch ms of the first call at or after `since` that matched and succeeded. */
  firstSuccess(since: number, match: (call: CallRecord) => boolean): number | undefined {
    return this.calls.find((c) => c.at >= since && typeof c.status === 'number' && c.status < 400 && match(c))?.at;
  }

  between(from: number, to: number): CallRecord[] {
    return this.calls.filter((c) => c.at >= from && c.at <= to);
  }
}
