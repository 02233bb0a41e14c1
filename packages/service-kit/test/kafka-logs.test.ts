import { randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Partitioners, type Admin, type Consumer } from 'kafkajs';
import { createKafka } from '../src';
import { captureLogs } from './support/capture-logs';

/**
 * kafkajs's own log entries, through the service's logger, on the real broker `npm test` started. A
 * rebalance (a second member joining a group) is normal work: it must not show up as an error.
 */
describe('kafkajs logs', () => {
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  const { logger, lines } = captureLogs();
  const entries = lines as { level: number; namespace?: string; msg: string; error?: string }[];
  const kafka = createKafka({ clientId: 'kafka-logs-test', brokers, logger });
  const topic = `test.rebalance.${randomUUID()}`;
  const groupId = `rebalance-${randomUUID()}`;
  const consumers: Consumer[] = [];
  let admin: Admin | undefined;

  afterAll(async () => {
    await Promise.all(consumers.map((consumer) => consumer.disconnect()));
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
  });

  it('when a second member joins a running group, then the rebalance is logged at info, and nothing at error or warn', async () => {
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    let joins = 0;
    const joined = new EventEmitter();
    const untilJoins = async (count: number) => {
      while (joins < count) await once(joined, 'join');
    };
    const join = async () => {
      const consumer = kafka.consumer({ groupId });
      consumers.push(consumer);
      consumer.on(consumer.events.GROUP_JOIN, () => {
        joins++;
        joined.emit('join');
      });
      await consumer.connect();
      await consumer.subscribe({ topic });
      await consumer.run({ eachMessage: async () => undefined });
    };

    await join();
    await untilJoins(1);
    await join();
    // The first member learns of the rebalance from its next heartbeat and joins again: 3 joins in all.
    await untilJoins(3);

    const rebalancing = entries.filter((entry) => /rebalancing/.test(`${entry.msg} ${entry.error ?? ''}`));
    expect(rebalancing.length).toBeGreaterThan(0);
    expect(rebalancing.map((entry) => entry.level)).toEqual(rebalancing.map(() => 30));
    expect(entries.filter((entry) => entry.level >= 40)).toEqual([]);
  }, 60_000);

  it('when a broker is still loading its coordinator, or a producer limits its retries on purpose, then kafkajs\'s entries go out at info', () => {
    const before = entries.length;
    // The payment outbox's producer, as configured there (kafkajs warns as it is created).
    kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner, retry: { retries: 3 } });
    // The entry kafkajs's connection writes when a fresh broker answers COORDINATOR_LOAD_IN_PROGRESS.
    kafka.logger().namespace('Connection').error('Response InitProducerId(key: 22, version: 1)', { error: "The coordinator is loading and hence can't process requests for this group" });

    const logged = entries.slice(before);
    expect(logged.map((entry) => [entry.namespace, entry.level])).toEqual([['Producer', 30], ['Connection', 30]]);
  });
});
