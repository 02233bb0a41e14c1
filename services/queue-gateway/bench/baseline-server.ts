import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { announce } from './bench-child';

/**
 * Benchmark child: the floor the gateway is compared with — a bare Node `http` server that reads the
 * same JSON body and does one ZADD through ioredis, nothing else (no framework, no logs, no validation).
 */
async function main(): Promise<void> {
  const key = `${process.env.BENCH_PREFIX ?? 'bench:'}baseline`;
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6380', { lazyConnect: true });
  await redis.connect();
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const { userId } = JSON.parse(body) as { userId: string };
      redis.zadd(key, Date.now(), userId).then(
        () => {
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ userId }));
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => {
    announce(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, () => server.close(() => redis.disconnect()));
  });
}

void main();
