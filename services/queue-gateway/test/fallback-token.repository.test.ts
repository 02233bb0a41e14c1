import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FallbackTokenRepository } from '../src/data-access/fallback/fallback-token.repository';
import type { TokenChange } from '../src/domain/token-change';
import { createFallbackDb, type FallbackDb } from './support/fallback-db';

const newToken = () => randomBytes(32).toString('base64url');
const T0 = Date.UTC(2026, 0, 1, 10, 0, 0, 123);

describe('FallbackTokenRepository', () => {
  let db: FallbackDb;
  let repository: FallbackTokenRepository;

  beforeAll(async () => {
    db = await createFallbackDb('repo');
    repository = new FallbackTokenRepository(db.prisma);
  });

  afterAll(() => db.drop());

  const waiting = (token: string, userId: string, at: number): TokenChange => ({ token, userId, status: 'WAITING', issuedAt: at, at });
  const active = (token: string, userId: string, issuedAt: number, at: number): TokenChange => ({
    token, userId, status: 'ACTIVE', issuedAt, activatedAt: at, expiresAt: at + 300_000, at,
  });

  describe('upsertChanges', () => {
    it('when a batch holds several changes of one token, then the row ends in the latest one with exact millisecond times', async () => {
      const token = newToken();

      await repository.upsertChanges([waiting(token, 'u-batch', T0), active(token, 'u-batch', T0, T0 + 1_500)]);

      expect(await repository.findByToken(token)).toEqual({
        token, userId: 'u-batch', status: 'ACTIVE', issuedAt: T0, activatedAt: T0 + 1_500, expiresAt: T0 + 301_500, updatedAt: T0 + 1_500,
      });
    });

    it('when an older change arrives after a newer one, then it does not overwrite the row', async () => {
      const token = newToken();
      await repository.upsertChanges([active(token, 'u-late', T0, T0 + 1_000)]);
      await repository.upsertChanges([{ token, userId: 'u-late', status: 'EXPIRED', at: T0 + 2_000 }]);

      const written = await repository.upsertChanges([active(token, 'u-late', T0, T0 + 1_000), waiting(token, 'u-late', T0)]);

      expect(written).toBe(0);
      expect(await repository.findByToken(token)).toMatchObject({ status: 'EXPIRED', updatedAt: T0 + 2_000, activatedAt: T0 + 1_000, issuedAt: T0 });
    });

    it('when two changes share a millisecond, then the further lifecycle step wins whichever is applied last', async () => {
      const first = newToken();
      const second = newToken();

      await repository.upsertChanges([active(first, 'u-tie-1', T0, T0)]);
      await repository.upsertChanges([waiting(first, 'u-tie-1', T0)]);
      await repository.upsertChanges([waiting(second, 'u-tie-2', T0)]);
      await repository.upsertChanges([active(second, 'u-tie-2', T0, T0)]);

      expect((await repository.findByToken(first))?.status).toBe('ACTIVE');
      expect((await repository.findByToken(second))?.status).toBe('ACTIVE');
    });

    it('when an EXPIRED change knows neither the user nor the times, then the row keeps them', async () => {
      const token = newToken();
      await repository.upsertChanges([active(token, 'u-lapsed', T0, T0 + 10)]);

      await repository.upsertChanges([{ token, userId: '', status: 'EXPIRED', at: T0 + 20 }]);

      expect(await repository.findByToken(token)).toEqual({
        token, userId: 'u-lapsed', status: 'EXPIRED', issuedAt: T0, activatedAt: T0 + 10, expiresAt: T0 + 300_010, updatedAt: T0 + 20,
      });
    });

    it('when 1,000 changes of distinct tokens arrive in one batch, then all 1,000 rows are written', async () => {
      const changes = Array.from({ length: 1_000 }, (_, i) => waiting(newToken(), `u-bulk-${i}`, T0 + i));

      const written = await repository.upsertChanges(changes);

      expect(written).toBe(1_000);
      const rows = await db.prisma.queueToken.count({ where: { userId: { startsWith: 'u-bulk-' } } });
      expect(rows).toBe(1_000);
    });

    it('when more changes arrive than one statement writes (a backlog of many-change stream entries), then every row is written, and the latest change of each token wins', async () => {
      const tokens = Array.from({ length: 2_500 }, () => newToken());
      const changes = [
        ...tokens.map((token, i) => waiting(token, `u-backlog-${i}`, T0 + i)),
        ...tokens.map((token, i) => active(token, `u-backlog-${i}`, T0 + i, T0 + 10_000 + i)),
      ];

      const written = await repository.upsertChanges(changes);

      expect(written).toBe(2_500);
      expect(await db.prisma.queueToken.count({ where: { userId: { startsWith: 'u-backlog-' }, status: 'ACTIVE' } })).toBe(2_500);
    });
  });

  describe('findByToken', () => {
    it('when the token was never copied, then undefined', async () => {
      expect(await repository.findByToken(newToken())).toBeUndefined();
    });
  });

  describe('expireUser', () => {
    it('when the user paid, then their tokens issued before the payment expire and a newer one is left alone', async () => {
      const paidWith = newToken();
      const queuedAgain = newToken();
      await repository.upsertChanges([active(paidWith, 'u-paid', T0, T0 + 100), waiting(queuedAgain, 'u-paid', T0 + 5_000)]);

      const changed = await repository.expireUser('u-paid', { issuedAtOrBefore: T0 + 1_000, at: T0 + 6_000 });
      const again = await repository.expireUser('u-paid', { issuedAtOrBefore: T0 + 1_000, at: T0 + 7_000 });

      expect(changed).toBe(1);
      expect(again).toBe(0);
      expect(await repository.findByToken(paidWith)).toMatchObject({ status: 'EXPIRED', updatedAt: T0 + 6_000 });
      expect(await repository.findByToken(queuedAgain)).toMatchObject({ status: 'WAITING' });
    });

    it("when the user paid for a concert, then their site-wide token and that concert's line token expire, another concert's is kept", async () => {
      const [paidFor, other] = [randomUUID(), randomUUID()];
      const tokens = { site: newToken(), paidFor: `${paidFor}.${newToken()}`, other: `${other}.${newToken()}` };
      await repository.upsertChanges(Object.values(tokens).map((token) => active(token, 'u-lines', T0, T0 + 100)));

      expect(await repository.expireUser('u-lines', { issuedAtOrBefore: T0 + 1_000, at: T0 + 2_000, concertId: paidFor })).toBe(2);

      expect(await repository.findByToken(tokens.site)).toMatchObject({ status: 'EXPIRED' });
      expect(await repository.findByToken(tokens.paidFor)).toMatchObject({ status: 'EXPIRED' });
      expect(await repository.findByToken(tokens.other)).toMatchObject({ status: 'ACTIVE' });
    });
  });

  describe('waitingPosition', () => {
    it('when others were issued earlier and are still waiting, then the position counts them', async () => {
      const base = T0 + 10_000_000;
      const tokens = [newToken(), newToken(), newToken()];
      await repository.upsertChanges(tokens.map((token, i) => waiting(token, `u-pos-${i}`, base + i)));
      const before = await repository.waitingPosition({ issuedAt: base });

      expect(await repository.waitingPosition({ issuedAt: base + 2 })).toBe(before + 2);
    });
  });
});
