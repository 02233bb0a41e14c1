/**
 * The seat lists of recently asked schedules, already serialised: during a rush thousands of people
 * open the same few 500-seat lists, and reading and serialising 500 rows for each was the biggest part
 * of booking's work. An entry lives `ttlMs` at most and is dropped at once when this process changes a
 * seat of its schedule (hold, confirm, release, expiry), so a user never sees the seat they just held
 * as AVAILABLE. Another booking process's change shows within `ttlMs` (a hold attempt on such a seat
 * gets 409 SEAT_UNAVAILABLE, as any race for a seat does).
 */
export class SeatListCache {
  private readonly entries = new Map<string, { json: string; at: number }>();

  constructor(private readonly ttlMs: number, private readonly maxEntries = 1_000) {}

  get(scheduleId: string, status: string | undefined, now = Date.now()): string | undefined {
    const entry = this.entries.get(`${scheduleId}:${status ?? ''}`);
    return entry && now - entry.at < this.ttlMs ? entry.json : undefined;
  }

  set(scheduleId: string, status: string | undefined, json: string, now = Date.now()): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(`${scheduleId}:${status ?? ''}`, { json, at: now });
  }

  /** Drops every list of the schedule (all statuses), or every list when no schedule is named. */
  invalidate(scheduleId?: string): void {
    if (scheduleId === undefined) return this.entries.clear();
    for (const key of this.entries.keys()) if (key.startsWith(`${scheduleId}:`)) this.entries.delete(key);
  }
}
