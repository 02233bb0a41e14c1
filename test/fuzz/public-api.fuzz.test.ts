import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { waitFor } from '@ticketing/devstack/testing';
import { PLATFORM_SETUP_TIMEOUT_MS, startPlatform, type Platform } from '../support/platform';
import { endpointArbitraries, type FuzzFixture } from './support/endpoint.arbitraries';
import { FuzzClient, problemWith } from './support/fuzz-client';
import { buildFuzzFixture } from './support/fuzz-fixture';
import { describeRequest, ENDPOINTS, type Endpoint, type FuzzRequest } from './support/fuzz-request';
import { capturePlatformState, type PlatformState } from './support/platform-state';
import { RAW_CASES } from './support/raw-requests';

/** One active slot: B holds it, so W waits and every token state (active, waiting, expired) exists. */
const MAX_ACTIVE = 1;
const SEATS_PER_SCHEDULE = 20;
/** Requests in flight at once (and keep-alive connections): a small, steady load a 2-core machine carries. */
const CONCURRENCY = 8;
/** fast-check runs per endpoint; each run sends CONCURRENCY requests at once. `FUZZ_RUNS=<n>` for a deeper local run. */
const RUNS_PER_ENDPOINT = Number(process.env.FUZZ_RUNS ?? 50);
const MIN_REQUESTS = 5_000;
/**
 * `FUZZ_SEED=<seed>` replays a failing run (fast-check prints the seed and path of a counterexample);
 * `FUZZ_REPORT=<file>` writes the requests sent and the answer codes per endpoint to a JSON file.
 */
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

/** Codes only booking or payment answer: the bad input got past the gateway's door to a service's validation or rules. */
const UPSTREAM_CODE = /^(VALIDATION\.INVALID_(BODY|PARAMS|QUERY|HEADER)|BOOKING\.|PAYMENT\.)/;
const ROUTES_WITH_INPUT: Endpoint[] = [
  'GET /concerts/:concertId/schedules', 'GET /schedules/:scheduleId/seats', 'GET /schedules/:scheduleId/seats?status=',
  'POST /reservations', 'GET /reservations/:reservationId', 'POST /balance/charge', 'POST /payments',
];

/**
 * MISSION.md invariant 5 — bad input never changes state and never yields a 5xx — checked by
 * property-based fuzzing of every public endpoint of API.md through the gateway, against the four real
 * service processes. Requests are generated from the contracts' schemas (whatever a schema would accept
 * is filtered out), with an ACTIVE queue token so the input reaches booking's and payment's validation.
 */
describe('the public API under malformed input', () => {
  let platform: Platform;
  let fixture: FuzzFixture & { keepWaiting: () => Promise<void> };
  let client: FuzzClient;
  let before: PlatformState;
  let poller: NodeJS.Timeout | undefined;
  const pollerErrors: string[] = [];

  const settled = async (): Promise<PlatformState> =>
    waitFor('the fixture to settle (event stored, tokens copied, audit clean)', async () => {
      const first = await capturePlatformState(platform, { maxActive: MAX_ACTIVE, activeToken: fixture.tokens.active });
      const ready = first.audit.events?.figures.storedEvents === 1 && first.audit.events.figures.unpublished === 0 && first.gatewayTokens.rows === 3;
      if (!ready) return undefined;
      await sleep(300);
      const second = await capturePlatformState(platform, { maxActive: MAX_ACTIVE, activeToken: fixture.tokens.active });
      return JSON.stringify(first) === JSON.stringify(second) ? second : undefined;
    }, 60_000, 500);

  const phases: Record<string, number> = {};
  const startedAt = Date.now();

  beforeAll(async () => {
    // The fuzz sends thousands of holds and payments as one user to reach booking's and payment's validation:
    // the gateway's per-user action limits (which would answer 429 after ten) are off here.
    platform = await startPlatform({
      seatsPerSchedule: SEATS_PER_SCHEDULE,
      maxActive: MAX_ACTIVE,
      env: { gateway: { RATE_LIMIT_HOLDS_PER_USER: '0', RATE_LIMIT_PAYMENTS_PER_USER: '0' } },
    });
    phases.platformStarted = Date.now() - startedAt;
    fixture = await buildFuzzFixture(platform.gatewayUrl, randomUUID().slice(0, 8), SEATS_PER_SCHEDULE);
    phases.fixtureBuilt = Date.now() - startedAt;
    poller = setInterval(() => void fixture.keepWaiting().catch((error: Error) => pollerErrors.push(error.message)), 5_000);
    before = await settled();
    phases.settled = Date.now() - startedAt;
    client = new FuzzClient(platform.gatewayUrl, CONCURRENCY);
  }, PLATFORM_SETUP_TIMEOUT_MS);

  afterAll(async () => {
    clearInterval(poller);
    await client?.close();
    await platform?.stop();
  }, 60_000);

  const check = async (requests: FuzzRequest[]) => {
    const answers = await Promise.all(requests.map((r) => client.send(r)));
    const problems = answers.flatMap((answer, i) => {
      const expected = requests[i]!.statuses;
      const problem = problemWith(answer) ?? (expected && !expected.includes(answer.status) ? `status ${answer.status}, expected ${expected.join(' or ')}` : undefined);
      return problem ? [`${problem}: ${describeRequest(requests[i]!)} → ${answer.status} ${answer.text.slice(0, 300)}`] : [];
    });
    if (problems.length > 0) throw new Error(problems.join('\n'));
  };

  describe.each(ENDPOINTS)('%s', (endpoint) => {
    it(`when sent ${RUNS_PER_ENDPOINT * CONCURRENCY} malformed requests (${CONCURRENCY} at a time), then every answer is a 4xx { code, message, correlationId }`, async () => {
      const requests = endpointArbitraries(fixture)[endpoint];

      await fc.assert(
        fc.asyncProperty(fc.array(requests, { minLength: CONCURRENCY, maxLength: CONCURRENCY }), check),
        { numRuns: RUNS_PER_ENDPOINT, ...(seed === undefined ? {} : { seed }) },
      );

      expect(client.sent.get(endpoint)).toBeGreaterThanOrEqual(RUNS_PER_ENDPOINT * CONCURRENCY);
    }, 180_000);
  });

  describe('raw HTTP', () => {
    it.each(RAW_CASES.map((c) => [c.name, c] as const))('when sent %s, then the answer is a 4xx { code, message, correlationId }', async (_name, rawCase) => {
      const answer = await client.sendRaw(rawCase.bytes);

      expect({ problem: problemWith(answer), status: answer.status, text: answer.text.slice(0, 200) }).toEqual({ problem: undefined, status: rawCase.status, text: expect.any(String) });
    });
  });

  it(`when the fuzzing is over, then at least ${MIN_REQUESTS} requests were sent, bad input reached booking and payment, and nothing changed: audit figures, every row, the line, the balance`, async () => {
    const after = await capturePlatformState(platform, { maxActive: MAX_ACTIVE, activeToken: fixture.tokens.active });
    const reachedUpstream = Object.fromEntries(ROUTES_WITH_INPUT.map((endpoint) => {
      const codes = [...(client.codes.get(endpoint) ?? new Map<string, number>())];
      const upstream = codes.filter(([code]) => UPSTREAM_CODE.test(code.split(' ')[1] ?? '')).reduce((sum, [, n]) => sum + n, 0);
      return [endpoint, upstream / (client.sent.get(endpoint) ?? 1) >= 0.25];
    }));

    if (process.env.FUZZ_REPORT) writeFileSync(process.env.FUZZ_REPORT, JSON.stringify({ phases: { ...phases, fuzzed: Date.now() - startedAt }, total: client.total, sent: Object.fromEntries(client.sent), codes: Object.fromEntries([...client.codes].map(([e, c]) => [e, Object.fromEntries(c)])) }, null, 2));

    expect(after).toEqual(before);
    expect(Object.values(before.audit).map((check) => check.ok)).toEqual([true, true, true, true]);
    expect(client.total).toBeGreaterThanOrEqual(MIN_REQUESTS);
    expect(reachedUpstream).toEqual(Object.fromEntries(ROUTES_WITH_INPUT.map((e) => [e, true])));
    expect(pollerErrors).toEqual([]);
  });
});
