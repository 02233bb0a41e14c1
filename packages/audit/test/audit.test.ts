import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createTestSchema, type TestSchema } from '@ticketing/devstack/testing';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { quoteSchema, runAudit, type AuditOptions, type CheckResult } from '../src';

const services = join(__dirname, '../../../services');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6380';

// The small consistent world every test starts from.
const PAID_USER = 'audit-user-paid';
const HOLDING_USER = 'audit-user-holding';
const CONCERT = randomUUID();
const SCHEDULE = randomUUID();
const PAID_RESERVATION = randomUUID();
const HELD_RESERVATION = randomUUID();
const PAYMENT = randomUUID();
const EVENT = randomUUID();
const HOLDING_TOKEN = 'tok-holding';

let schemas: { booking: TestSchema; payment: TestSchema; gateway: TestSchema; sink: TestSchema };
let db: Client;
let redis: Redis;
let prefix: string;
let options: AuditOptions;
let paidAt: number;

beforeAll(async () => {
  schemas = {
    booking: await createTestSchema(join(services, 'booking'), 'audit_booking'),
    payment: await createTestSchema(join(services, 'payment'), 'audit_payment'),
    gateway: await createTestSchema(join(services, 'queue-gateway'), 'audit_gateway'),
    sink: await createTestSchema(join(services, 'dataplatform-sink'), 'audit_sink'),
  };
  db = new Client({ connectionString: schemas.booking.databaseUrl });
  await db.connect();
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  prefix = `audit-test-${randomBytes(6).toString('hex')}:`;
  options = {
    databaseUrl: schemas.booking.databaseUrl,
    schemas: {
      booking: schemas.booking.schema,
      payment: schemas.payment.schema,
      gateway: schemas.gateway.schema,
      sink: schemas.sink.schema,
    },
    redisUrl: REDIS_URL,
    queuePrefix: prefix,
    maxActive: 2,
    holdGraceSeconds: 30,
  };
});

afterAll(async () => {
  await clearRedis();
  redis?.disconnect();
  await db?.end();
  await Promise.all(Object.values(schemas ?? {}).map((schema) => schema.drop()));
});

beforeEach(seed);

/** Every key this file writes (named, never searched for). */
async function clearRedis(): Promise<void> {
  if (!redis) return;
  await redis.del(
    `${prefix}active`,
    `${prefix}u:${PAID_USER}`,
    `${prefix}u:${HOLDING_USER}`,
    `${prefix}t:${HOLDING_TOKEN}`,
    `${prefix}t:tok-paid`,
    `${prefix}t:tok-extra`,
  );
}

async function seed(): Promise<void> {
  const { booking: b, payment: p, sink: k } = sql();
  await db.query(`TRUNCATE ${b}.reservations, ${b}.seats, ${b}.schedules, ${b}.concerts,
    ${p}.ledger_entries, ${p}.balances, ${p}.payments, ${p}.outbox_events, ${k}.stored_events`);
  await db.query(`INSERT INTO ${b}.concerts (id, title, artist, venue) VALUES ($1, 'Audit Night', 'The Checks', 'Hall')`, [CONCERT]);
  await db.query(`INSERT INTO ${b}.schedules (id, concert_id, starts_at) VALUES ($1, $2, now() + interval '30 days')`, [SCHEDULE, CONCERT]);
  await db.query(`INSERT INTO ${b}.seats (schedule_id, seat_no, price, status) VALUES
    ($1, 1, 50000, 'RESERVED'), ($1, 2, 20000, 'HELD'), ($1, 3, 20000, 'AVAILABLE')`, [SCHEDULE]);
  await db.query(`INSERT INTO ${b}.reservations (id, user_id, schedule_id, seat_no, price, status, expires_at, confirmed_at, payment_id) VALUES
    ($1, $3, $5, 1, 50000, 'CONFIRMED', now() + interval '4 minutes', now() - interval '1 minute', $6),
    ($2, $4, $5, 2, 20000, 'HELD', now() + interval '5 minutes', NULL, NULL)`,
    [PAID_RESERVATION, HELD_RESERVATION, PAID_USER, HOLDING_USER, SCHEDULE, PAYMENT]);
  // Paid user: charged 100,000, paid 50,000 → balance 50,000. Holding user: charged 30,000.
  const { rows: [payment] } = await db.query<{ paid_at: string }>(
    `INSERT INTO ${p}.payments (id, reservation_id, user_id, amount, status, completed_at, created_at)
     VALUES ($1, $2, $3, 50000, 'COMPLETED', now() - interval '1 minute', now() - interval '1 minute')
     RETURNING (extract(epoch FROM completed_at) * 1000)::bigint::text AS paid_at`,
    [PAYMENT, PAID_RESERVATION, PAID_USER]);
  paidAt = Number(payment?.paid_at);
  await db.query(`INSERT INTO ${p}.ledger_entries (id, user_id, type, amount, payment_id) VALUES
    (gen_random_uuid(), $1, 'CHARGE', 100000, NULL), (gen_random_uuid(), $1, 'PAYMENT', 50000, $3),
    (gen_random_uuid(), $2, 'CHARGE', 30000, NULL)`, [PAID_USER, HOLDING_USER, PAYMENT]);
  await db.query(`INSERT INTO ${p}.balances (user_id, amount) VALUES ($1, 50000), ($2, 30000)`, [PAID_USER, HOLDING_USER]);
  const event = { eventId: EVENT, paymentId: PAYMENT, reservationId: PAID_RESERVATION, userId: PAID_USER, amount: 50000 };
  await db.query(`INSERT INTO ${p}.outbox_events (id, topic, key, payload, published_at) VALUES ($1, 'payment.completed', $2, $3, now())`,
    [EVENT, PAID_RESERVATION, JSON.stringify(event)]);
  await db.query(`INSERT INTO ${k}.stored_events (event_id, type, version, payment_id, reservation_id, user_id, amount, occurred_at, payload, topic, partition, "offset")
    VALUES ($1, 'PaymentCompleted', 1, $2, $3, $4, 50000, now() - interval '1 minute', $5, 'payment.completed', 0, '0')`,
    [EVENT, PAYMENT, PAID_RESERVATION, PAID_USER, JSON.stringify(event)]);
  // Redis: the paid user's token is gone; the holding user is active (one live slot of 2).
  await clearRedis();
  const now = Date.now();
  await activate(HOLDING_USER, HOLDING_TOKEN, now - 30_000, now + 60_000);
}

async function activate(userId: string, token: string, activatedAt: number, expiresAt: number): Promise<void> {
  await redis.multi()
    .set(`${prefix}u:${userId}`, token)
    .hset(`${prefix}t:${token}`, { userId, status: 'ACTIVE', issuedAt: activatedAt - 1_000, activatedAt, expiresAt })
    .zadd(`${prefix}active`, expiresAt, token)
    .exec();
}

function sql() {
  return {
    booking: quoteSchema(schemas.booking.schema),
    payment: quoteSchema(schemas.payment.schema),
    sink: quoteSchema(schemas.sink.schema),
  };
}

const byName = (checks: CheckResult[]) => Object.fromEntries(checks.map((check) => [check.name, check]));

/** The named check fails with a violation matching `pattern`; every other check stays ok. */
function expectOnlyViolated(checks: CheckResult[], name: CheckResult['name'], pattern: RegExp): CheckResult {
  const failing = checks.filter((check) => !check.ok).map((check) => check.name);
  expect(failing).toEqual([name]);
  const check = byName(checks)[name]!;
  expect(check.violations.some((violation) => pattern.test(violation))).toBe(true);
  return check;
}

describe('runAudit on a consistent data set', () => {
  it('all checks › when money, seats, events and tokens agree, then every check is ok with the expected figures', async () => {
    const checks = await runAudit(options);
    expect(checks.map((check) => check.name)).toEqual(['money', 'seats', 'events', 'tokens']);
    expect(checks.filter((check) => !check.ok)).toEqual([]);
    const { money, seats, events, tokens } = byName(checks);
    expect(money!.figures).toMatchObject({ charged: 130000, balances: 80000, completed: 50000, pending: 0 });
    expect(seats!.figures).toMatchObject({ reservedSeats: 1, heldSeats: 1, confirmedReservations: 1, heldReservations: 1 });
    expect(events!.figures).toMatchObject({ completedPayments: 1, storedEvents: 1, unpublished: 0 });
    expect(tokens!.figures).toMatchObject({ liveActive: 1, maxActive: 2, paidUsers: 1, paidStillActive: 0 });
  });

  it('money › when a young PENDING payment is in flight (deducted, not settled), then money is ok and reports it as pending', async () => {
    const { payment: p } = sql();
    await db.query(`INSERT INTO ${p}.payments (id, reservation_id, user_id, amount, status) VALUES ($1, $2, $3, 20000, 'PENDING')`,
      [randomUUID(), HELD_RESERVATION, HOLDING_USER]);
    await db.query(`INSERT INTO ${p}.ledger_entries (id, user_id, type, amount, payment_id)
      SELECT gen_random_uuid(), user_id, 'PAYMENT', amount, id FROM ${p}.payments WHERE status = 'PENDING'`);
    await db.query(`UPDATE ${p}.balances SET amount = amount - 20000 WHERE user_id = $1`, [HOLDING_USER]);
    const checks = await runAudit(options);
    expect(checks.filter((check) => !check.ok)).toEqual([]);
    expect(byName(checks).money!.figures).toMatchObject({ pending: 20000, pendingPayments: 1, balances: 60000 });
  });

  it('seats › when a HELD reservation is past expiry but within the grace, then seats is ok', async () => {
    const { booking: b } = sql();
    await db.query(`UPDATE ${b}.reservations SET expires_at = now() - interval '5 seconds' WHERE id = $1`, [HELD_RESERVATION]);
    expect((await runAudit(options)).filter((check) => !check.ok)).toEqual([]);
  });

  it('tokens › when the paid user holds an ACTIVE token activated after the payment, then tokens is ok (a new place in line)', async () => {
    await activate(PAID_USER, 'tok-paid', paidAt + 10_000, Date.now() + 60_000);
    expect((await runAudit(options)).filter((check) => !check.ok)).toEqual([]);
  });
});

describe('runAudit on a corrupted copy', () => {
  it('money › when a balance is off by 1, then money fails naming the user and the rest stay ok', async () => {
    const { payment: p } = sql();
    await db.query(`UPDATE ${p}.balances SET amount = amount + 1 WHERE user_id = $1`, [HOLDING_USER]);
    const money = expectOnlyViolated(await runAudit(options), 'money', new RegExp(`user ${HOLDING_USER} balance 30001 but ledger says 30000`));
    expect(money.figures).toMatchObject({ userMismatches: 1 });
    expect(money.violations.some((v) => /total charged 130000/.test(v))).toBe(true);
  });

  it('money › when a PENDING payment is older than the grace, then money fails naming the stuck payment', async () => {
    const { payment: p } = sql();
    const stuck = randomUUID();
    await db.query(`INSERT INTO ${p}.payments (id, reservation_id, user_id, amount, status, created_at)
      VALUES ($1, $2, $3, 20000, 'PENDING', now() - interval '10 minutes')`, [stuck, HELD_RESERVATION, HOLDING_USER]);
    await db.query(`INSERT INTO ${p}.ledger_entries (id, user_id, type, amount, payment_id) VALUES (gen_random_uuid(), $1, 'PAYMENT', 20000, $2)`,
      [HOLDING_USER, stuck]);
    await db.query(`UPDATE ${p}.balances SET amount = amount - 20000 WHERE user_id = $1`, [HOLDING_USER]);
    expectOnlyViolated(await runAudit(options), 'money', new RegExp(`payment ${stuck} .* PENDING since`));
  });

  it('seats › when a seat gets a second CONFIRMED reservation, then seats fails naming the seat and the rest stay ok', async () => {
    const { booking: b } = sql();
    await db.query(`INSERT INTO ${b}.reservations (id, user_id, schedule_id, seat_no, price, status, expires_at)
      VALUES (gen_random_uuid(), 'intruder', $1, 1, 50000, 'CONFIRMED', now())`, [SCHEDULE]);
    expectOnlyViolated(await runAudit(options), 'seats', new RegExp(`seat ${SCHEDULE}/1 RESERVED with 2 CONFIRMED`));
  });

  it('seats › when a HELD reservation is past expiry by more than the grace, then seats fails naming the stale hold', async () => {
    const { booking: b } = sql();
    await db.query(`UPDATE ${b}.reservations SET expires_at = now() - interval '5 minutes' WHERE id = $1`, [HELD_RESERVATION]);
    expectOnlyViolated(await runAudit(options), 'seats', new RegExp(`HELD reservation ${HELD_RESERVATION} .* beyond the 30s grace`));
  });

  it('seats › when a HELD seat has no HELD reservation, then seats fails naming the seat', async () => {
    const { booking: b } = sql();
    await db.query(`UPDATE ${b}.reservations SET status = 'EXPIRED' WHERE id = $1`, [HELD_RESERVATION]);
    expectOnlyViolated(await runAudit(options), 'seats', new RegExp(`seat ${SCHEDULE}/2 is HELD with 0 HELD reservations`));
  });

  it('events › when the sink lost the event of a completed payment, then events fails naming the payment and the rest stay ok', async () => {
    const { sink: k } = sql();
    await db.query(`DELETE FROM ${k}.stored_events WHERE payment_id = $1`, [PAYMENT]);
    expectOnlyViolated(await runAudit(options), 'events', new RegExp(`COMPLETED payment ${PAYMENT} has 0 stored events`));
  });

  it('events › when an outbox row stays unpublished beyond the grace, then events fails naming it', async () => {
    const { payment: p } = sql();
    await db.query(`UPDATE ${p}.outbox_events SET published_at = NULL, created_at = now() - interval '10 minutes' WHERE id = $1`, [EVENT]);
    const events = expectOnlyViolated(await runAudit(options), 'events', new RegExp(`outbox ${EVENT} .* unpublished since`));
    expect(events.figures).toMatchObject({ unpublished: 1, staleUnpublished: 1 });
  });

  it('tokens › when the paid user still holds an ACTIVE token activated before the payment, then tokens fails naming the user', async () => {
    await activate(PAID_USER, 'tok-paid', paidAt - 60_000, Date.now() + 60_000);
    const tokens = expectOnlyViolated(await runAudit(options), 'tokens', new RegExp(`user ${PAID_USER} paid at .* token tok-paid .* still ACTIVE`));
    expect(tokens.figures).toMatchObject({ paidStillActive: 1 });
  });

  it('tokens › when live active slots exceed the maximum, then tokens fails with the count', async () => {
    await redis.zadd(`${prefix}active`, Date.now() + 60_000, 'tok-extra');
    expectOnlyViolated(await runAudit({ ...options, maxActive: 1 }), 'tokens', /2 live active slots exceed the maximum 1/);
  });
});

describe('quoteSchema', () => {
  it('schema names › when a name could inject SQL, then it is rejected before any query', async () => {
    expect(quoteSchema('queue_gateway')).toBe('"queue_gateway"');
    expect(() => quoteSchema('booking"; DROP SCHEMA booking; --')).toThrow(/invalid schema name/);
    await expect(runAudit({ ...options, schemas: { booking: 'x y' } })).rejects.toThrow(/invalid schema name/);
  });
});
