import type { Client } from 'pg';
import { examples, num, result, type CheckResult, type Row, type Schemas } from './shared';

export async function checkSeats(db: Client, s: Schemas, holdGrace: number): Promise<CheckResult> {
  const violations: string[] = [];
  const { rows: [t] } = await db.query<Row>(`
    SELECT count(*) FILTER (WHERE status = 'RESERVED')::text AS reserved,
           count(*) FILTER (WHERE status = 'HELD')::text AS held,
           count(*)::text AS seats
      FROM ${s.booking}.seats`);
  const { rows: [r] } = await db.query<Row>(`
    SELECT count(*) FILTER (WHERE status = 'CONFIRMED')::text AS confirmed,
           count(*) FILTER (WHERE status = 'HELD')::text AS held
      FROM ${s.booking}.reservations`);

  // Per-seat tallies of reservations and completed payments, joined once.
  const perSeat = `
    WITH res AS (
      SELECT schedule_id, seat_no,
             count(*) FILTER (WHERE status = 'CONFIRMED') AS confirmed,
             count(*) FILTER (WHERE status = 'HELD') AS held
        FROM ${s.booking}.reservations GROUP BY schedule_id, seat_no
    ), paid AS (
      SELECT r.schedule_id, r.seat_no, count(*) AS completed
        FROM ${s.payment}.payments p JOIN ${s.booking}.reservations r ON r.id = p.reservation_id
       WHERE p.status = 'COMPLETED' GROUP BY r.schedule_id, r.seat_no
    ), confirmed_paid AS (
      SELECT r.schedule_id, r.seat_no, count(p.id) AS completed
        FROM ${s.booking}.reservations r
        LEFT JOIN ${s.payment}.payments p ON p.reservation_id = r.id AND p.status = 'COMPLETED'
       WHERE r.status = 'CONFIRMED' GROUP BY r.schedule_id, r.seat_no
    )`;
  const seat = (row: Row) => `seat ${row.schedule_id}/${row.seat_no}`;

  const reserved = await examples(db, `${perSeat}
    SELECT s.schedule_id, s.seat_no, coalesce(res.confirmed, 0) AS confirmed, coalesce(cp.completed, 0) AS completed
      FROM ${s.booking}.seats s
      LEFT JOIN res ON res.schedule_id = s.schedule_id AND res.seat_no = s.seat_no
      LEFT JOIN confirmed_paid cp ON cp.schedule_id = s.schedule_id AND cp.seat_no = s.seat_no
     WHERE s.status = 'RESERVED' AND (coalesce(res.confirmed, 0) <> 1 OR coalesce(cp.completed, 0) <> 1)
     ORDER BY 1, 2`, [], (row) => `seats: ${seat(row)} RESERVED with ${row.confirmed} CONFIRMED reservations and ${row.completed} COMPLETED payments for them`);
  violations.push(...reserved.lines);

  const soldTwice = await examples(db, `${perSeat}
    SELECT schedule_id, seat_no, completed FROM paid WHERE completed > 1 ORDER BY 1, 2`,
    [], (row) => `seats: ${seat(row)} sold ${row.completed} times (COMPLETED payments)`);
  violations.push(...soldTwice.lines);

  const confirmedNotReserved = await examples(db, `
    SELECT r.id, r.schedule_id, r.seat_no, coalesce(s.status::text, 'missing') AS seat_status
      FROM ${s.booking}.reservations r
      LEFT JOIN ${s.booking}.seats s ON s.schedule_id = r.schedule_id AND s.seat_no = r.seat_no
     WHERE r.status = 'CONFIRMED' AND s.status IS DISTINCT FROM 'RESERVED'
     ORDER BY r.id`, [], (row) => `seats: CONFIRMED reservation ${row.id} but ${seat(row)} is ${row.seat_status}`);
  violations.push(...confirmedNotReserved.lines);

  const heldMismatch = await examples(db, `${perSeat}
    SELECT s.schedule_id, s.seat_no, s.status::text AS seat_status, coalesce(res.held, 0) AS held
      FROM ${s.booking}.seats s
      LEFT JOIN res ON res.schedule_id = s.schedule_id AND res.seat_no = s.seat_no
     WHERE (s.status = 'HELD' AND coalesce(res.held, 0) <> 1) OR (s.status <> 'HELD' AND coalesce(res.held, 0) > 0)
     ORDER BY 1, 2`, [], (row) => `seats: ${seat(row)} is ${row.seat_status} with ${row.held} HELD reservations`);
  violations.push(...heldMismatch.lines);

  const staleHolds = await examples(db, `
    SELECT id, schedule_id, seat_no, expires_at FROM ${s.booking}.reservations
     WHERE status = 'HELD' AND expires_at < now() - make_interval(secs => $1::int) ORDER BY expires_at`,
    [holdGrace], (row) => `seats: HELD reservation ${row.id} (${seat(row)}) expired at ${(row.expires_at as Date).toISOString()}, beyond the ${holdGrace}s grace`);
  violations.push(...staleHolds.lines);

  return result('seats', {
    seats: num(t?.seats),
    reservedSeats: num(t?.reserved),
    heldSeats: num(t?.held),
    confirmedReservations: num(r?.confirmed),
    heldReservations: num(r?.held),
    reservedMismatches: reserved.count,
    soldTwice: soldTwice.count,
    confirmedNotReserved: confirmedNotReserved.count,
    heldMismatches: heldMismatch.count,
    staleHolds: staleHolds.count,
  }, violations);
}
