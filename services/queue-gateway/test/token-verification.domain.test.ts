import { describe, expect, it } from '@jest/globals';
import { viewFromFallback, type FallbackTokenRecord } from '../src/domain/fallback-token';
import { parseTokenChange, parseTokenChanges, supersedes, type TokenChange } from '../src/domain/token-change';

const NOW = 1_800_000_000_000;
const row = (overrides: Partial<FallbackTokenRecord>): FallbackTokenRecord => ({
  token: 't', userId: 'u', status: 'ACTIVE', issuedAt: NOW - 60_000, activatedAt: NOW - 30_000, expiresAt: NOW + 1, updatedAt: NOW - 30_000, ...overrides,
});

describe('viewFromFallback', () => {
  it('when the row is ACTIVE and its slot still runs, then the token is active for its user', () => {
    expect(viewFromFallback(row({}), NOW)).toMatchObject({ token: 't', userId: 'u', status: 'ACTIVE', position: 0, expiresAt: NOW + 1 });
  });

  it.each([
    ['its slot ended exactly now', row({ expiresAt: NOW })],
    ['its slot ended before', row({ expiresAt: NOW - 1 })],
    ['it has no expiry', row({ expiresAt: undefined })],
    ['it is EXPIRED', row({ status: 'EXPIRED' })],
    ['its user is unknown', row({ userId: '' })],
    ['there is no row', undefined],
  ])('when %s, then it is not a live token', (_label, record) => {
    expect(viewFromFallback(record, NOW)).toBeUndefined();
  });

  it('when the row is WAITING, then it stays waiting with the given position', () => {
    expect(viewFromFallback(row({ status: 'WAITING', expiresAt: undefined }), NOW, 42)).toMatchObject({ status: 'WAITING', position: 42 });
  });
});

describe('parseTokenChange', () => {
  it('when the entry is complete, then every field is read, and empty times are absent', () => {
    const fields = ['token', 'abc', 'userId', 'u1', 'status', 'ACTIVE', 'issuedAt', '100', 'activatedAt', '200', 'expiresAt', '', 'at', '200'];

    expect(parseTokenChange(fields)).toEqual({ token: 'abc', userId: 'u1', status: 'ACTIVE', issuedAt: 100, activatedAt: 200, expiresAt: undefined, at: 200 });
  });

  it.each([
    ['no token', ['status', 'ACTIVE', 'at', '1']],
    ['an unknown status', ['token', 'a', 'status', 'GONE', 'at', '1']],
    ['no time', ['token', 'a', 'status', 'ACTIVE']],
    ['a time beyond what Postgres stores', ['token', 'a', 'status', 'ACTIVE', 'at', '9999999999999999']],
  ])('when the entry has %s, then it is not a change', (_label, fields) => {
    expect(parseTokenChange(fields)).toBeUndefined();
  });
});

describe('parseTokenChanges', () => {
  it('when an entry holds a script run\'s changes, then each seven values are one change, in order, and empty times are absent', () => {
    const fields = ['changes', ['a u1 WAITING 100   100', 'b u2 GONE 100   100', 'c  EXPIRED    101'].join(' ')];

    expect(parseTokenChanges(fields)).toEqual([
      { token: 'a', userId: 'u1', status: 'WAITING', issuedAt: 100, activatedAt: undefined, expiresAt: undefined, at: 100 },
      undefined,
      { token: 'c', userId: '', status: 'EXPIRED', issuedAt: undefined, activatedAt: undefined, expiresAt: undefined, at: 101 },
    ]);
  });

  it('when the values do not come in sevens, then the incomplete rest is not a change', () => {
    expect(parseTokenChanges(['changes', 'a u1 WAITING 100   100 b u2'])).toEqual([expect.objectContaining({ token: 'a' }), undefined]);
  });

  it('when an entry is one change as named fields (written by an older gateway), then it is read as that change', () => {
    const fields = ['token', 'abc', 'userId', 'u1', 'status', 'ACTIVE', 'issuedAt', '100', 'activatedAt', '200', 'expiresAt', '300', 'at', '200'];

    expect(parseTokenChanges(fields)).toEqual([{ token: 'abc', userId: 'u1', status: 'ACTIVE', issuedAt: 100, activatedAt: 200, expiresAt: 300, at: 200 }]);
  });
});

describe('supersedes', () => {
  const change = (status: TokenChange['status'], at: number): TokenChange => ({ token: 't', userId: 'u', status, at });

  it('when times differ, then the later change wins whatever its status', () => {
    expect(supersedes(change('WAITING', 2), change('EXPIRED', 1))).toBe(true);
    expect(supersedes(change('EXPIRED', 1), change('WAITING', 2))).toBe(false);
  });

  it('when times are equal, then the further lifecycle step wins', () => {
    expect(supersedes(change('ACTIVE', 1), change('WAITING', 1))).toBe(true);
    expect(supersedes(change('WAITING', 1), change('ACTIVE', 1))).toBe(false);
  });
});
