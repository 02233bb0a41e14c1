import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { ensureKafkaJars, ensureTopics, startKafkaBroker, type KafkaBrokerOptions } from '../src/kafka-broker';
import { isAlive, isPortOpen, stopProcess } from '../src/process';
import { freePort } from '../src/testing/free-port';

// A cold cache downloads ~46 MB of jars with mvn before the first start.
jest.setTimeout(300_000);

describe('startKafkaBroker', () => {
  let dir: string;
  let opts: KafkaBrokerOptions;

  beforeAll(async () => {
    await ensureKafkaJars();
    dir = mkdtempSync(join(tmpdir(), 'kafka-broker-test-'));
    const [port, controllerPort] = [await freePort(), await freePort()];
    opts = { port, controllerPort, dataDir: join(dir, 'data'), logFile: join(dir, 'broker.log'), pidFile: join(dir, 'broker.pid'), heapMb: 384 };
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('startKafkaBroker › when started on free ports in a temp dir, then a consumer group receives a message produced to a new topic (grown to 3 partitions) and SIGTERM stops the broker', async () => {
    const { pid, brokers } = await startKafkaBroker(opts);
    try {
      expect(brokers).toBe(`127.0.0.1:${opts.port}`);
      await ensureTopics(brokers, [{ topic: 'test.events', numPartitions: 2 }]);
      await ensureTopics(brokers, [{ topic: 'test.events', numPartitions: 3 }]); // grows a topic created with fewer
      await ensureTopics(brokers, [{ topic: 'test.events', numPartitions: 3 }]); // idempotent

      const kafka = new Kafka({ clientId: 'kafka-broker-test', brokers: [brokers], logLevel: logLevel.WARN });
      const admin = kafka.admin();
      await admin.connect();
      const { topics } = await admin.fetchTopicMetadata({ topics: ['test.events'] });
      await admin.disconnect();
      expect(topics[0]?.partitions).toHaveLength(3);

      const consumer = kafka.consumer({ groupId: 'kafka-broker-test' });
      await consumer.connect();
      await consumer.subscribe({ topic: 'test.events', fromBeginning: true });
      const received = new Promise<{ key?: string; value?: string }>((resolve) => {
        void consumer.run({ eachMessage: async ({ message }) => resolve({ key: message.key?.toString(), value: message.value?.toString() }) });
      });
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      await producer.send({ topic: 'test.events', messages: [{ key: 'order-1', value: 'hello' }] });
      await producer.disconnect();
      expect(await received).toEqual({ key: 'order-1', value: 'hello' });
      await consumer.disconnect();
    } finally {
      await stopProcess(pid, opts.pidFile);
    }
    expect(isAlive(pid)).toBe(false);
    expect(await isPortOpen(opts.port)).toBe(false);
    expect(await isPortOpen(opts.controllerPort)).toBe(false);
  });

  it('startKafkaBroker › when the client port is taken by another program, then it fails naming the port without starting a broker', async () => {
    const squatter = createServer().listen(opts.port, '127.0.0.1');
    await new Promise((resolve) => squatter.once('listening', resolve));
    try {
      await expect(startKafkaBroker({ ...opts, pidFile: join(dir, 'other.pid') })).rejects.toThrow(`port ${opts.port} is already in use`);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
