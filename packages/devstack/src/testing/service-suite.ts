import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ensureTopics, startKafkaBroker } from '../kafka-broker';
import { readLivePid, stopProcess } from '../process';
import { startRedisServer } from '../redis-server';
import { startTcpProxy, type TcpProxy } from '../tcp-proxy';
import { freePort } from './free-port';
import { startServiceProcess, type ServiceProcess } from './service-process';
import { waitFor } from './wait-for';

type Dependency = 'postgres' | 'redis' | 'kafka';

interface Outage {
  stop: () => Promise<void>;
  restart: () => Promise<void>;
}

/**
 * The component suite every service shares: its real `dist/main.js` runs against dependencies the test
 * owns (a TCP proxy in front of the shared Postgres, its own redis-server, its own Kafka broker), so
 * each one can be taken away to prove /health/ready notices, and brought back to prove it recovers.
 * The shared servers themselves are never stopped.
 */
/** The operator credential the suite gives every service (only the gateway asks for it, on /metrics and the readiness details). */
const OPS_TOKEN = 'suite-ops-token-0123456789';
const asOperator = { authorization: `Bearer ${OPS_TOKEN}` };

/**
 * `servesWithout`: the dependencies the service keeps serving without, one at a time (its /health/ready
 * then answers 200 `degraded`, so a load balancer keeps it); losing any other makes it 503 `unready`.
 */
export function serviceLifecycleSuite(service: string, serviceDir: string, dependencies: Dependency[], servesWithout: Dependency[] = []): void {
  describe(`${service} service process`, () => {
    const scratch = mkdtempSync(join(tmpdir(), `${service}-suite-`));
    const outages = new Map<Dependency, Outage>();
    let proxy: TcpProxy | undefined;
    let running: ServiceProcess;
    const env: NodeJS.ProcessEnv = { OPS_TOKEN };

    beforeAll(async () => {
      const database = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ticketing_test');
      proxy = await startTcpProxy(Number(database.port || 5432), database.hostname);
      database.host = `127.0.0.1:${proxy.port}`;
      env.DATABASE_URL = database.toString();
      outages.set('postgres', { stop: () => proxy!.cut(), restart: () => proxy!.restore() });

      if (dependencies.includes('redis')) {
        const redis = { port: await freePort(), dir: join(scratch, 'redis') };
        env.REDIS_URL = (await startRedisServer(redis)).url;
        outages.set('redis', ownedServer(join(redis.dir, 'redis.pid'), () => startRedisServer(redis)));
      }
      if (dependencies.includes('kafka')) {
        const dataDir = join(scratch, 'kafka');
        const broker = { port: await freePort(), controllerPort: await freePort(), dataDir, logFile: join(dataDir, 'broker.log'), pidFile: join(dataDir, 'broker.pid') };
        env.KAFKA_BROKERS = (await startKafkaBroker(broker)).brokers;
        await ensureTopics(env.KAFKA_BROKERS, [{ topic: 'payment.completed', numPartitions: 3 }]);
        outages.set('kafka', ownedServer(broker.pidFile, () => startKafkaBroker(broker)));
      }
      running = await startServiceProcess(serviceDir, env);
    }, 180_000);

    afterAll(async () => {
      await running?.stop('SIGKILL');
      for (const [name, outage] of outages) if (name !== 'postgres') await outage.stop();
      await proxy?.close();
      rmSync(scratch, { recursive: true, force: true });
    }, 60_000);

    const ready = async () => {
      const res = await fetch(`${running.url}/health/ready`, { headers: asOperator });
      return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, { ok: boolean }> } };
    };

    it('when its dependencies answer, then it is live, ready with each dependency checked, and serves Prometheus metrics', async () => {
      const live = await fetch(`${running.url}/health/live`);
      expect(live.status).toBe(200);
      expect(live.headers.get('x-request-id')).toBeTruthy();

      const report = await waitFor('ready', async () => ((await ready()).status === 200 ? ready() : undefined));
      expect(report.body.status).toBe('ready');
      expect(Object.keys(report.body.checks).sort()).toEqual([...dependencies].sort());

      const metrics = await fetch(`${running.url}/metrics`, { headers: asOperator });
      expect(metrics.headers.get('content-type')).toContain('text/plain');
      const text = await metrics.text();
      expect(text).toContain('process_cpu_user_seconds_total');
      expect(text).toContain('http_request_duration_seconds_bucket');
    });

    it('when it runs with AUTH_MODE=dev (as tests and npm start ask), then its start-up log warns so', () => {
      const warnings = running.output().filter((line) => line.includes('"level":40') && line.includes('AUTH_MODE=dev'));
      expect(warnings).toHaveLength(1);
    });

    for (const dependency of dependencies) {
      const serves = servesWithout.includes(dependency);
      const expected = serves ? { status: 200, body: 'degraded' } : { status: 503, body: 'unready' };
      it(`when its ${dependency} goes away, then /health/ready answers ${expected.status} ${expected.body} naming it, and 200 ready again once it is back`, async () => {
        const outage = outages.get(dependency)!;
        await outage.stop();
        const down = await waitFor(`${dependency} reported down`, async () => {
          const report = await ready();
          return report.body.checks[dependency]?.ok === false ? report : undefined;
        });
        expect({ status: down.status, body: down.body.status }).toEqual(expected);
        const others = Object.entries(down.body.checks).filter(([name]) => name !== dependency);
        expect(others.every(([, check]) => check.ok)).toBe(true);

        await outage.restart();
        const back = await waitFor(`${dependency} reported back`, async () => {
          const report = await ready();
          return report.body.status === 'ready' ? report : undefined;
        }, 60_000);
        expect(back.status).toBe(200);
      }, 120_000);
    }

    it('when sent SIGTERM, then it closes the HTTP server and every client and exits 0', async () => {
      const code = await running.stop('SIGTERM');
      // On failure, the last log lines name the step that hung or failed.
      expect({ code, log: code === 0 ? [] : running.output().slice(-12) }).toEqual({ code: 0, log: [] });
      const closed = running
        .output()
        .map((line) => { try { return JSON.parse(line) as { msg?: string; step?: string }; } catch { return {}; } })
        .filter((entry) => entry.msg === 'closed')
        .map((entry) => entry.step);
      // Their order is ShutdownManager's (unit-tested); lines from a child's pipe may interleave.
      const clients = dependencies.map((d) => (d === 'kafka' ? 'kafka-admin' : d));
      expect(closed).toEqual(expect.arrayContaining(['http', ...clients]));
      expect(running.output().filter((line) => line.includes('shutdown step failed'))).toEqual([]);
    }, 30_000);
  });
}

/** Stop = kill the server this test started; restart = start it again on the same port and data dir. */
function ownedServer(pidFile: string, start: () => Promise<unknown>): Outage {
  return {
    stop: async () => {
      const pid = readLivePid(pidFile);
      if (pid !== undefined) await stopProcess(pid, pidFile);
    },
    restart: async () => {
      await start();
    },
  };
}
