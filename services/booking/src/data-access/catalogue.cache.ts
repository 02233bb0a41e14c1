/**
 * Catalogue answers asked for a moment ago, already serialised: during a rush thousands of people open
 * the same concert list and the same few 500-seat lists, and reading and serialising them for each was
 * the biggest part of booking's work. An entry lives `ttlMs` at most. A seat list is dropped at once
 * when this process changes a seat of its schedule (hold, confirm, release, expiry), so a user never
 * sees the seat they just held as AVAILABLE; another booking process's change shows within `ttlMs` (a
 * hold attempt on such a seat gets 409 SEAT_UNAVAILABLE, as any race for a seat does). Counts of
 * available seats per schedule may lag by `ttlMs`.
 */
export class CatalogueCache {
  private readonly entries = new Map<string, { json: string; at: number }>();

  constructor(private readonly ttlMs: number, private readonly maxEntries = 1_000) {}

  get(key: string, variant: string | undefined, now = Date.now()): string | undefined {
    const entry = this.entries.get(`${key}:${variant ?? ''}`);
    return entry && now - entry.at < this.ttlMs ? entry.json : undefined;
  }

  set(key: string, variant: string | undefined, json: string, now = Date.now()): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(`${key}:${variant ?? ''}`, { json, at: now });
  }

  /**
   * The cached JSON of `key`/`variant`, or `load()`'s, kept for next time. `load` answers undefined for
   * "nothing there" (an unknown concert or schedule), which is not kept.
   */
  async getOrLoad(key: string, variant: string | undefined, load: () => Promise<string | undefined>): Promise<string | undefined> {
    const cached = this.get(key, variant);
    if (cached !== undefined) return cached;
    const json = await load();
    if (json !== undefined) this.set(key, variant, json);
    return json;
  }

  /** Drops every variant of `key` (a schedule's seat lists of every status), or everything when no key is named. */
  invalidate(key?: string): void {
    if (key === undefined) return this.entries.clear();
    for (const entry of this.entries.keys()) if (entry.startsWith(`${key}:`)) this.entries.delete(entry);
  }
}
