import type { FallbackTokenRecord } from '../../domain/fallback-token';
import { supersedes, type TokenChange } from '../../domain/token-change';
import type { PrismaClient } from '../generated/prisma/client';

/** The part of the generated client this repository uses (tests and main pass the real one). */
export type FallbackPrisma = Pick<PrismaClient, '$executeRawUnsafe' | '$queryRawUnsafe' | 'queueToken'>;

/**
 * A row of the site-wide line: its tokens have no dot, a concert line's start with `<concertId>.`
 * (domain/queue-line.ts), so a line's rows are told apart by the token alone.
 */
const OF_SITE_LINE = `position('.' in token) = 0`;

/** Rows per upsert statement. */
const UPSERT_ROWS = 1_000;

/**
 * One statement for the whole batch: seven array parameters unnested into rows, so a batch of 1,000 is
 * one round trip with a fixed parameter count and one cached plan. Times travel as epoch milliseconds
 * and become timestamps in SQL, exactly (no float seconds).
 *
 * The WHERE clause is what makes the copy safe to fill out of order (several gateways consume the
 * stream, a reclaimed entry may arrive late): an older change never overwrites a newer one; at the same
 * millisecond the further lifecycle step wins (the enum is declared WAITING, ACTIVE, EXPIRED). A value
 * a change did not know (empty in the stream) keeps what the row already had.
 */
const UPSERT_SQL = `
WITH input AS (
  SELECT token, user_id, status::"TokenStatus" AS status,
         to_ms(issued_ms) AS issued_at, to_ms(activated_ms) AS activated_at,
         to_ms(expires_ms) AS expires_at, to_ms(at_ms) AS updated_at
  FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
    AS t(token, user_id, status, issued_ms, activated_ms, expires_ms, at_ms)
)
INSERT INTO queue_tokens AS q (token, user_id, status, issued_at, activated_at, expires_at, updated_at)
SELECT token, user_id, status, COALESCE(issued_at, updated_at), activated_at, expires_at, updated_at FROM input
ON CONFLICT (token) DO UPDATE SET
  user_id = COALESCE(NULLIF(EXCLUDED.user_id, ''), q.user_id),
  status = EXCLUDED.status,
  issued_at = LEAST(q.issued_at, EXCLUDED.issued_at),
  activated_at = COALESCE(EXCLUDED.activated_at, q.activated_at),
  expires_at = COALESCE(EXCLUDED.expires_at, q.expires_at),
  updated_at = EXCLUDED.updated_at
WHERE q.updated_at < EXCLUDED.updated_at
   OR (q.updated_at = EXCLUDED.updated_at AND q.status <= EXCLUDED.status)`.replaceAll(
  /to_ms\((\w+)\)/g,
  "(timestamptz 'epoch' + $1 * interval '1 millisecond')",
);

/**
 * The gateway's own Postgres copy of the queue tokens (`queue_tokens`), answered from when Redis fails.
 * Written only by the fallback sync and the payment consumer, never on the path of a token issue.
 */
export class FallbackTokenRepository {
  private line: { readAt: number; read: Promise<{ issuedAt: number[]; before: number[] }> } | undefined;

  /** `lineMaxAgeMs`: how stale the waiting line behind `waitingPosition` may be (default 1 s). */
  constructor(
    private readonly prisma: FallbackPrisma,
    private readonly lineMaxAgeMs = 1_000,
  ) {}

  /**
   * Applies any number of changes; returns how many rows were written (changes older than a row's state
   * are skipped by the guard). Several changes of one token collapse to the latest first: Postgres
   * refuses to update one row twice in one statement. Written in statements of at most UPSERT_ROWS rows,
   * so a backlog (a read of stream entries that each hold a batch of changes, or a full resync) never
   * becomes one huge statement.
   */
  async upsertChanges(changes: readonly TokenChange[]): Promise<number> {
    const latest = new Map<string, TokenChange>();
    for (const change of changes) {
      const seen = latest.get(change.token);
      if (!seen || supersedes(change, seen)) latest.set(change.token, change);
    }
    const rows = [...latest.values()];
    let written = 0;
    for (let i = 0; i < rows.length; i += UPSERT_ROWS) written += await this.upsertRows(rows.slice(i, i + UPSERT_ROWS));
    return written;
  }

  private upsertRows(rows: readonly TokenChange[]): Promise<number> {
    return this.prisma.$executeRawUnsafe(
      UPSERT_SQL,
      rows.map((c) => c.token),
      rows.map((c) => c.userId),
      rows.map((c) => c.status),
      rows.map((c) => c.issuedAt ?? null),
      rows.map((c) => c.activatedAt ?? null),
      rows.map((c) => c.expiresAt ?? null),
      rows.map((c) => c.at),
    );
  }

  /** The row of one token, or undefined. */
  async findByToken(token: string): Promise<FallbackTokenRecord | undefined> {
    const row = await this.prisma.queueToken.findUnique({ where: { token } });
    if (!row) return undefined;
    return {
      token: row.token,
      userId: row.userId,
      status: row.status,
      issuedAt: row.issuedAt.getTime(),
      activatedAt: row.activatedAt?.getTime(),
      expiresAt: row.expiresAt?.getTime(),
      updatedAt: row.updatedAt.getTime(),
    };
  }

  /**
   * 1-based place of a waiting token among the waiting rows, by issue time: an estimate for the status
   * poll while Redis is down (the copy lags and does not know Redis' tie-breaking sequence). However many
   * wait and poll, the waiting line is read at most once per `lineMaxAgeMs`: one grouped query.
   */
  async waitingPosition(record: Pick<FallbackTokenRecord, 'issuedAt'>): Promise<number> {
    const line = await this.waitingLine();
    let low = 0;
    let high = line.issuedAt.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (line.issuedAt[middle]! < record.issuedAt) low = middle + 1;
      else high = middle;
    }
    return line.before[low]! + 1;
  }

  /** Waiting rows counted per issue instant (ms, ascending), with the running count before each. */
  private waitingLine(): Promise<{ issuedAt: number[]; before: number[] }> {
    const now = Date.now();
    if (this.line && now - this.line.readAt < this.lineMaxAgeMs) return this.line.read;
    const read = this.prisma
      .$queryRawUnsafe<{ ms: bigint; n: bigint }[]>(
        `SELECT (extract(epoch FROM issued_at) * 1000)::bigint AS ms, count(*) AS n
         FROM queue_tokens WHERE status = 'WAITING' GROUP BY 1 ORDER BY 1`,
      )
      .then((rows) => {
        const before = [0];
        for (const row of rows) before.push(before[before.length - 1]! + Number(row.n));
        return { issuedAt: rows.map((row) => Number(row.ms)), before };
      });
    this.line = { readAt: now, read };
    read.catch(() => {
      if (this.line?.read === read) this.line = undefined;
    });
    return read;
  }

  /**
   * Deletes rows that can no longer answer anything, in batches: EXPIRED ones last changed before
   * `before`, and ACTIVE ones whose slot ended before it. Returns how many went.
   */
  async prune(before: number, batchSize = 1_000): Promise<number> {
    let pruned = 0;
    for (;;) {
      const deleted = await this.prisma.$executeRawUnsafe(
        `DELETE FROM queue_tokens WHERE token IN (
           (SELECT token FROM queue_tokens WHERE status = 'EXPIRED' AND updated_at < $1 LIMIT $2)
           UNION ALL
           (SELECT token FROM queue_tokens WHERE status = 'ACTIVE' AND expires_at < $1 LIMIT $2))`,
        new Date(before),
        batchSize,
      );
      pruned += deleted;
      if (deleted < batchSize) return pruned;
    }
  }

  /**
   * After changes were lost (the Redis stream trimmed before they were copied): `live` is every token
   * Redis holds, read as of `at`. Writes them, and marks every other row still WAITING or ACTIVE as
   * EXPIRED as of `at` (it was retired in the lost stretch). Changes newer than `at` keep winning.
   */
  async resync(live: readonly TokenChange[], at: number, line: { tokenPrefix: string } = { tokenPrefix: '' }): Promise<{ written: number; expired: number }> {
    const written = await this.upsertChanges(live);
    // Only the resynced line's rows.
    const ofLine = line.tokenPrefix === '' ? OF_SITE_LINE : `starts_with(token, $3)`;
    const expired = await this.prisma.$executeRawUnsafe(
      `UPDATE queue_tokens SET status = 'EXPIRED', updated_at = $2
       WHERE status <> 'EXPIRED' AND updated_at < $2 AND NOT (token = ANY($1::text[])) AND ${ofLine}`,
      live.map((change) => change.token),
      new Date(at),
      ...(line.tokenPrefix === '' ? [] : [line.tokenPrefix]),
    );
    return { written, expired };
  }

  /**
   * Write-through of an admission: the WAITING rows of `tokens` become ACTIVE until `expiresAt`, as of
   * `at`, without waiting for the change stream. Protected routes served from this copy while Redis is
   * down then see the admission at once, not after the next sync (which writes the same state). Rows not
   * copied yet are left to the sync. Returns the rows changed.
   */
  async markAdmitted(tokens: readonly string[], at: number, expiresAt: number): Promise<number> {
    return this.prisma.$executeRawUnsafe(
      `UPDATE queue_tokens SET status = 'ACTIVE', activated_at = $2, expires_at = $3, updated_at = $2
       WHERE token = ANY($1::text[]) AND status = 'WAITING' AND updated_at <= $2`,
      tokens,
      new Date(at),
      new Date(expiresAt),
    );
  }

  /**
   * Marks the user's tokens issued at or before `issuedAtOrBefore` EXPIRED as of `at` (a token issued
   * later, e.g. the user queuing again, is left alone). Lets a PaymentCompleted take effect in the copy
   * even while Redis is down; the guard keeps it from undoing a newer change. Returns the rows changed.
   */
  async expireUser(userId: string, options: { issuedAtOrBefore: number; at: number; concertId?: string }): Promise<number> {
    // The site-wide line's token and the paid concert's line's (its tokens start with `<concertId>.`); other lines keep theirs.
    return this.prisma.$executeRawUnsafe(
      `UPDATE queue_tokens SET status = 'EXPIRED', updated_at = $3
       WHERE user_id = $1 AND status <> 'EXPIRED' AND issued_at <= $2 AND updated_at <= $3
         AND (${OF_SITE_LINE} OR starts_with(token, $4 || '.'))`,
      userId,
      new Date(options.issuedAtOrBefore),
      new Date(options.at),
      options.concertId?.toLowerCase() ?? '',
    );
  }
}
