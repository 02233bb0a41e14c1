import { postgresErrorCode } from '@ticketing/service-kit';

/**
 * Interactive transactions wait for a pooled connection under a rush instead of failing after Prisma's
 * default 2 s; they are short (a few statements), so the timeout only guards against a stuck connection.
 */
export const TX_OPTIONS = { maxWait: 15_000, timeout: 15_000 };

/** Postgres unique_violation: Prisma's P2002 (create), or SQLSTATE 23505 from pg or the driver adapter (`postgresErrorCode`). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: unknown } } } } | null;
  return e?.code === 'P2002' || postgresErrorCode(error) === '23505' || e?.meta?.driverAdapterError?.cause?.kind === 'UniqueConstraintViolation';
}
