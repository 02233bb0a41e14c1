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

/**
 * Reads a stream entry's flat `[field, value, field, value, …]` list. Returns undefined for an entry that
 * is not a token change (no token, unknown status, no time), which the sync skips instead of retrying
 * forever.
 */
export function parseTokenChange(fields: readonly string[]): TokenChange | undefined {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  const token = map.get('token');
  const status = map.get('status');
  const at = millis(map.get('at'));
  if (!token || status === undefined || !STATUSES.has(status) || at === undefined) return undefined;
  return {
    token,
    userId: map.get('userId') ?? '',
    status: status as TokenChangeStatus,
    issuedAt: millis(map.get('issuedAt')),
    activatedAt: millis(map.get('activatedAt')),
    expiresAt: millis(map.get('expiresAt')),
    at,
  };
}

/**
 * Reads a stream entry holding one script run's changes: groups of fields, each starting at a `token`
 * field (queue-lua/common.lua.ts, `finish`). An entry of one change is one group. Each group is read by
 * parseTokenChange: undefined stands for a group that is not a token change.
 */
export function parseTokenChanges(fields: readonly string[]): (TokenChange | undefined)[] {
  const groups: (TokenChange | undefined)[] = [];
  let start = 0;
  for (let i = 2; i <= fields.length; i += 2) {
    if (i === fields.length || fields[i] === 'token') {
      groups.push(parseTokenChange(fields.slice(start, i)));
      start = i;
    }
  }
  return groups;
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
