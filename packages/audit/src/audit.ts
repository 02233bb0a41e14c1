import { Redis } from 'ioredis';
import { Client } from 'pg';

/** The Postgres schema each service owns (all in one database). */
export interface AuditSchemas {
  booking: string;
  payment: string;
  gateway: string;
  sink: string;
}

export interface AuditOptions {
  databaseUrl: string;
  schemas?: Partial<AuditSchemas>;
  redisUrl: string;
  /** QUEUE_KEY_PREFIX of the gateway. */
  queuePrefix: string;
  /** QUEUE_MAX_ACTIVE of the gateway. */
  maxActive: number;
  /** A HELD reservation may outlive expires_at by this much (the sweeper runs periodically). */
  holdGraceSeconds?: number;
  /** A PENDING payment younger than this is in flight, not stuck (the recovery job settles older ones). */
  pendingGraceSeconds?: number;
  /** An unpublished outbox row younger than this is in flight, not stuck. */
  outboxGraceSeconds?: number;
}

export interface CheckResult {
  name: 'money' | 'seats' | 'events' | 'tokens';
  ok: boolean;
  figures: Record<string, number | string>;
  /** The first few violations found (at most MAX_EXAMPLES); empty when ok. */
  violations: string[];
}

export const DEFAULT_SCHEMAS: AuditSchemas = {
  booking: 'booking',
  payment: 'payment',
  gateway: 'queue_gateway',
  sink: 'dataplatform_sink',
};

export const MAX_EXAMPLES = 10;
/** Users looked up in Redis per pipeline (one round trip each). */
const REDIS_BATCH = 1_000;

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/i;

/** A schema name checked against a strict pattern and quoted, so it is safe to splice into SQL. */
export function quoteSchema(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`invalid schema name "${name}"`);
  return `"${name}"`;
}

/**
 * Checks every cross-service invariant of the mission (money, seats, events, tokens) against the
 * services' Postgres schemas and the gateway's Redis keys. Read-only: all SQL runs in one REPEATABLE
 * READ READ ONLY transaction, so every check sees the same snapshot of every schema.
 */
export async function runAudit(options: AuditOptions): Promise<CheckResult[]> {
  const names = { ...DEFAULT_SCHEMAS, ...options.schemas };
  const s = {
    booking: quoteSchema(names.booking),
    payment: quoteSchema(names.payment),
    gateway: quoteSchema(names.gateway),
    sink: quoteSchema(names.sink),
  };
  const graces = {
    hold: options.holdGraceSeconds ?? 30,
    pending: options.pendingGraceSeconds ?? 60,
    outbox: options.outboxGraceSeconds ?? 60,
  };
  const db = new Client({ connectionString: options.databaseUrl });
  await db.connect();
  try {
    await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const money = await checkMoney(db, s, graces.pending);
    const seats = await checkSeats(db, s, graces.hold);
    const events = await checkEvents(db, s, graces.outbox);
    const paid = await paidUsers(db, s);
    await db.query('COMMIT');
    const tokens = await checkTokens(options, paid);
    return [money, seats, events, tokens];
  } finally {
    await db.end();
  }
}

type Schemas = Record<keyof AuditSchemas, string>;
type Row = Record<string, unknown>;

const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

function result(name: CheckResult['name'], figures: CheckResult['figures'], violations: string[]): CheckResult {
  return { name, ok: violations.length === 0, figures, violations: violations.slice(0, MAX_EXAMPLES) };
}

/** Runs a violation query limited to a few examples plus its total count (one round trip). */
async function examples(db: Client, sql: string, params: unknown[], describe: (row: Row) => string): Promise<{ count: number; lines: string[] }> {
  const { rows } = await db.query<Row>(
    `WITH v AS (${sql}) SELECT v.*, count(*) OVER () AS total_count FROM v LIMIT ${MAX_EXAMPLES}`,
    params,
  );
  return { count: num(rows[0]?.total_count), lines: rows.map(describe) };
}

async function checkMoney(db: Client, s: Schemas, pendingGrace: number): Promise<CheckResult> {
  const violations: string[] = [];
  const { rows: [t] } = await db.query<Row>(`
    SELECT
      (SELECT coalesce(sum(amount), 0) FROM ${s.payment}.ledger_entries WHERE type = 'CHARGE')::text  AS charged,
      (SELECT coalesce(sum(amount), 0) FROM ${s.payment}.ledger_entries WHERE type = 'PAYMENT')::text AS paid_ledger,
      (SELECT coalesce(sum(amount), 0) FROM ${s.payment}.ledger_entries WHERE type = 'REFUND')::text  AS refunded,
      (SELECT coalesce(sum(amount), 0) FROM ${s.payment}.balances)::text AS balances,
      (SELECT count(*) FROM ${s.payment}.balances)::text AS users,
      (SELECT coalesce(sum(amount), 0) FROM ${s.payment}.payments WHERE status = 'COMPLETED')::text AS completed,
      (SELECT count(*) FROM ${s.payment}.payments WHERE status = 'COMPLETED')::text AS completed_count,
      (SELECT coalesce(sum(amount), 0) FROM ${s.payment}.payments WHERE status = 'PENDING')::text AS pending,
      (SELECT count(*) FROM ${s.payment}.payments WHERE status = 'PENDING')::text AS pending_count`);
  const charged = num(t?.charged);
  const paidLedger = num(t?.paid_ledger);
  const refunded = num(t?.refunded);
  const balances = num(t?.balances);
  const completed = num(t?.completed);
  const pending = num(t?.pending);

  // Per user: the balance the ledger implies (amounts positive, the type gives the direction) vs the row.
  const perUser = await examples(db, `
    SELECT coalesce(l.user_id, b.user_id) AS user_id, coalesce(l.derived, 0) AS derived, b.amount AS balance
      FROM (SELECT user_id, sum(CASE type WHEN 'CHARGE' THEN amount WHEN 'PAYMENT' THEN -amount ELSE amount END) AS derived
              FROM ${s.payment}.ledger_entries GROUP BY user_id) l
      FULL JOIN ${s.payment}.balances b ON b.user_id = l.user_id
     WHERE b.amount IS DISTINCT FROM coalesce(l.derived, 0) AND NOT (b.amount IS NULL AND coalesce(l.derived, 0) = 0)
     ORDER BY 1`, [], (r) => `money: user ${r.user_id} balance ${r.balance ?? 'missing'} but ledger says ${r.derived}`);
  violations.push(...perUser.lines);

  if (charged !== balances + completed + pending) {
    violations.push(`money: total charged ${charged} ≠ balances ${balances} + completed ${completed} + pending ${pending}`);
  }
  if (paidLedger - refunded !== completed + pending) {
    violations.push(`money: ledger payments ${paidLedger} − refunds ${refunded} ≠ completed ${completed} + pending ${pending}`);
  }

  // Per payment: its ledger rows match its state (COMPLETED/PENDING: one deduction; REFUNDED: deduction + refund).
  const perPayment = await examples(db, `
    SELECT p.id, p.status, p.amount, coalesce(l.debits, 0) AS debits, coalesce(l.credits, 0) AS credits, coalesce(l.n, 0) AS n
      FROM ${s.payment}.payments p
      LEFT JOIN (SELECT payment_id, count(*) AS n,
                        sum(amount) FILTER (WHERE type = 'PAYMENT') AS debits,
                        sum(amount) FILTER (WHERE type = 'REFUND') AS credits
                   FROM ${s.payment}.ledger_entries WHERE payment_id IS NOT NULL GROUP BY payment_id) l ON l.payment_id = p.id
     WHERE NOT CASE p.status
       WHEN 'REFUNDED' THEN coalesce(l.n, 0) = 2 AND coalesce(l.debits, 0) = p.amount AND coalesce(l.credits, 0) = p.amount
       WHEN 'FAILED' THEN coalesce(l.n, 0) = 0
       ELSE coalesce(l.n, 0) = 1 AND coalesce(l.debits, 0) = p.amount END
     ORDER BY p.id`, [], (r) => `money: payment ${r.id} ${r.status} ${r.amount} has ledger debits ${r.debits}, refunds ${r.credits} (${r.n} rows)`);
  violations.push(...perPayment.lines);

  const stale = await examples(db, `
    SELECT id, user_id, amount, created_at FROM ${s.payment}.payments
     WHERE status = 'PENDING' AND created_at < now() - make_interval(secs => $1::int) ORDER BY created_at`,
    [pendingGrace], (r) => `money: payment ${r.id} of user ${r.user_id} PENDING since ${(r.created_at as Date).toISOString()}`);
  violations.push(...stale.lines);

  return result('money', {
    users: num(t?.users),
    charged,
    balances,
    completed,
    completedPayments: num(t?.completed_count),
    pending,
    pendingPayments: num(t?.pending_count),
    refunded,
    userMismatches: perUser.count,
    paymentLedgerMismatches: perPayment.count,
    stalePending: stale.count,
  }, violations);
}

async function checkSeats(db: Client, s: Schemas, holdGrace: number): Promise<CheckResult> {
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

async function checkEvents(db: Client, s: Schemas, outboxGrace: number): Promise<CheckResult> {
  const violations: string[] = [];
  const { rows: [t] } = await db.query<Row>(`
    SELECT (SELECT count(*) FROM ${s.sink}.stored_events)::text AS stored,
           (SELECT coalesce(sum(duplicate_deliveries), 0) FROM ${s.sink}.stored_events)::text AS duplicates,
           (SELECT count(*) FROM ${s.payment}.payments WHERE status = 'COMPLETED')::text AS completed,
           (SELECT count(*) FROM ${s.payment}.outbox_events)::text AS outbox,
           (SELECT count(*) FROM ${s.payment}.outbox_events WHERE published_at IS NULL)::text AS unpublished`);

  // Both directions in one pass: completed payments vs stored events, by payment id.
  const mismatched = await examples(db, `
    SELECT coalesce(p.id, e.payment_id) AS payment_id, p.status::text AS status, coalesce(e.n, 0) AS events
      FROM (SELECT id, status FROM ${s.payment}.payments WHERE status = 'COMPLETED') p
      FULL JOIN (SELECT payment_id, count(*) AS n FROM ${s.sink}.stored_events GROUP BY payment_id) e ON e.payment_id = p.id
     WHERE coalesce(e.n, 0) <> 1 OR p.id IS NULL
     ORDER BY 1`, [], (row) => row.status === null
      ? `events: ${row.events} stored event(s) for payment ${row.payment_id}, which is not COMPLETED`
      : `events: COMPLETED payment ${row.payment_id} has ${row.events} stored events`);
  violations.push(...mismatched.lines);

  const staleOutbox = await examples(db, `
    SELECT id, topic, created_at FROM ${s.payment}.outbox_events
     WHERE published_at IS NULL AND created_at < now() - make_interval(secs => $1::int) ORDER BY created_at`,
    [outboxGrace], (row) => `events: outbox ${row.id} (${row.topic}) unpublished since ${(row.created_at as Date).toISOString()}`);
  violations.push(...staleOutbox.lines);

  return result('events', {
    completedPayments: num(t?.completed),
    storedEvents: num(t?.stored),
    duplicateDeliveries: num(t?.duplicates),
    paymentEventMismatches: mismatched.count,
    outbox: num(t?.outbox),
    unpublished: num(t?.unpublished),
    staleUnpublished: staleOutbox.count,
  }, violations);
}

/** Each paying user with the completion time (epoch ms) of their latest completed payment. */
async function paidUsers(db: Client, s: Schemas): Promise<Map<string, number>> {
  const { rows } = await db.query<{ user_id: string; paid_at: string }>(`
    SELECT user_id, (extract(epoch FROM max(coalesce(completed_at, updated_at))) * 1000)::bigint::text AS paid_at
      FROM ${s.payment}.payments WHERE status = 'COMPLETED' GROUP BY user_id`);
  return new Map(rows.map((row) => [row.user_id, Number(row.paid_at)]));
}

async function checkTokens(options: AuditOptions, paid: Map<string, number>): Promise<CheckResult> {
  const violations: string[] = [];
  const P = options.queuePrefix;
  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: true });
  await redis.connect();
  try {
    const now = Date.now();
    const live = await redis.zcount(`${P}active`, `(${now}`, '+inf');
    let stillActive = 0;
    const users = [...paid.keys()];
    for (let i = 0; i < users.length; i += REDIS_BATCH) {
      const batch = users.slice(i, i + REDIS_BATCH);
      // Round trip 1: each user's token; round trip 2: those tokens' hashes.
      const tokens = await exec(redis.pipeline(batch.map((user) => ['get', `${P}u:${user}`])));
      const held = batch.flatMap((user, k) => (typeof tokens[k] === 'string' ? [{ user, token: tokens[k] as string }] : []));
      if (held.length === 0) continue;
      const hashes = await exec(redis.pipeline(held.map(({ token }) => ['hmget', `${P}t:${token}`, 'status', 'activatedAt', 'expiresAt'])));
      held.forEach(({ user, token }, k) => {
        const [status, activatedAt, expiresAt] = (hashes[k] as (string | null)[] | null) ?? [];
        const paidAt = paid.get(user) ?? 0;
        if (status !== 'ACTIVE' || !(Number(expiresAt) > now)) return;
        if (!(Number(activatedAt) < paidAt)) return; // activated after the latest payment: a new, legitimate slot
        stillActive += 1;
        if (violations.length < MAX_EXAMPLES) {
          violations.push(`tokens: user ${user} paid at ${new Date(paidAt).toISOString()} but token ${token} (active since ${new Date(Number(activatedAt)).toISOString()}) is still ACTIVE`);
        }
      });
    }
    if (live > options.maxActive) {
      violations.unshift(`tokens: ${live} live active slots exceed the maximum ${options.maxActive}`);
    }
    return result('tokens', { liveActive: live, maxActive: options.maxActive, paidUsers: users.length, paidStillActive: stillActive }, violations);
  } finally {
    redis.disconnect();
  }
}

async function exec(pipeline: ReturnType<Redis['pipeline']>): Promise<unknown[]> {
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}
