import type { TokenChangeStatus } from './queue-token';

/**
 * One state change of a token, as the queue's Lua scripts append it to the `<prefix>changes` stream and
 * the fallback sync copies it into Postgres. Times are epoch milliseconds; a time the script did not know
 * (e.g. the issue time of a token whose hash had already lapsed when it was retired) is absent.
 */
export interface TokenChange {
  token: string;
  /** Empty only when a retired token's user was no longer known. */
  userId: string;
  status: TokenChangeStatus;
  issuedAt?: number;
  activatedAt?: number;
  expiresAt?: number;
  /** When the change happened; the fallback row keeps the newest change by this time. */
  at: number;
}

const STATUSES: ReadonlySet<string> = new Set<TokenChangeStatus>(['WAITING', 'ACTIVE', 'EXPIRED']);

/** `''` (Lua's stand-in for nil) and anything not a whole non-negative number mean "unknown". */
function millis(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,15}$/.test(value)) return undefined;
  return Number(value);
}

/** A change's values as text, as Redis holds them (a stream entry, a token's hash); '' or absent when unknown. */
export type RawTokenChange = Partial<Record<'token' | 'userId' | 'status' | 'issuedAt' | 'activatedAt' | 'expiresAt' | 'at', string>>;

/** Reads a change from its values; undefined when it is not one (no token, unknown status, no time). */
export function tokenChangeFrom(raw: RawTokenChange): TokenChange | undefined {
  const { token, status } = raw;
  const at = millis(raw.at);
  if (!token || status === undefined || !STATUSES.has(status) || at === undefined) return undefined;
  return {
    token,
    userId: raw.userId ?? '',
    status: status as TokenChangeStatus,
    issuedAt: millis(raw.issuedAt),
    activatedAt: millis(raw.activatedAt),
    expiresAt: millis(raw.expiresAt),
    at,
  };
}

/** A change as named fields, a flat `[field, value, field, value, …]` list (one change per stream entry, as written before). */
export function parseTokenChange(fields: readonly string[]): TokenChange | undefined {
  const raw: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) raw[fields[i]!] = fields[i + 1]!;
  return tokenChangeFrom(raw);
}

/**
 * Reads a stream entry: one script run's changes in its `changes` field, seven space-separated values
 * each, in the order `change` in queue-lua/common.lua.ts writes them; or an entry of one change as named
 * fields, written before that format (so a stream left by an older gateway is still copied). Undefined
 * stands for a change that could not be read, which the sync skips instead of retrying forever.
 */
export function parseTokenChanges(fields: readonly string[]): (TokenChange | undefined)[] {
  if (fields.length !== 2 || fields[0] !== 'changes') return [parseTokenChange(fields)];
  const values = fields[1]!.split(' ');
  const changes: (TokenChange | undefined)[] = [];
  for (let i = 0; i < values.length; i += 7) {
    const [token, userId, status, issuedAt, activatedAt, expiresAt, at] = values.slice(i, i + 7);
    // An incomplete rest (a value with a space in it would shift every later one) is not a change.
    changes.push(at === undefined ? undefined : tokenChangeFrom({ token, userId, status, issuedAt, activatedAt, expiresAt, at }));
  }
  return changes;
}

/**
 * Whether `candidate` should replace `current` as the latest known state of one token: a later change
 * wins; at the same millisecond the further lifecycle step wins (WAITING → ACTIVE → EXPIRED never runs
 * backwards), so the outcome never depends on the order in which two consumers apply them. The upsert's
 * SQL guard applies the same rule (Postgres orders the enum the same way).
 */
export function supersedes(candidate: TokenChange, current: TokenChange): boolean {
  if (candidate.at !== current.at) return candidate.at > current.at;
  return STATUS_RANK[candidate.status] >= STATUS_RANK[current.status];
}

const STATUS_RANK: Readonly<Record<TokenChangeStatus, number>> = { WAITING: 0, ACTIVE: 1, EXPIRED: 2 };
