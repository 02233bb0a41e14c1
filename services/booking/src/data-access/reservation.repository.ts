import { postgresErrorCode, sqlPoolOf, type SqlPool } from '@ticketing/service-kit';
import type { PrismaClient } from './generated/prisma/client';
import type { CatalogueCache } from './catalogue.cache';
import type { ConfirmOutcome, HoldOutcome, ReleaseOutcome, ReservationRecord, ReservationStore } from '../domain/reservation';

type Row = {
  id: string;
  user_id: string;
  concert_id: string;
  schedule_id: string;
  seat_no: number;
  price: number;
  status: ReservationRecord['status'];
  expires_at: Date;
  payment_id: string | null;
};

const toRecord = (row: Row): ReservationRecord => ({
  id: row.id,
  userId: row.user_id,
  concertId: row.concert_id,
  scheduleId: row.schedule_id,
  seatNo: row.seat_no,
  price: row.price,
  status: row.status,
  expiresAt: row.expires_at,
  paymentId: row.payment_id,
});

/** Postgres: lock_not_available, raised by NOWAIT when another transaction holds the seat row. */
const LOCK_NOT_AVAILABLE = '55P03';
/** Interactive transactions wait for a pooled connection under a rush instead of failing after 2 s. */
const TX_OPTIONS = { maxWait: 15_000, timeout: 15_000 };

const RESERVATION_OF = `SELECT r.id, r.user_id, s.concert_id, r.schedule_id, r.seat_no, r.price, r.status, r.expires_at, r.payment_id
  FROM reservations r JOIN schedules s ON s.id = r.schedule_id`;

/**
 * Reservations and seat states in booking's schema; each transition is one conditional update. The hot
 * ones (hold, confirm, reading a reservation) are one statement each, sent straight through the pg pool
 * under Prisma (`sqlPoolOf`): one round trip, no interactive transaction, no query interpreter.
 */
export class PrismaReservationStore implements ReservationStore {
  private readonly sql: SqlPool;

  /** `cache`: dropped for a schedule whenever this store changes one of its seats. */
  constructor(
    private readonly prisma: PrismaClient,
    private readonly cache?: CatalogueCache,
  ) {
    this.sql = sqlPoolOf(prisma);
  }

  async hold(input: { userId: string; scheduleId: string; seatNo: number; holdSeconds: number; holdLimit: number }): Promise<HoldOutcome> {
    try {
      // One statement, so one implicit transaction and one round trip:
      // - seat: lock the seat row if it is AVAILABLE (FOR UPDATE NOWAIT: a second buyer of the same seat
      //   gets "unavailable" at once instead of queueing on the lock, which under a rush would pile
      //   hundreds behind one winner and exhaust the pool);
      // - room: lock the user's live-hold count on the schedule if it is under the cap. ON CONFLICT DO
      //   UPDATE waits for a concurrent hold of the same user and then re-reads the count it committed
      //   (the trigger on reservations keeps it), so one user's parallel holds cannot pass the cap;
      // - mark the seat HELD and create the reservation, only when both locks were had.
      const { rows } = await this.sql.query<Row>({
        name: 'reservation-hold',
        text: `
          WITH seat AS (
            SELECT se.schedule_id, se.seat_no, se.price, sc.concert_id
              FROM seats se JOIN schedules sc ON sc.id = se.schedule_id
             WHERE se.schedule_id = $1::uuid AND se.seat_no = $2 AND se.status = 'AVAILABLE'
               FOR UPDATE OF se NOWAIT
          ), room AS (
            INSERT INTO user_holds (user_id, schedule_id, held) SELECT $3, seat.schedule_id, 0 FROM seat
            ON CONFLICT (user_id, schedule_id) DO UPDATE SET held = user_holds.held WHERE user_holds.held < $5
            RETURNING schedule_id
          ), held AS (
            UPDATE seats s SET status = 'HELD', updated_at = now() FROM seat JOIN room ON room.schedule_id = seat.schedule_id
             WHERE s.schedule_id = seat.schedule_id AND s.seat_no = seat.seat_no
            RETURNING s.schedule_id
          )
          INSERT INTO reservations (id, user_id, schedule_id, seat_no, price, status, expires_at)
          SELECT gen_random_uuid(), $3, seat.schedule_id, seat.seat_no, seat.price, 'HELD', now() + make_interval(secs => $4)
            FROM seat JOIN held ON held.schedule_id = seat.schedule_id
          RETURNING id, user_id, schedule_id, seat_no, price, status, expires_at, payment_id,
                    (SELECT concert_id FROM seat) AS concert_id`,
        values: [input.scheduleId, input.seatNo, input.userId, input.holdSeconds, input.holdLimit],
      });
      if (rows[0]) {
        this.cache?.invalidate(input.scheduleId);
        return { kind: 'held', reservation: toRecord(rows[0]) };
      }
      return this.whyNotHeld(input);
    } catch (error) {
      if (postgresErrorCode(error) !== LOCK_NOT_AVAILABLE) throw error;
      return this.whyNotHeld(input);
    }
  }

  /** After a hold that took nothing: no such seat, the user at the cap (said first: it is theirs to fix), or the seat taken. */
  private async whyNotHeld(input: { userId: string; scheduleId: string; seatNo: number; holdLimit: number }): Promise<HoldOutcome> {
    const { rows } = await this.sql.query<{ seat: boolean; held: number }>({
      name: 'reservation-hold-refused',
      text: `SELECT EXISTS (SELECT 1 FROM seats WHERE schedule_id = $1::uuid AND seat_no = $2) AS seat,
                    COALESCE((SELECT held FROM user_holds WHERE user_id = $3 AND schedule_id = $1::uuid), 0) AS held`,
      values: [input.scheduleId, input.seatNo, input.userId],
    });
    const refused = rows[0];
    if (!refused?.seat) return { kind: 'seat-not-found' };
    return refused.held >= input.holdLimit ? { kind: 'hold-limit' } : { kind: 'unavailable' };
  }

  async findById(id: string): Promise<ReservationRecord | undefined> {
    const { rows } = await this.sql.query<Row>({ name: 'reservation-by-id', text: `${RESERVATION_OF} WHERE r.id = $1::uuid`, values: [id] });
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async confirm(id: string, paymentId: string): Promise<ConfirmOutcome> {
    // One statement: confirm the hold if it is still HELD and unexpired, reserve its seat, and read the
    // reservation as it now stands (the outer SELECT sees the row as it was, hence the CASEs). The row
    // lock of the UPDATE serialises it against a concurrent expiry, as a transaction would.
    const { rows } = await this.sql.query<Row & { confirmed: boolean }>({
      name: 'reservation-confirm',
      text: `
        WITH confirmed AS (
          UPDATE reservations SET status = 'CONFIRMED', payment_id = $2::uuid, confirmed_at = now(), updated_at = now()
           WHERE id = $1::uuid AND status = 'HELD' AND expires_at > now()
          RETURNING id, schedule_id, seat_no
        ), reserved AS (
          UPDATE seats se SET status = 'RESERVED', updated_at = now() FROM confirmed c
           WHERE se.schedule_id = c.schedule_id AND se.seat_no = c.seat_no
        )
        SELECT r.id, r.user_id, s.concert_id, r.schedule_id, r.seat_no, r.price, r.expires_at,
               CASE WHEN c.id IS NULL THEN r.status::text ELSE 'CONFIRMED' END AS status,
               CASE WHEN c.id IS NULL THEN r.payment_id ELSE $2::uuid END AS payment_id,
               c.id IS NOT NULL AS confirmed
          FROM reservations r JOIN schedules s ON s.id = r.schedule_id LEFT JOIN confirmed c ON c.id = r.id
         WHERE r.id = $1::uuid`,
      values: [id, paymentId],
    });
    const row = rows[0];
    if (!row) return { kind: 'not-found' };
    const reservation = toRecord(row);
    if (row.confirmed) {
      this.cache?.invalidate(reservation.scheduleId);
      return { kind: 'confirmed', reservation };
    }
    if (reservation.status === 'CONFIRMED') {
      return { kind: reservation.paymentId === paymentId ? 'already-confirmed' : 'paid-by-other', reservation };
    }
    return { kind: 'expired', reservation };
  }

  async expire(id: string): Promise<boolean> {
    return this.transition(id, (tx) => tx.$queryRaw<{ schedule_id: string; seat_no: number }[]>`
      UPDATE reservations SET status = 'EXPIRED', updated_at = now()
       WHERE id = ${id}::uuid AND status = 'HELD' AND expires_at <= now()
      RETURNING schedule_id, seat_no`, 'AVAILABLE');
  }

  async expireDue(limit: number): Promise<number> {
    // SKIP LOCKED: several sweepers (one per instance) share the work and never wait on each other
    // or on a hold being confirmed right now.
    const rows = await this.prisma.$queryRaw<{ expired: bigint }[]>`
      WITH due AS (
        SELECT id FROM reservations WHERE status = 'HELD' AND expires_at <= now()
         ORDER BY expires_at LIMIT ${limit} FOR UPDATE SKIP LOCKED
      ), expired AS (
        UPDATE reservations r SET status = 'EXPIRED', updated_at = now() FROM due WHERE r.id = due.id
        RETURNING r.schedule_id, r.seat_no
      ), freed AS (
        UPDATE seats s SET status = 'AVAILABLE', updated_at = now() FROM expired e
         WHERE s.schedule_id = e.schedule_id AND s.seat_no = e.seat_no AND s.status = 'HELD'
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM expired) AS expired, (SELECT count(*) FROM freed) AS freed`;
    const expired = Number(rows[0]?.expired ?? 0);
    if (expired > 0) this.cache?.invalidate();
    return expired;
  }

  async release(id: string): Promise<ReleaseOutcome> {
    const released = await this.transition(id, (tx) => tx.$queryRaw<{ schedule_id: string; seat_no: number }[]>`
      UPDATE reservations SET status = 'CANCELLED', updated_at = now() WHERE id = ${id}::uuid AND status = 'HELD'
      RETURNING schedule_id, seat_no`, 'AVAILABLE');
    const reservation = await this.findById(id);
    if (!reservation) return { kind: 'not-found' };
    if (released) return { kind: 'released', reservation };
    return { kind: reservation.status === 'CONFIRMED' ? 'confirmed' : 'already-released', reservation };
  }

  /**
   * Runs one conditional update of a reservation row and, when it matched, moves its seat to
   * `seatStatus` in the same transaction. The row lock taken by the update serialises competing
   * transitions (expiry vs confirmation): the loser re-checks its WHERE after the winner commits.
   */
  private async transition(
    id: string,
    update: (tx: Parameters<Parameters<PrismaClient['$transaction']>[0]>[0]) => Promise<{ schedule_id: string; seat_no: number }[]>,
    seatStatus: 'AVAILABLE' | 'RESERVED',
  ): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const rows = await update(tx);
      if (rows.length === 0) return false;
      const { schedule_id: scheduleId, seat_no: seatNo } = rows[0]!;
      await tx.$executeRaw`
        UPDATE seats SET status = ${seatStatus}::"SeatStatus", updated_at = now()
         WHERE schedule_id = ${scheduleId}::uuid AND seat_no = ${seatNo}`;
      return scheduleId;
    }, TX_OPTIONS).then((scheduleId) => {
      if (scheduleId === false) return false;
      this.cache?.invalidate(scheduleId);
      return true;
    });
  }
}
