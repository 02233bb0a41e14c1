import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorBody, IssueTokenResponse } from '@ticketing/contracts';
import { freePort } from '@ticketing/devstack/testing';
import { createJwtVerifier } from '../src/data-access/jwt.verifier';
import { jwtIdentity } from '../src/entry-points/http/caller-identity';
import { INTERNAL_TOKEN } from './support/gateway-fixture';
import { bearer, doorRig, JWT_SECRET, send, signJwt, type Door } from './support/identity-kit';

/*
 * AUTH_MODE=jwt: POST /queue/tokens takes the user from a verified JWT, and the queue token it hands
 * out is the only identity protected routes ever forward. Real Redis, real HTTP, jose-signed tokens.
 */

const ISSUER = 'https://id.example.test/';
const AUDIENCE = 'ticketing-gateway';
const rig = doorRig();
let door: Door;
let prefix: string;

beforeAll(async () => {
  const verify = createJwtVerifier({ secret: JWT_SECRET, issuer: ISSUER, audience: AUDIENCE });
  ({ door, prefix } = await rig.open({ identify: jwtIdentity(verify) }));
});

const valid = (sub: string | undefined) => signJwt(sub, { issuer: ISSUER, audience: AUDIENCE });
const issue = (headers: Record<string, string>, body?: unknown) => send(door, 'POST', '/queue/tokens', { headers, body });
const waitingTokens = () => rig.redis.zcard(`${prefix}waiting`);

describe('POST /queue/tokens with AUTH_MODE=jwt', () => {
  it('when the JWT is valid and there is no body, then 201 and the token belongs to the subject', async () => {
    const answer = await issue(bearer(await valid('jwt-alice')));

    expect(answer.status).toBe(201);
    const { token } = IssueTokenResponse.parse(answer.body);
    expect(await rig.redis.get(`${prefix}u:jwt-alice`)).toBe(token);
    expect((await door.store.lookup(token, Date.now(), { touch: false }))?.userId).toBe('jwt-alice');
  });

  it('when the body names the subject itself, then 201 as API.md clients expect', async () => {
    const answer = await issue(bearer(await valid('jwt-bob')), { userId: 'jwt-bob' });

    expect(answer.status).toBe(201);
    expect(await rig.redis.get(`${prefix}u:jwt-bob`)).toBe(IssueTokenResponse.parse(answer.body).token);
  });

  it("when the body names another user, then 403 AUTH.USER_MISMATCH and neither user gets a place", async () => {
    const before = await waitingTokens();

    const answer = await issue(bearer(await valid('jwt-carol')), { userId: 'jwt-dave' });

    expect(answer.status).toBe(403);
    expect(ErrorBody.parse(answer.body).code).toBe('AUTH.USER_MISMATCH');
    expect(await rig.redis.exists(`${prefix}u:jwt-carol`, `${prefix}u:jwt-dave`)).toBe(0);
    expect(await waitingTokens()).toBe(before);
  });

  it.each<[string, () => Promise<Record<string, string>>]>([
    ['no Authorization header', async () => ({})],
    ['another scheme', async () => ({ authorization: `Basic ${Buffer.from('mallory:pw').toString('base64')}` })],
    ['a garbage bearer token', async () => bearer('not.a.jwt')],
    ['an expired JWT', async () => bearer(await signJwt('mallory', { issuer: ISSUER, audience: AUDIENCE, expiresAt: Math.floor(Date.now() / 1000) - 60 }))],
    ['a JWT signed with another secret', async () => bearer(await signJwt('mallory', { issuer: ISSUER, audience: AUDIENCE, secret: 'some-other-secret-0123456789abcdef-xyz' }))],
    ['a JWT from another issuer', async () => bearer(await signJwt('mallory', { issuer: 'https://evil.example.test/', audience: AUDIENCE }))],
    ['a JWT for another audience', async () => bearer(await signJwt('mallory', { issuer: ISSUER, audience: 'some-other-api' }))],
    ['a JWT without sub', async () => bearer(await valid(undefined))],
    ['a JWT whose sub breaks the userId rule', async () => bearer(await valid('mallory@example.test'))],
    ['a JWT without exp', async () => bearer(await new SignJWT({ sub: 'mallory', iss: ISSUER, aud: AUDIENCE }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(JWT_SECRET)))],
    ['an unsigned JWT (alg none)', async () => bearer(`${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'mallory', iss: ISSUER, aud: AUDIENCE, exp: 9_999_999_999 })).toString('base64url')}.`)],
  ])('when the call carries %s, then 401 AUTH.TOKEN_INVALID with WWW-Authenticate and no place in line', async (_label, headers) => {
    const before = await waitingTokens();

    const answer = await issue(await headers(), { userId: 'mallory' });

    expect(answer.status).toBe(401);
    expect(ErrorBody.parse(answer.body).code).toBe('AUTH.TOKEN_INVALID');
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await rig.redis.exists(`${prefix}u:mallory`)).toBe(0);
    expect(await waitingTokens()).toBe(before);
  });

  it('when the body is malformed, then 400 whatever the JWT, and no place in line', async () => {
    const answer = await issue(bearer(await valid('jwt-erin')), { userId: 'jwt-erin', admin: true });

    expect(answer.status).toBe(400);
    expect(ErrorBody.parse(answer.body).code).toMatch(/^VALIDATION\./);
    expect(await rig.redis.exists(`${prefix}u:jwt-erin`)).toBe(0);
  });

  it('when 200 users join at once, each with their own JWT, then each token belongs to its own subject', async () => {
    const users = Array.from({ length: 200 }, (_, i) => `crowd-${i}`);
    const jwts = await Promise.all(users.map((user) => valid(user)));

    const answers = await Promise.all(jwts.map((jwt) => issue(bearer(jwt))));

    expect(answers.every((a) => a.status === 201)).toBe(true);
    const tokens = answers.map((a) => IssueTokenResponse.parse(a.body).token);
    const owners = await Promise.all(tokens.map(async (token) => (await door.store.lookup(token, Date.now(), { touch: false }))?.userId));
    expect(owners).toEqual(users);
  });
});

describe('queue tokens stay bound to their user', () => {
  it("when alice's queue token is used with bob's JWT, X-User-Id and body, then booking sees alice only", async () => {
    const aliceToken = IssueTokenResponse.parse((await issue(bearer(await valid('bound-alice')))).body).token;
    await issue(bearer(await valid('bound-bob')));
    const now = Date.now();
    await door.store.admit({ maxActive: 1_000, activeTtlMs: 60_000, abandonBefore: now - 600_000, now });
    const before = rig.upstream.received.length;

    const answer = await send(door, 'POST', '/reservations', {
      headers: { 'x-queue-token': aliceToken, 'x-user-id': 'bound-bob', 'x-internal-token': 'forged-credential-0123456789', ...bearer(await valid('bound-bob')) },
      body: { scheduleId: '00000000-0000-4000-8000-000000000001', seatNo: 1 },
    });

    expect(answer.status).toBe(201);
    expect(rig.upstream.received).toHaveLength(before + 1);
    const seen = rig.upstream.received.at(-1)!;
    expect(seen.headers['x-user-id']).toBe('bound-alice');
    expect(seen.headers['x-internal-token']).toBe(INTERNAL_TOKEN);
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers['x-queue-token']).toBeUndefined();
  });

  it('when a JWT but no queue token is presented on a protected route, then 401 QUEUE.TOKEN_INVALID and nothing is forwarded', async () => {
    const before = rig.upstream.received.length;

    const answer = await send(door, 'GET', '/balance', { headers: bearer(await valid('bound-alice')) });

    expect(answer.status).toBe(401);
    expect(ErrorBody.parse(answer.body).code).toBe('QUEUE.TOKEN_INVALID');
    expect(rig.upstream.received).toHaveLength(before);
  });
});

describe('POST /queue/tokens with a JWKS', () => {
  let jwks: Server;
  let jwksDoor: Door;
  let deadDoor: Door;
  let jwksPrefix: string;
  let signer: Awaited<ReturnType<typeof generateKeyPair>>;
  let stranger: Awaited<ReturnType<typeof generateKeyPair>>;

  beforeAll(async () => {
    [signer, stranger] = await Promise.all([generateKeyPair('ES256'), generateKeyPair('ES256')]);
    const jwk = { ...(await exportJWK(signer.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    // The identity provider's key endpoint, as a real HTTP server.
    jwks = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    ({ door: jwksDoor, prefix: jwksPrefix } = await rig.open({ identify: jwtIdentity(createJwtVerifier({ jwksUrl })) }));
    const nowhere = `http://127.0.0.1:${await freePort()}/jwks.json`;
    ({ door: deadDoor } = await rig.open({ prefix: jwksPrefix, identify: jwtIdentity(createJwtVerifier({ jwksUrl: nowhere })) }));
  });

  afterAll(async () => {
    await new Promise((resolve) => jwks.close(resolve));
  });

  const es256 = (sub: string, key: typeof signer.privateKey, alg = 'ES256') => new SignJWT({}).setProtectedHeader({ alg, kid: 'k1' }).setSubject(sub).setExpirationTime('5m').sign(key);

  it("when the JWT is signed by the provider's key, then 201 for its subject", async () => {
    const answer = await send(jwksDoor, 'POST', '/queue/tokens', { headers: bearer(await es256('jwks-frank', signer.privateKey)) });

    expect(answer.status).toBe(201);
    expect(await rig.redis.get(`${jwksPrefix}u:jwks-frank`)).toBe(IssueTokenResponse.parse(answer.body).token);
  });

  it('when the JWT is signed by a key the provider does not publish, then 401 AUTH.TOKEN_INVALID', async () => {
    const answer = await send(jwksDoor, 'POST', '/queue/tokens', { headers: bearer(await es256('jwks-mallory', stranger.privateKey)) });

    expect(answer.status).toBe(401);
    expect(ErrorBody.parse(answer.body).code).toBe('AUTH.TOKEN_INVALID');
    expect(await rig.redis.exists(`${jwksPrefix}u:jwks-mallory`)).toBe(0);
  });

  it('when an HS256 JWT is presented to a JWKS gateway, then 401 (no algorithm confusion)', async () => {
    const answer = await send(jwksDoor, 'POST', '/queue/tokens', { headers: bearer(await signJwt('jwks-mallory')) });

    expect(answer.status).toBe(401);
    expect(await rig.redis.exists(`${jwksPrefix}u:jwks-mallory`)).toBe(0);
  });

  it('when the key endpoint cannot be reached, then 503 COMMON.UNAVAILABLE with Retry-After, not a 401 or a 500', async () => {
    const answer = await send(deadDoor, 'POST', '/queue/tokens', { headers: bearer(await es256('jwks-grace', signer.privateKey)) });

    expect(answer.status).toBe(503);
    expect(ErrorBody.parse(answer.body).code).toBe('COMMON.UNAVAILABLE');
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(await rig.redis.exists(`${jwksPrefix}u:jwks-grace`)).toBe(0);
  });
});

