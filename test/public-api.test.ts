import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import type { OpenApiDocument } from '@ticketing/contracts';
import { waitFor } from '@ticketing/devstack/testing';
import { AS_OPERATOR, concertOnSaleIn, PLATFORM_SETUP_TIMEOUT_MS, startPlatform, type Platform } from './support/platform';
import { contractChecker } from './support/openapi-check';
import { OPS_PANELS } from '../services/queue-gateway/src/domain/ops-snapshot';

/*
 * The public API against its OpenAPI document, on the whole platform (four service processes, real
 * Postgres, Redis, Kafka): every service serves a valid OpenAPI 3.1 document and Swagger UI; every
 * answer of a whole journey, errors included, validates against the gateway's document, and the journey
 * uses every operation in it, so a route missing from the spec (or a spec route nobody serves) fails.
 */

/**
 * Validates a document with @seriousme/openapi-schema-validator's own command (the package is ES
 * modules only, which Jest's loader cannot require): it checks against the official OpenAPI schemas.
 */
async function validateOpenApi(document: unknown): Promise<{ valid: boolean; errors?: unknown }> {
  const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
  try {
    writeFileSync(join(dir, 'openapi.json'), JSON.stringify(document));
    const cli = require.resolve('@seriousme/openapi-schema-validator/bin/validate-api-cli.js');
    const { stdout } = await promisify(execFile)(process.execPath, [cli, join(dir, 'openapi.json')]).catch((failed: { stdout: string }) => failed);
    return JSON.parse(stdout) as { valid: boolean; errors?: unknown };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let platform: Platform;
let contract: ReturnType<typeof contractChecker>;

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

async function call(method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const aborted = new AbortController();
  const response = await fetch(`${platform.gatewayUrl}${path}`, {
    method,
    headers: {
      ...(options.token && { 'X-Queue-Token': options.token }),
      ...(options.body !== undefined && { 'Content-Type': 'application/json' }),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: aborted.signal,
  });
  const contentType = response.headers.get('content-type') ?? '';
  let body: unknown;
  if (contentType.startsWith('text/event-stream')) {
    // A stream does not end: its first event is enough.
    const reader = response.body!.getReader();
    const { value } = await reader.read();
    body = new TextDecoder().decode(value);
    aborted.abort();
  } else {
    const text = await response.text();
    body = contentType.startsWith('application/json') ? JSON.parse(text) : text === '' ? undefined : text;
  }
  contract.check({ method, path: new URL(path, platform.gatewayUrl).pathname, status: response.status, contentType, body });
  return { status: response.status, headers: response.headers, body };
}

async function admittedToken(userId: string, concertId?: string): Promise<string> {
  const issued = await call('POST', '/queue/tokens', { body: { userId, ...(concertId && { concertId }) } });
  const { token } = issued.body as { token: string };
  await waitFor(`${userId} admitted`, async () => ((await call('GET', '/queue/tokens/me?wait=5', { token })).body as { status: string }).status === 'ACTIVE' || undefined, 60_000, 10);
  return token;
}

beforeAll(async () => {
  platform = await startPlatform({ concerts: 2, seatsPerSchedule: 20, maxActive: 10 });
  contract = contractChecker((await (await fetch(`${platform.gatewayUrl}/openapi.json`)).json()) as OpenApiDocument);
}, PLATFORM_SETUP_TIMEOUT_MS);

afterAll(async () => {
  await platform?.stop();
}, 60_000);

describe('the OpenAPI documents', () => {
  it('when each service is asked for /openapi.json, then it is a valid OpenAPI 3.1 document, and /docs serves Swagger UI reading it', async () => {
    for (const service of ['gateway', 'booking', 'payment', 'sink'] as const) {
      const url = platform.processes[service].url;
      const document = await (await fetch(`${url}/openapi.json`)).json();
      expect({ service, openapi: (document as { openapi: string }).openapi, ...(await validateOpenApi(document)) }).toEqual({ service, openapi: '3.1.0', valid: true });

      const docs = await fetch(`${url}/docs`);
      expect(docs.status).toBe(200);
      expect(await docs.text()).toContain('swagger-ui-bundle.js');
      expect((await fetch(`${url}/docs/swagger-ui-bundle.js`)).status).toBe(200);
    }
  });
});

describe('the public API against its document', () => {
  it('when a user goes the whole way (and makes the usual mistakes), then every answer validates against the spec and every operation in it was used', async () => {
    const token = await admittedToken('contract-buyer');
    expect((await call('POST', '/queue/tokens', { body: { userId: 'contract-buyer' } })).status).toBe(200);
    expect((await call('GET', '/queue/tokens/me', { token })).status).toBe(200);
    expect((await call('GET', '/queue/tokens/me/events', { token })).status).toBe(200);
    expect((await call('GET', '/queue/stats')).status).toBe(200);

    const [concert] = (await call('GET', '/concerts', { token })).body as [{ concertId: string }];
    const [schedule] = (await call('GET', `/concerts/${concert.concertId}/schedules`, { token })).body as [{ scheduleId: string }];
    const [seat] = (await call('GET', `/schedules/${schedule.scheduleId}/seats?status=AVAILABLE`, { token })).body as [{ seatNo: number; price: number }];
    const held = await call('POST', '/reservations', { token, body: { scheduleId: schedule.scheduleId, seatNo: seat.seatNo } });
    expect(held.status).toBe(201);
    const { reservationId } = held.body as { reservationId: string };
    expect((await call('GET', `/reservations/${reservationId}`, { token })).status).toBe(200);
    expect((await call('POST', '/payments', { token, body: { reservationId } })).status).toBe(409); // no money yet
    expect((await call('GET', '/schedules/not-a-uuid/seats', { token })).status).toBe(400);
    expect((await call('GET', '/queue/tokens/me?wait=1&colour=blue', { token })).status).toBe(400);

    expect((await call('GET', '/balance', { token })).status).toBe(200);
    expect((await call('POST', '/balance/charge', { token, body: { amount: seat.price } })).status).toBe(200);
    expect((await call('POST', '/payments', { token, body: { reservationId }, headers: { 'Idempotency-Key': 'contract-1' } })).status).toBe(201);

    const leaver = (await call('POST', '/queue/tokens', { body: { userId: 'contract-leaver' } })).body as { token: string };
    expect((await call('DELETE', '/queue/tokens/me', { token: leaver.token })).status).toBe(204);

    // Mistakes: each is a documented 4xx with the error body.
    expect((await call('GET', '/queue/tokens/me')).status).toBe(401);
    expect((await call('POST', '/queue/tokens', { body: { userId: 'no spaces allowed' } })).status).toBe(400);

    expect((await call('GET', '/health/live')).status).toBe(200);
    expect((await call('GET', '/health/ready', { headers: AS_OPERATOR })).status).toBe(200);
    expect((await call('GET', '/metrics', { headers: AS_OPERATOR })).status).toBe(200);
    expect((await call('GET', '/metrics')).status).toBe(401);
    expect((await call('GET', '/ops/snapshot', { headers: AS_OPERATOR })).status).toBe(200);
    expect((await call('GET', '/ops/snapshot')).status).toBe(401);

    expect(contract.unseen()).toEqual([]);
  }, 120_000);

  it('when a path is used with a method it does not take, then 405 with Allow, on the gateway and on the services behind it', async () => {
    const answers = await Promise.all([
      fetch(`${platform.gatewayUrl}/queue/tokens/me`, { method: 'PUT' }),
      fetch(`${platform.gatewayUrl}/queue/stats`, { method: 'POST' }),
      fetch(`${platform.processes.sink.url}/events/stats`, { method: 'DELETE' }),
    ]);
    expect(answers.map((answer) => [answer.status, answer.headers.get('allow')])).toEqual([
      [405, 'GET, DELETE'],
      [405, 'GET'],
      [405, 'GET'],
    ]);
    expect(((await answers[0].json()) as { code: string }).code).toBe('COMMON.METHOD_NOT_ALLOWED');
  });
});

describe('a line per concert', () => {
  const errorCode = (answer: Answer) => ({ status: answer.status, code: (answer.body as { code?: string }).code });

  it("when a fan joins a concert's line, then the token opens that concert only: another concert's schedules, seats, holds and payments are 403 QUEUE.WRONG_QUEUE", async () => {
    const site = await admittedToken('line-fan');
    const [first, second] = (await call('GET', '/concerts', { token: site })).body as [{ concertId: string }, { concertId: string }];
    const scheduleOf = async (token: string, concertId: string) => ((await call('GET', `/concerts/${concertId}/schedules`, { token })).body as [{ scheduleId: string }])[0].scheduleId;

    const joined = await call('POST', '/queue/tokens', { body: { userId: 'line-fan', concertId: first.concertId } });
    expect(joined.status).toBe(201);
    const token = (joined.body as { token: string }).token;
    expect(token.startsWith(`${first.concertId}.`)).toBe(true);
    expect(token).not.toBe(site);
    // One place per user per line.
    expect((await call('POST', '/queue/tokens', { body: { userId: 'line-fan', concertId: first.concertId } })).body).toMatchObject({ token });
    await admittedToken('line-fan', first.concertId);

    const otherSchedule = await scheduleOf(site, second.concertId);
    expect(errorCode(await call('GET', `/concerts/${second.concertId}/schedules`, { token }))).toEqual({ status: 403, code: 'QUEUE.WRONG_QUEUE' });
    expect(errorCode(await call('GET', `/schedules/${otherSchedule}/seats`, { token }))).toEqual({ status: 403, code: 'QUEUE.WRONG_QUEUE' });
    expect(errorCode(await call('POST', '/reservations', { token, body: { scheduleId: otherSchedule, seatNo: 3 } }))).toEqual({ status: 403, code: 'QUEUE.WRONG_QUEUE' });

    const ownSchedule = await scheduleOf(token, first.concertId);
    const held = await call('POST', '/reservations', { token, body: { scheduleId: ownSchedule, seatNo: 3 } });
    expect(held.status).toBe(201);
    expect((await call('GET', `/reservations/${(held.body as { reservationId: string }).reservationId}`, { token })).status).toBe(200);

    // A seat of the second concert held through its own line cannot be paid with the first concert's token.
    const secondToken = await admittedToken('line-fan', second.concertId);
    const otherHold = await call('POST', '/reservations', { token: secondToken, body: { scheduleId: otherSchedule, seatNo: 3 } });
    expect(otherHold.status).toBe(201);
    const otherReservation = (otherHold.body as { reservationId: string; price: number });
    await call('POST', '/balance/charge', { token, body: { amount: otherReservation.price } });
    expect(errorCode(await call('POST', '/payments', { token, body: { reservationId: otherReservation.reservationId } }))).toEqual({ status: 403, code: 'QUEUE.WRONG_QUEUE' });
    expect((await call('GET', '/balance', { token })).body).toEqual({ balance: otherReservation.price });
    expect((await call('POST', '/payments', { token: secondToken, body: { reservationId: otherReservation.reservationId } })).status).toBe(201);
  }, 120_000);

  it("when the stats are asked for, then each concert's line has its own figures and the totals list every line; an unknown concert is 404", async () => {
    const site = await admittedToken('line-counter');
    const [concert] = (await call('GET', '/concerts', { token: site })).body as [{ concertId: string }];
    await call('POST', '/queue/tokens', { body: { userId: 'line-counter', concertId: concert.concertId } });

    const line = await call('GET', `/queue/stats?concertId=${concert.concertId}`);
    expect(line.status).toBe(200);
    expect(line.body).toMatchObject({ concertId: concert.concertId, maxActive: 10 });
    const totals = (await call('GET', '/queue/stats')).body as { waiting: number; active: number; queues: { concertId: string | null; waiting: number; active: number }[] };
    expect(totals.queues.map((queue) => queue.concertId)).toEqual(expect.arrayContaining([null, concert.concertId]));
    expect(totals.active).toBe(totals.queues.reduce((sum, queue) => sum + queue.active, 0));

    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(errorCode(await call('POST', '/queue/tokens', { body: { userId: 'line-counter', concertId: unknown } }))).toEqual({ status: 404, code: 'BOOKING.CONCERT_NOT_FOUND' });
    expect(errorCode(await call('GET', `/queue/stats?concertId=${unknown}`))).toEqual({ status: 404, code: 'BOOKING.CONCERT_NOT_FOUND' });
    expect((await call('POST', '/queue/tokens', { body: { userId: 'line-counter', concertId: 'not-a-uuid' } })).status).toBe(400);
  }, 120_000);
});

describe('a concert with an on-sale time', () => {
  it('when fans join before the opening, then they are told PRE_QUEUE and when it opens (JSON and event stream), cannot reach booking yet, and get a place in line at the opening', async () => {
    const { concertId, opensAt } = await concertOnSaleIn(platform, 'Pre-Queue Night', 6);
    // The gateway reads booking's list again on an unknown concert (booking caches it for a second).
    const joined = await waitFor('the concert listed', async () => {
      const answer = await call('POST', '/queue/tokens', { body: { userId: 'early-fan', concertId } });
      return answer.status === 201 ? answer : undefined;
    }, 15_000, 250);
    const token = (joined.body as { token: string }).token;
    expect(joined.body).toMatchObject({ status: 'PRE_QUEUE', position: 0, opensAt: new Date(opensAt).toISOString() });
    expect((joined.body as { estimatedWaitSeconds: number }).estimatedWaitSeconds).toBeGreaterThan(0);
    expect((await call('GET', '/queue/tokens/me', { token })).body).toMatchObject({ status: 'PRE_QUEUE', position: 0, expiresAt: null });
    // The event stream says so once and ends, with a retry that brings an EventSource back at the opening.
    const stream = await (await fetch(`${platform.gatewayUrl}/queue/tokens/me/events`, { headers: { 'X-Queue-Token': token } })).text();
    expect(stream).toContain('event: prequeue');
    const retries = [...stream.matchAll(/retry: (\d+)/g)].map((match) => Number(match[1]));
    expect(retries).toHaveLength(2);
    expect(retries[1]).toBeGreaterThan(0);
    expect(await call('GET', `/concerts/${concertId}/schedules`, { token })).toMatchObject({ status: 403, body: { code: 'QUEUE.TOKEN_NOT_ACTIVE' } });
    expect((await call('GET', `/queue/stats?concertId=${concertId}`)).body).toMatchObject({ preQueue: 1, waiting: 0 });
    // Leaving the pre-queue is leaving.
    const leaver = (await call('POST', '/queue/tokens', { body: { userId: 'early-leaver', concertId } })).body as { token: string };
    expect((await call('DELETE', '/queue/tokens/me', { token: leaver.token })).status).toBe(204);
    expect((await call('GET', '/queue/tokens/me', { token: leaver.token })).status).toBe(401);

    // At the opening the pre-queue joins the line (and is admitted: the line is empty).
    await waitFor('the line opened', async () => ((await call('GET', '/queue/tokens/me', { token })).body as { status: string }).status !== 'PRE_QUEUE' || undefined, 30_000, 250);
    expect(Date.now()).toBeGreaterThanOrEqual(opensAt);
    const late = await call('POST', '/queue/tokens', { body: { userId: 'late-fan', concertId } });
    expect((late.body as { status: string }).status).not.toBe('PRE_QUEUE');
    expect((await call('GET', `/queue/stats?concertId=${concertId}`)).body).toMatchObject({ preQueue: 0 });
  }, 60_000);
});

describe('a payment asked for again after the token ended', () => {
  it('when the same Idempotency-Key is sent after paying expired the token, then the first answer comes back, charged once; a new key is refused', async () => {
    const token = await admittedToken('replaying-buyer');
    const [concert] = (await call('GET', '/concerts', { token })).body as [{ concertId: string }];
    const [schedule] = (await call('GET', `/concerts/${concert.concertId}/schedules`, { token })).body as [{ scheduleId: string }];
    const seats = (await call('GET', `/schedules/${schedule.scheduleId}/seats?status=AVAILABLE`, { token })).body as [{ seatNo: number; price: number }, { seatNo: number; price: number }];
    const [first, second] = (await Promise.all(seats.slice(0, 2).map((seat) => call('POST', '/reservations', { token, body: { scheduleId: schedule.scheduleId, seatNo: seat.seatNo } })))) as [Answer, Answer];
    const price = seats[0].price + seats[1].price;
    await call('POST', '/balance/charge', { token, body: { amount: price } });
    const { reservationId } = first.body as { reservationId: string };
    const paid = await call('POST', '/payments', { token, body: { reservationId }, headers: { 'Idempotency-Key': 'replay-after-expiry' } });
    expect(paid.status).toBe(201);

    await waitFor('the token to end', async () => (await call('GET', '/queue/tokens/me', { token })).status === 401 || undefined, 30_000, 100);
    const again = await call('POST', '/payments', { token, body: { reservationId }, headers: { 'Idempotency-Key': 'replay-after-expiry' } });
    expect({ status: again.status, body: again.body }).toEqual({ status: 201, body: paid.body });

    // An ended token buys nothing new: the other held seat cannot be paid with a fresh key.
    const other = (second.body as { reservationId: string }).reservationId;
    const refused = await call('POST', '/payments', { token, body: { reservationId: other }, headers: { 'Idempotency-Key': 'a-new-key' } });
    expect({ status: refused.status, code: (refused.body as { code: string }).code }).toEqual({ status: 401, code: 'QUEUE.TOKEN_INVALID' });
    expect((await call('POST', '/payments', { token, body: { reservationId: other } })).status).toBe(401);

    const balance = await admittedToken('replaying-buyer').then((fresh) => call('GET', '/balance', { token: fresh }));
    expect(balance.body).toEqual({ balance: price - seats[0].price });
  }, 120_000);
});

describe('the Grafana dashboard and the Prometheus scrape config (docker compose --profile observability)', () => {
  it('when their queries are read, then every metric they name is one a running service exports, and every service is scraped', async () => {
    const infra = join(__dirname, '../infra');
    const dashboard = JSON.parse(readFileSync(join(infra, 'grafana/dashboards/ticketing.json'), 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
    const exported = new Set<string>();
    for (const [service, process] of Object.entries(platform.processes)) {
      const text = await (await fetch(`${process.url}/metrics`, { headers: service === 'gateway' ? AS_OPERATOR : {} })).text();
      for (const [, name] of text.matchAll(/^# TYPE (\S+) /gm)) exported.add(name!);
    }
    // A `by (…)` clause names labels, not metrics.
    const named = dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => [...target.expr.replace(/\bby \([^)]*\)/g, '').matchAll(/([a-z_]+)(?=\{|\[|\))/g)].map((match) => match[1]!)));
    const metrics = [...new Set(named)].filter((name) => !['sum', 'rate', 'max', 'clamp_min', 'histogram_quantile'].includes(name));
    expect(metrics.length).toBeGreaterThanOrEqual(8);
    expect(metrics.filter((name) => !exported.has(name) && !exported.has(name.replace(/_(bucket|count)$/, '')))).toEqual([]);
    // The same panels as /ops.
    expect(dashboard.panels.map((panel) => panel.title)).toEqual(OPS_PANELS);

    const prometheus = parse(readFileSync(join(infra, 'prometheus/prometheus.yml'), 'utf8')) as { scrape_configs: { job_name: string; authorization?: { credentials_file: string } }[] };
    expect(prometheus.scrape_configs.map((job) => job.job_name).sort()).toEqual(['booking', 'dataplatform-sink', 'payment', 'queue-gateway']);
    expect(prometheus.scrape_configs.find((job) => job.job_name === 'queue-gateway')?.authorization?.credentials_file).toBe('/run/secrets/ticketing/ops_token');
  });
});
