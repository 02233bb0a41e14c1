import type { TokenChangeStatus, TokenView } from './queue-token';

/** A row of the gateway's own Postgres copy of the queue tokens. Times are epoch milliseconds. */
export interface FallbackTokenRecord {
  token: string;
  userId: string;
  status: TokenChangeStatus;
  issuedAt: number;
  activatedAt?: number;
  expiresAt?: number;
  /** The time of the change the row reflects. */
  updatedAt: number;
}

/**
 * What a fallback row means at `now`, when Redis cannot answer. Only a row that is ACTIVE with its slot
 * still running counts as active; a WAITING row stays waiting (the caller answers 403); anything else,
 * including no row at all, is not a live token (401). The row may lag Redis by the sync interval, so
 * the expiry is checked here against the clock rather than trusted from the status alone.
 *
 * `position` is the caller's estimate for a waiting token (Postgres cannot rank the line as Redis does).
 */
export function viewFromFallback(record: FallbackTokenRecord | undefined, now: number, position = 1): TokenView | undefined {
  if (!record || record.userId === '') return undefined;
  const base = { token: record.token, userId: record.userId, issuedAt: record.issuedAt, activatedAt: record.activatedAt };
  if (record.status === 'ACTIVE') {
    if (record.expiresAt === undefined || record.expiresAt <= now) return undefined;
    return { ...base, status: 'ACTIVE', position: 0, expiresAt: record.expiresAt };
  }
  if (record.status === 'WAITING') return { ...base, status: 'WAITING', position: Math.max(1, position) };
  return undefined;
}
