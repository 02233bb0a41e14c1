import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newPaymentCompleted, Topics, toPaymentCompletedMessage, type PaymentCompletedV1 } from '@ticketing/contracts';
import { createKafka } from '@ticketing/service-kit';
import { waitFor } from '@ticketing/devstack/testing';
import { startPaymentCompletedConsumer, type PaymentCompletedConsumer } from '../src/entry-points/kafka/payment-completed.consumer';
import { activeTokens, gatewayRig, silentLogger, through } from './support/gateway-fixture';
import { KAFKA_BROKERS } from './support/queue-test-kit';

/*
 * PaymentCompleted through the real broker (`npm test`'s Kafka) into the gateway's consumer, with a
 * consumer group of its own per run so no other group's offsets move; the queue lives under a random
 * key prefix of the shared Redis and the fallback table in a throwaway schema.
 */

// The topic is shared with every other run on this broker: user ids unique to this run, so another
// run's payment for a "payer" can never expire this run's token.
const run = randomUUID().slice(0, 8);
const user = (name: string) => `${name}-${run}`;
const kafka = createKafka({ clientId: 'queue-gateway-test', brokers: KAFKA_BROKERS, logger: silentLogger() });

const rig = gatewayRig({ schema: 'paid', sync: true });
let consumer: PaymentCompletedConsumer;
let producer: Producer;

beforeAll(async () => {
  consumer = startPaymentCompletedConsumer({
    kafka,
    groupId: `queue-gateway-test-${randomUUID()}`,
    expireUser: (userId, now, options) => rig.store.expireUser(userId, now, options),
    expireInFallback: (userId, options) => rig.repository.expireUser(userId, options),
    logger: silentLogger(),
  });
  producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await Promise.all([producer.connect(), consumer.ready]);
}, 60_000);

afterAll(async () => {
  await consumer?.close();
  await producer?.disconnect();
});

const paymentFor = (userId: string, fields: Partial<PaymentCompletedV1> = {}) =>
  newPaymentCompleted({ paymentId: randomUUID(), reservationId: randomUUID(), userId, concertId: randomUUID(), scheduleId: randomUUID(), seatNo: 7, amount: 80_000, ...fields });
const publish = (...messages: { key: string; value: string; headers?: Record<string, string> }[]) =>
  producer.send({ topic: Topics.PaymentCompleted, messages });

describe('PaymentCompleted consumer', () => {
  it('when a payment completes for a user, then their token gets 401 within 5 s and the fallback row becomes EXPIRED', async () => {
    const [token] = await activeTokens(rig.store, [user('payer')]);
    await rig.sync.flush();
    expect((await through(rig.gateway, '/balance', { token })).status).toBe(201);

    await publish(toPaymentCompletedMessage(paymentFor(user('payer'))));

    await waitFor('the token refused', async () => ((await through(rig.gateway, '/balance', { token })).status === 401 ? true : undefined), 5_000, 100);
    await rig.sync.flush();
    expect(await rig.repository.findByToken(token)).toMatchObject({ userId: user('payer'), status: 'EXPIRED' });
    expect(await rig.redis.get(`${rig.prefix}u:${user('payer')}`)).toBeNull();
  });

  it('when the same event is delivered again after the user queued anew, then the new token is left alone', async () => {
    const [paidWith] = await activeTokens(rig.store, [user('repeat-buyer')]);
    const event = paymentFor(user('repeat-buyer'));
    await publish(toPaymentCompletedMessage(event));
    await waitFor('first delivery applied', async () => ((await through(rig.gateway, '/balance', { token: paidWith })).status === 401 ? true : undefined), 5_000, 100);
    const [queuedAgain] = await activeTokens(rig.store, [user('repeat-buyer')]);
    const [witness] = await activeTokens(rig.store, [user('witness')]);

    // Same key (one partition, in order): the duplicate, a poison message, then a payment for the witness.
    const key = event.reservationId;
    await publish(
      toPaymentCompletedMessage(event),
      { key, value: '{"not":"an event"' },
      { ...toPaymentCompletedMessage(paymentFor(user('witness'))), key },
    );
    await waitFor('the witness expired (so the duplicate was handled)', async () =>
      ((await through(rig.gateway, '/balance', { token: witness })).status === 401 ? true : undefined), 5_000, 100);

    expect(queuedAgain).not.toBe(paidWith);
    expect((await through(rig.gateway, '/balance', { token: queuedAgain })).status).toBe(201);
    await rig.sync.flush();
    expect(await rig.repository.findByToken(queuedAgain)).toMatchObject({ userId: user('repeat-buyer'), status: 'ACTIVE' });
    expect(await rig.repository.findByToken(paidWith)).toMatchObject({ status: 'EXPIRED' });
  });

  it('when Redis cannot expire the token, then the fallback row is expired anyway and the event is retried until Redis can', async () => {
    // The gateway's consumer is replaced by one whose Redis calls fail at first.
    await consumer.close();
    const [token] = await activeTokens(rig.store, [user('outage-payer')]);
    await rig.sync.flush();
    let attempts = 0;
    const broken = startPaymentCompletedConsumer({
      kafka,
      groupId: `queue-gateway-test-${randomUUID()}`,
      expireUser: async (userId, now, options) => {
        // Other runs' events pass straight through; this run's payer fails twice first.
        if (userId === user('outage-payer') && ++attempts < 3) throw new Error('redis is down');
        return rig.store.expireUser(userId, now, options);
      },
      expireInFallback: (userId, options) => rig.repository.expireUser(userId, options),
      logger: silentLogger(),
    });
    await broken.ready;

    await publish(toPaymentCompletedMessage(paymentFor(user('outage-payer'))));

    await waitFor('row expired', async () => ((await rig.repository.findByToken(token))?.status === 'EXPIRED' ? true : undefined), 10_000, 100);
    await waitFor('redis expired after retries', async () => ((await rig.redis.get(`${rig.prefix}u:${user('outage-payer')}`)) === null ? true : undefined), 30_000, 100);
    await broken.close();
    expect(attempts).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('when a new group\'s first event fails until the consumer crashes and restarts, then the restarted consumer still handles it (it does not jump to "latest" again)', async () => {
    await consumer.close(); // only the fragile consumer below may expire this payer
    const [token] = await activeTokens(rig.store, [user('first-event-payer')]);
    let attempts = 0;
    const fragile = startPaymentCompletedConsumer({
      kafka,
      groupId: `queue-gateway-test-${randomUUID()}`,
      expireUser: async (userId, now, options) => {
        // Failing past kafkajs' retries (5) makes the consumer crash and restart before any commit.
        if (userId === user('first-event-payer') && ++attempts < 8) throw new Error('redis is down');
        return rig.store.expireUser(userId, now, options);
      },
      logger: silentLogger(),
    });
    await fragile.ready;

    await publish(toPaymentCompletedMessage(paymentFor(user('first-event-payer'))));

    await waitFor('redis expired after the restart', async () => ((await rig.redis.get(`${rig.prefix}u:${user('first-event-payer')}`)) === null ? true : undefined), 90_000, 200);
    await fragile.close();
    expect(attempts).toBe(8);
    expect((await through(rig.gateway, '/balance', { token })).status).toBe(401);
  }, 120_000);
});
