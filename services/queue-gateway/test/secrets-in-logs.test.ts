import { beforeAll, describe, expect, it } from '@jest/globals';
import { IssueTokenResponse } from '@ticketing/contracts';
import { createJwtVerifier } from '../src/data-access/jwt.verifier';
import { jwtIdentity } from '../src/entry-points/http/caller-identity';
import { INTERNAL_TOKEN } from './support/gateway-fixture';
import { bearer, doorRig, JWT_SECRET, send, signJwt, type Door } from './support/identity-kit';
import { capturingLogger } from './support/queue-test-kit';

/*
 * The gateway at LOG_LEVEL=debug (access log on) serving calls that carry every kind of credential:
 * no log line may contain any of them.
 */

const rig = doorRig();
const { logger, lines } = capturingLogger('debug');
let door: Door;

beforeAll(async () => {
  ({ door } = await rig.open({ identify: jwtIdentity(createJwtVerifier({ secret: JWT_SECRET })), logger }));
});

describe('gateway logs', () => {
  it('when calls carry a JWT, a queue token and internal credentials, then no log line contains any of them', async () => {
    const jwt = await signJwt('log-user');
    const forgedJwt = await signJwt('log-user', { secret: 'not-the-gateway-secret-0123456789abcdef' });
    const forgedInternal = 'client-forged-internal-token-42';
    const issued = await send(door, 'POST', '/queue/tokens', { headers: bearer(jwt), body: { userId: 'log-user' } });
    const queueToken = IssueTokenResponse.parse(issued.body).token;
    const now = Date.now();
    await door.store.admit({ maxActive: 100, activeTtlMs: 60_000, abandonBefore: now - 600_000, now });

    const answers = await Promise.all([
      send(door, 'POST', '/queue/tokens', { headers: bearer(forgedJwt) }),
      send(door, 'POST', '/queue/tokens', { headers: { ...bearer(jwt), 'x-internal-token': forgedInternal }, body: { userId: 'someone-else' } }),
      send(door, 'GET', '/queue/tokens/me', { headers: { 'x-queue-token': queueToken, ...bearer(jwt) } }),
      send(door, 'GET', '/balance', { headers: { 'x-queue-token': queueToken, 'x-internal-token': forgedInternal, 'x-user-id': 'someone-else', cookie: `session=${queueToken}` } }),
      send(door, 'GET', '/balance', { headers: { 'x-queue-token': `${queueToken.slice(0, -1)}x` } }),
    ]);
    await new Promise((resolve) => setImmediate(resolve));

    expect(answers.map((a) => a.status)).toEqual([401, 403, 200, 201, 401]);
    expect(rig.upstream.received.at(-1)?.headers['x-internal-token']).toBe(INTERNAL_TOKEN);
    const log = lines.join('\n');
    // The access log is on, and the rejections were logged: the check below is not vacuous.
    expect(log).toContain('"url":"/queue/tokens/me"');
    expect(log).toContain('AUTH.TOKEN_INVALID');
    for (const secret of [jwt, forgedJwt, jwt.split('.')[2]!, queueToken, queueToken.slice(0, -1), forgedInternal, INTERNAL_TOKEN, JWT_SECRET]) {
      expect(log).not.toContain(secret);
    }
  });
});
