import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IssueTokenResponse, newPaymentCompleted, QueueStatsResponse, TokenStatusResponse, Topics, toPaymentCompletedMessage } from '@ticketing/contracts';
import { clusterNodePid, startRedisCluster, stopRedisCluster } from '@ticketing/devstack';
import { freePort, startServiceProcess, waitFor, waitUntilReady, type ServiceProcess } from '@ticketing/devstack/testing';
import { Cluster, Redis } from 'ioredis';
import type { Producer } from 'kafkajs';
import { createKafka } from '@ticketing/service-kit';
import { createFallbackDb, type FallbackDb } from './support/fallback-db';
import { KAFKA_BROKERS, silentLogger } from './support/queue-test-kit';

/*
 * The built gateway on a real Redis Cluster (3 masters, 3 replicas, each a redis-server with AOF, as
 * devstack starts them with REDIS_CLUSTER=1), through REDIS_CLUSTER_NODES: three concerts' lines whose
 * hash tags fall on three different masters, and then one master killed with SIGKILL mid-run.
 */

const serviceDir = join(__dirname, '..');
const prefix = `test:qg-cluster:${randomUUID().slice(0, 8)}:`;
const MAX_ACTIVE = 2;
let dir: string;
let ports: number[];
let nodes: string[];
let admin: Cluster;
let booking: Server;
let db: FallbackDb;
let gateway: ServiceProcess;
let producer: Producer | undefined;
/** One concert per master: concert id → the port of the master its line's slot is on. */
const concerts = new Map<string, number>();

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

const call = async (method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<Reply> => {
  const res = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { ...(options.token && { 'X-Queue-Token': options.token }), ...(options.body !== undefined && { 'Content-Type': 'application/json' }) },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return { status: res.status, body: res.status === 204 ? {} : ((await res.json()) as Record<string, unknown>) };
};
const issue = async (userId: string, concertId?: string) => {
  const reply = await call('POST', '/queue/tokens', { body: { userId, ...(concertId && { concertId }) } });
  expect(reply.status).toBe(201);
  return IssueTokenResponse.parse(reply.body).token;
};
const statusOf = async (token: string) => TokenStatusResponse.parse((await call('GET', '/queue/tokens/me', { token })).body);
const lineStats = async (concertId: string) => QueueStatsResponse.parse((await call('GET', `/queue/stats?concertId=${concertId}`)).body);

/** The port of the master serving the slot of `key` now. */
async function masterOf(key: string): Promise<number> {
  const slot = Number(await admin.cluster('KEYSLOT', key));
  const range = (await admin.cluster('SLOTS')).find(([from, to]) => from <= slot && slot <= to);
  if (!range?.[2]) throw new Error(`no master serves slot ${slot}`);
  return range[2][1];
}

/** Each replica's replication offset equals one of the masters': every write so far is on both. */
async function replicasCaughtUp(): Promise<boolean> {
  const replication = await Promise.all(
    ports.map(async (port) => {
      const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      try {
        await client.connect();
        return new Map((await client.info('replication')).split('\r\n').map((line) => line.split(':') as [string, string]));
      } catch {
        return undefined; // the killed master
      } finally {
        client.disconnect();
      }
    }),
  );
  const live = replication.filter((fields) => fields !== undefined);
  const masters = new Set(live.filter((fields) => fields.get('role') === 'master').map((fields) => fields.get('master_repl_offset')));
  return live.filter((fields) => fields.get('role') === 'slave').every((fields) => masters.has(fields.get('slave_repl_offset')));
}

beforeAll(async () => {
  // Cluster nodes also listen on port + 10000 (the bus); freePort's ports are low enough for that.
  ports = [];
  while (ports.length < 6) ports.push(await freePort());
  dir = mkdtempSync(join(tmpdir(), 'qg-cluster-'));
  nodes = (await startRedisCluster({ ports, dir })).nodes;
  admin = new Cluster(nodes.map((node) => ({ host: '127.0.0.1', port: Number(node.split(':')[1]) })));

  // Three concerts whose lines' hash tags land on three different masters.
  while (concerts.size < 3) {
    const concertId = randomUUID();
    const master = await masterOf(`{q:${concertId}}`);
    if (![...concerts.values()].includes(master)) concerts.set(concertId, master);
  }
  booking = createServer((req, res) => {
    res.writeHead(req.url === '/concerts' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify([...concerts.keys()].map((concertId) => ({ concertId, title: 'Test', artist: 'Band', venue: 'Hall' }))));
  });
  await new Promise<void>((resolve) => booking.listen(0, '127.0.0.1', resolve));

  db = await createFallbackDb('cluster');
  gateway = await startServiceProcess(serviceDir, {
    REDIS_CLUSTER_NODES: nodes.join(','),
    BOOKING_URL: `http://127.0.0.1:${(booking.address() as AddressInfo).port}`,
    DATABASE_SCHEMA: db.schema,
    QUEUE_KEY_PREFIX: prefix,
    KAFKA_GROUP_ID: `test-cluster-${randomUUID()}`,
    QUEUE_LIMIT_MODE: 'fixed',
    QUEUE_MAX_ACTIVE: String(MAX_ACTIVE),
    QUEUE_ADMISSION_INTERVAL_MS: '200',
    FALLBACK_SYNC_INTERVAL_MS: '100',
    RATE_LIMIT_PER_ADDRESS: '0',
  }, 60_000);
  // It listens at once (it serves from the Postgres copy without Redis); the cluster client connects meanwhile.
  await waitUntilReady(gateway.url);
}, 120_000);

afterAll(async () => {
  await producer?.disconnect();
  await gateway?.stop('SIGKILL');
  admin?.disconnect();
  await new Promise((resolve) => booking?.close(resolve));
  if (ports) await stopRedisCluster({ ports, dir });
  if (dir) rmSync(dir, { recursive: true, force: true });
  await db?.drop();
}, 60_000);

describe('the gateway on a Redis Cluster (REDIS_CLUSTER_NODES)', () => {
  it('when three concerts whose lines sit on three masters are joined, then each line keeps its own order, admits its own first two, pushes a freed slot to its next waiter and reports its own stats', async () => {
    for (const [concertId, master] of concerts) {
      const tokens: string[] = [];
      for (let i = 0; i < 4; i++) tokens.push(await issue(`${concertId.slice(0, 8)}-user-${i}`, concertId));
      // Each line's keys are on its own master, all under the line's hash tag.
      expect(await masterOf(`${prefix}{q:${concertId}}:waiting`)).toBe(master);

      await waitFor('the first two admitted', async () => ((await statusOf(tokens[1]!)).status === 'ACTIVE' ? true : undefined), 15_000, 100);
      expect((await statusOf(tokens[0]!)).status).toBe('ACTIVE');
      expect(await statusOf(tokens[2]!)).toMatchObject({ status: 'WAITING', position: 1 });
      expect(await statusOf(tokens[3]!)).toMatchObject({ status: 'WAITING', position: 2 });
      expect(await lineStats(concertId)).toMatchObject({ waiting: 2, active: 2, maxActive: MAX_ACTIVE });

      // The third waits on a long-poll; the first leaves; the feed (pub/sub across the cluster) pushes it in.
      const waiting = call('GET', '/queue/tokens/me?wait=30', { token: tokens[2] });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await call('DELETE', '/queue/tokens/me', { token: tokens[0] })).status).toBe(204);
      expect((await waiting).body).toMatchObject({ status: 'ACTIVE' });
      expect(await statusOf(tokens[3]!)).toMatchObject({ status: 'WAITING', position: 1 });
      for (const token of tokens.slice(1)) expect((await call('DELETE', '/queue/tokens/me', { token })).status).toBe(204);
      expect(await lineStats(concertId)).toMatchObject({ waiting: 0, active: 0 });
    }
    // The site-wide line works there too (tagged {q:site} on a cluster).
    const site = await issue('site-user');
    expect((await statusOf(site)).status).toMatch(/ACTIVE|WAITING/);
    const totals = QueueStatsResponse.parse((await call('GET', '/queue/stats')).body);
    expect(totals.queues?.filter((line) => line.concertId !== null && concerts.has(line.concertId))).toHaveLength(3);
  }, 90_000);

  it("when a payment completes, then the payer's tokens in the concert's line and in the site line (on another master) end, and the concert line admits its next waiter", async () => {
    const siteMaster = await masterOf(`${prefix}{q:site}:seq`);
    const [concertId] = [...concerts.entries()].slice(1).find(([, master]) => master !== siteMaster)!;
    const payer = `${concertId.slice(0, 8)}-payer`;
    const [paying, second, next] = [await issue(payer, concertId), await issue(`${concertId.slice(0, 8)}-second`, concertId), await issue(`${concertId.slice(0, 8)}-next`, concertId)];
    const site = await issue(payer);
    await waitFor('the payer admitted', async () => ((await statusOf(paying)).status === 'ACTIVE' ? true : undefined), 15_000, 100);
    expect(await statusOf(next)).toMatchObject({ status: 'WAITING', position: 1 });

    producer = createKafka({ clientId: 'cluster-test', brokers: KAFKA_BROKERS, logger: silentLogger() }).producer();
    await producer.connect();
    const event = newPaymentCompleted({ paymentId: randomUUID(), reservationId: randomUUID(), userId: payer, concertId, scheduleId: randomUUID(), seatNo: 1, amount: 80_000 });
    // The gateway's consumer joins its group in the background and starts from the newest offset: the
    // event is sent again until it is taken (expiring an ended token again changes nothing).
    await waitFor('the payment taken by the gateway', async () => {
      await producer!.send({ topic: Topics.PaymentCompleted, messages: [toPaymentCompletedMessage(event)] });
      return (await call('GET', '/queue/tokens/me', { token: paying })).status === 401 ? true : undefined;
    }, 60_000, 500);
    expect((await call('GET', '/queue/tokens/me', { token: site })).status).toBe(401);
    await waitFor('the next waiter admitted', async () => ((await statusOf(next)).status === 'ACTIVE' ? true : undefined), 15_000, 100);
    expect(await lineStats(concertId)).toMatchObject({ waiting: 0, active: 2 });
    for (const token of [second, next]) expect((await call('DELETE', '/queue/tokens/me', { token })).status).toBe(204);
  }, 90_000);

  it('when a master is killed with SIGKILL mid-run, then its replica takes over, every place the replica had is kept in order, the line admits again and no slot is leaked', async () => {
    const [concertId, master] = [...concerts.entries()][0]!;
    const tokens: string[] = [];
    for (let i = 0; i < 20; i++) tokens.push(await issue(`${concertId.slice(0, 8)}-failover-${i}`, concertId));
    const positions = new Map<string, number>();
    for (const token of tokens) positions.set(token, (await statusOf(token)).position);
    // Replication is asynchronous: a write the master acknowledged but had not sent yet is lost with it
    // (docs/SCALING.md). Here every place is on the replica before the kill.
    await waitFor('replicas caught up', async () => ((await replicasCaughtUp()) ? true : undefined), 15_000, 100);

    // The checks below are answered from the Postgres copy: every place is copied there before the kill.
    await waitFor('the places copied to Postgres', async () => ((await db.prisma.queueToken.count({ where: { token: { in: tokens } } })) === tokens.length ? true : undefined), 15_000, 100);
    process.kill(clusterNodePid(dir, master)!, 'SIGKILL');
    // Meanwhile token checks keep answering (from the Postgres copy), and joining answers 201 or a clear 503.
    const during: Reply[] = [];
    await waitFor('the replica promoted and serving the line', async () => {
      during.push(await call('GET', '/queue/tokens/me', { token: tokens[5] }));
      const joined = await call('POST', '/queue/tokens', { body: { userId: `${concertId.slice(0, 8)}-during-${during.length}`, concertId } });
      expect([201, 503]).toContain(joined.status);
      return joined.status === 201 && (await masterOf(`{q:${concertId}}`)) !== master ? true : undefined;
    }, 60_000, 250);
    expect(during.filter((reply) => reply.status !== 200)).toEqual([]);

    // Every place is kept, in the same order; nobody moved back (those ahead may have been admitted meanwhile).
    const after = await Promise.all(tokens.map(statusOf));
    for (const view of after) expect(['WAITING', 'ACTIVE']).toContain(view.status);
    const waitingAfter = tokens.filter((_, i) => after[i]!.status === 'WAITING');
    const placesAfter = waitingAfter.map((token) => after[tokens.indexOf(token)]!.position);
    expect(placesAfter).toEqual([...placesAfter].sort((a, b) => a - b));
    for (const token of waitingAfter) expect(after[tokens.indexOf(token)]!.position).toBeLessThanOrEqual(positions.get(token)!);

    // No slot leaked: never more than the limit active; freeing the active slots admits the next in line.
    const stats = await lineStats(concertId);
    expect(stats.active).toBeLessThanOrEqual(MAX_ACTIVE);
    expect(stats.waiting).toBeGreaterThanOrEqual(waitingAfter.length);
    const active = tokens.filter((_, i) => after[i]!.status === 'ACTIVE');
    const next = waitingAfter[0]!;
    for (const token of active) await call('DELETE', '/queue/tokens/me', { token });
    await waitFor('the next in line admitted on the promoted master', async () => ((await statusOf(next)).status === 'ACTIVE' ? true : undefined), 15_000, 100);
    expect((await lineStats(concertId)).active).toBeLessThanOrEqual(MAX_ACTIVE);

    // The other lines were never affected.
    for (const [other] of [...concerts.entries()].slice(1)) expect((await call('POST', '/queue/tokens', { body: { userId: 'after-failover', concertId: other } })).status).toBe(201);
  }, 120_000);
});
