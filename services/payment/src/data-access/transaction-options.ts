/**
 * Interactive transactions wait for a pooled connection under a rush instead of failing after Prisma's
 * default 2 s; they are short (a few statements), so the timeout only guards against a stuck connection.
 */
export const TX_OPTIONS = { maxWait: 15_000, timeout: 15_000 };

/** Thrown inside a transaction to roll it back when an optimistic write found a stale version. */
export class StaleVersion extends Error {
  override readonly name = 'StaleVersion';
}

/** Postgres unique_violation, surfaced by Prisma as P2002 (create) or as the driver's SQLSTATE (raw). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: unknown; kind?: unknown } } } } | null;
  const cause = e?.meta?.driverAdapterError?.cause;
  return e?.code === 'P2002' || cause?.originalCode === '23505' || cause?.kind === 'UniqueConstraintViolation';
}
