import { z } from 'zod';

/*
 * Building blocks shared by the HTTP DTOs and the events, so that "a user id" or "an amount" means the
 * same thing at every boundary. Numbers here never coerce: JSON bodies must carry real JSON numbers.
 */

/** Highest seat number a schedule can have; bounds path/body input long before the database sees it. */
export const MAX_SEAT_NO = 100_000;

/**
 * Largest single `POST /balance/charge` amount (10,000,000 currency units). Big enough for any real
 * top-up (the dearest demo seat costs 150,000), small enough that no sum of charges a test or load run
 * makes comes near `Number.MAX_SAFE_INTEGER`, so money stays exact in JavaScript numbers.
 */
export const MAX_CHARGE_AMOUNT = 10_000_000;

/** RFC 9562 UUID (any version, either case), as Postgres `uuid`, `crypto.randomUUID()` and Prisma produce. */
export const Uuid = z.uuid({ error: 'must be a UUID' });

/** The user id a client picks when joining the queue: 1–64 characters of `[A-Za-z0-9_-]`. */
export const UserId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'must be 1-64 characters of A-Z, a-z, 0-9, _ or -' });

/** An instant as ISO 8601 (what `Date#toISOString()` writes; an explicit offset is accepted too). */
export const IsoDateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });

/** A safe integer ≥ 0: floats, NaN, infinities and numeric strings are all rejected. */
export const NonNegativeInt = z.int().nonnegative();

/** A safe integer ≥ 1. */
export const PositiveInt = z.int().positive();

/** A seat number within a schedule, 1..MAX_SEAT_NO. */
export const SeatNo = z.int().min(1).max(MAX_SEAT_NO);

/** An amount of money in whole currency units (the platform has no fractional money). */
export const MoneyAmount = PositiveInt;

/**
 * A positive decimal integer sent as text (path or query parameter), parsed strictly: only canonical
 * digits are accepted, so `"1e3"`, `"01"`, `"+1"`, `"1.0"`, `" 1"` and `"0x10"` are rejected instead of
 * silently naming another resource, and each number has exactly one spelling (cache keys, logs).
 */
export function positiveIntString(max: number) {
  return z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, { error: 'must be a positive integer without sign, leading zeros or exponent' })
    .transform(Number)
    .pipe(z.int().min(1).max(max));
}
