import type { ClientBase } from 'pg';

/**
 * The key Prisma's schema engine locks during `migrate deploy`/`dev`. Using the same one means this runner,
 * a second copy of it, and a native `prisma migrate deploy` never migrate the database at the same time.
 * It is database-wide, not per schema: four services deploying at once simply take turns.
 */
export const PRISMA_MIGRATE_LOCK_KEY = 72707369;

/** Holds the session-level migrate lock around `work`; waits at most `timeoutMs` for another holder. */
export async function withMigrateLock<T>(client: ClientBase, timeoutMs: number, work: () => Promise<T>): Promise<T> {
  // lock_timeout also bounds advisory locks; reset right after, so migrations themselves run without it.
  await client.query(`SET lock_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
  } catch (error) {
    if ((error as { code?: string }).code === '55P03') {
      throw new Error(`another migration run has held the migrate lock for over ${timeoutMs} ms; try again when it is done`);
    }
    throw error;
  } finally {
    await client.query('RESET lock_timeout');
  }
  try {
    return await work();
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
  }
}
