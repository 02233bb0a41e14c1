import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newPaymentCompleted, TopicPartitions, Topics, toPaymentCompletedMessage } from '@ticketing/contracts';
import { waitFor } from '@ticketing/devstack/testing';
import { PLATFORM_SETUP_TIMEOUT_MS, queryOne, startPlatform, type Platform } from './support/platform';

/*
 * payment.completed partitioned by reservationId, read by two-instance consumer groups: two sinks and
 * two gateways (separate processes, the same groups). One of each is killed with SIGKILL while the events
 * flow; the survivors take its partitions over. Every event must be stored exactly once, every payer's
 * token expired, and each reservation's events stored in the order they were published.
 */

const USERS = 30;
const EVENTS_PER_RESERVATION = 3;

let platform: Platform;
let kafka: Kafka;

beforeAll(async () => {
  platform = await startPlatform({ concerts: 1, seatsPerSchedule: 10, maxActive: USERS + 10 });
  kafka = new Kafka({ clientId: 'partitioned-events-test', brokers: [platform.kafka.brokers], logLevel: logLevel.NOTHING });
}, PLATFORM_SETUP_TIMEOUT_MS);

afterAll(async () => {
  await platform?.stop();
}, 60_000);

const call = async (method: string, path: string, options: { token?: string; body?: unknown } = {}) => {
  const res = await fetch(`${platform.gatewayUrl}${path}`, {
    method,
    headers: { ...(options.token && { 'X-Queue-Token': options.token }), ...(options.body !== undefined && { 'Content-Type': 'application/json' }) },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined };
};

/** Members of each consumer group on the platform's own broker (only this platform's groups are there). */
async function groupMembers(): Promise<Record<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.listGroups();
    const described = await admin.describeGroups(groups.map((group) => group.groupId));
    return Object.fromEntries(described.groups.map((group) => [group.groupId.replace(/-[0-9a-f]{8}$/, ''), group.members.length]));
  } finally {
    await admin.disconnect();
  }
}

describe('partitioned PaymentCompleted with two-instance consumer groups', () => {
  it('when one sink and one gateway are killed mid-stream, then every event is stored once, in order per reservation, and every payer loses their slot', async () => {
    const run = randomUUID().slice(0, 6);
    const users = Array.from({ length: USERS }, (_, i) => `part-${run}-${i}`);
    const issued = await Promise.all(users.map((userId) => call('POST', '/queue/tokens', { body: { userId } })));
    expect(issued.map((answer) => answer.status)).toEqual(users.map(() => 201));
    const tokens = issued.map((answer) => answer.body!.token as string);
    await waitFor('everyone admitted', async () => {
      const states = await Promise.all(tokens.map((token) => call('GET', '/queue/tokens/me', { token })));
      return states.every((state) => state.body?.status === 'ACTIVE') || undefined;
    }, 60_000, 200);

    const [sinkReplica, gatewayReplica] = await Promise.all([platform.startReplica('sink'), platform.startReplica('gateway')]);
    await waitFor('two members in each group', async () => {
      const members = await groupMembers();
      return members['e2e-sink'] === 2 && members['e2e-gateway'] === 2 ? members : undefined;
    }, 90_000, 500);

    // Each user's reservation gets several events (its first one ends the token; the others are later
    // facts of the same key), published in order, half before the kill and half after.
    const reservations = users.map((userId) => ({ userId, reservationId: randomUUID() }));
    const events = reservations.flatMap(({ userId, reservationId }) =>
      Array.from({ length: EVENTS_PER_RESERVATION }, (_, n) =>
        newPaymentCompleted({ paymentId: randomUUID(), reservationId, userId, concertId: randomUUID(), scheduleId: randomUUID(), seatNo: n + 1, amount: 1_000 + n }),
      ),
    );
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const half = Math.floor(events.length / 2);
    for (const event of events.slice(0, half)) await producer.send({ topic: Topics.PaymentCompleted, messages: [toPaymentCompletedMessage(event)] });
    await Promise.all([platform.kill('sink', 'SIGKILL'), gatewayReplica.stop('SIGKILL')]);
    for (const event of events.slice(half)) await producer.send({ topic: Topics.PaymentCompleted, messages: [toPaymentCompletedMessage(event)] });
    await producer.disconnect();

    // The survivors take the dead members' partitions once the group evicts them (its session timeout).
    const sinkSchema = platform.schemas.sink.schema;
    const ids = events.map((event) => event.eventId);
    await waitFor('every event stored', async () => {
      const { n } = await queryOne(platform, `SELECT count(*) AS n FROM "${sinkSchema}".stored_events WHERE event_id = ANY('{${ids.join(',')}}'::uuid[])`);
      return Number(n) === events.length || undefined;
    }, 120_000, 500);
    expect(await sinkReplica.stop('SIGTERM')).toBe(0);

    const { rows, distinct } = await queryOne(
      platform,
      `SELECT count(*) AS rows, count(DISTINCT event_id) AS distinct FROM "${sinkSchema}".stored_events WHERE event_id = ANY('{${ids.join(',')}}'::uuid[])`,
    );
    expect({ rows: Number(rows), distinct: Number(distinct) }).toEqual({ rows: events.length, distinct: events.length });

    // Per reservation: one partition, and stored offsets in publishing order (seatNo 1, 2, 3).
    const { orders } = await queryOne(
      platform,
      `SELECT json_agg(o) AS orders FROM (
         SELECT reservation_id, count(DISTINCT partition) AS partitions,
                array_agg((payload->>'seatNo')::int ORDER BY "offset"::bigint) AS seats
           FROM "${sinkSchema}".stored_events WHERE event_id = ANY('{${ids.join(',')}}'::uuid[]) GROUP BY reservation_id) o`,
    );
    const perReservation = orders as unknown as { partitions: number; seats: number[] }[];
    expect(perReservation).toHaveLength(USERS);
    expect(perReservation.every((r) => r.partitions === 1 && r.seats.join() === '1,2,3')).toBe(true);
    const { used } = await queryOne(platform, `SELECT count(DISTINCT partition) AS used FROM "${sinkSchema}".stored_events WHERE event_id = ANY('{${ids.join(',')}}'::uuid[])`);
    expect(Number(used)).toBeGreaterThan(1);
    expect(Number(used)).toBeLessThanOrEqual(TopicPartitions[Topics.PaymentCompleted]);

    // Every payer's token ended, whichever gateway's consumer read their partition.
    await waitFor('every token expired', async () => {
      const states = await Promise.all(tokens.map((token) => call('GET', '/queue/tokens/me', { token })));
      return states.every((state) => state.status === 401) || undefined;
    }, 60_000, 500);
  }, 400_000);
});
