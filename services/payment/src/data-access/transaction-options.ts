/**
 * Interactive transactions wait for a pooled connection under a rush instead of failing after Prisma's
 * default 2 s; they are short (a few statements), so the timeout only guards against a stuck connection.
 */
export const TX_OPTIONS = { maxWait: 15_000, timeout: 15_000 };

/** Postgres unique_violation, surfaced by Prisma as P2002 (create) or as the driver's SQLSTATE (raw). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: unknown; kind?: unknown } } } } | null;
  const cause = e?.meta?.driverAdapterError?.cause;
  // Prisma's P2002, pg's own DatabaseError (sqlPoolOf), or the driver adapter's wrapping of it.
  return e?.code === 'P2002' || e?.code === '23505' || cause?.originalCode === '23505' || cause?.kind === 'UniqueConstraintViolation';
}
