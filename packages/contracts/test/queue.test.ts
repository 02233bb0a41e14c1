import { AuthenticatedIssueTokenRequest, IssueTokenRequest, IssueTokenResponse, QueueStatsResponse, TokenStatusResponse } from '../src';

describe('IssueTokenRequest', () => {
  it.each([['a'], ['user_1'], ['A-Z_09-x'], ['x'.repeat(64)]])('when userId is %p, then it parses', (userId) => {
    expect(IssueTokenRequest.parse({ userId })).toEqual({ userId });
  });

  it.each([
    ['65 characters', 'x'.repeat(65)],
    ['empty', ''],
    ['a space', 'user 1'],
    ['a dot', 'user.1'],
    ['a non-ASCII letter', 'usér'],
    ['a trailing newline', 'user\n'],
    ['a number', 42],
    ['null', null],
  ])('when userId is %s, then it is rejected', (_label, userId) => {
    expect(IssueTokenRequest.safeParse({ userId }).success).toBe(false);
  });

  it.each([
    ['missing userId', {}],
    ['an extra field', { userId: 'u1', admin: true }],
    ['an array', [{ userId: 'u1' }]],
    ['a string', 'u1'],
  ])('when the body has %s, then it is rejected', (_label, body) => {
    expect(IssueTokenRequest.safeParse(body).success).toBe(false);
  });
});

describe('AuthenticatedIssueTokenRequest', () => {
  it.each([['no userId', {}], ['a valid userId', { userId: 'user_1' }]])('when the body has %s, then it parses', (_label, body) => {
    expect(AuthenticatedIssueTokenRequest.parse(body)).toEqual(body);
  });

  it.each([
    ['a malformed userId', { userId: 'user 1' }],
    ['an extra field', { admin: true }],
    ['a null userId', { userId: null }],
  ])('when the body has %s, then it is rejected', (_label, body) => {
    expect(AuthenticatedIssueTokenRequest.safeParse(body).success).toBe(false);
  });
});

describe('IssueTokenResponse', () => {
  const waiting = { token: 'tok-1', status: 'WAITING', position: 3, estimatedWaitSeconds: 12 };

  it('when a waiting user gets position 3, then it parses', () => {
    expect(IssueTokenResponse.parse(waiting)).toEqual(waiting);
  });

  it('when an active user gets position 0, then it parses', () => {
    expect(IssueTokenResponse.safeParse({ ...waiting, status: 'ACTIVE', position: 0, estimatedWaitSeconds: 0 }).success).toBe(true);
  });

  it.each([
    ['ACTIVE with a position', { ...waiting, status: 'ACTIVE', position: 2 }],
    ['WAITING at position 0', { ...waiting, position: 0 }],
    ['an unknown status', { ...waiting, status: 'EXPIRED' }],
    ['a negative wait', { ...waiting, estimatedWaitSeconds: -1 }],
    ['a fractional position', { ...waiting, position: 1.5 }],
    ['an empty token', { ...waiting, token: '' }],
    ['an extra field', { ...waiting, userId: 'u1' }],
  ])('when the answer has %s, then it is rejected', (_label, body) => {
    expect(IssueTokenResponse.safeParse(body).success).toBe(false);
  });
});

describe('TokenStatusResponse', () => {
  const active = { status: 'ACTIVE', position: 0, estimatedWaitSeconds: 0, expiresAt: '2030-01-01T00:05:00.000Z' };

  it('when an active token has an expiry, then it parses', () => {
    expect(TokenStatusResponse.parse(active)).toEqual(active);
  });

  it('when a waiting token has no expiry, then expiresAt null parses', () => {
    expect(TokenStatusResponse.safeParse({ status: 'WAITING', position: 1, estimatedWaitSeconds: 1, expiresAt: null }).success).toBe(true);
  });

  it.each([
    ['a missing expiresAt', { status: 'ACTIVE', position: 0, estimatedWaitSeconds: 0 }],
    ['a non-ISO expiresAt', { ...active, expiresAt: 'tomorrow' }],
    ['an epoch-number expiresAt', { ...active, expiresAt: 1_900_000_000_000 }],
    ['a token field', { ...active, token: 'tok' }],
  ])('when the answer has %s, then it is rejected', (_label, body) => {
    expect(TokenStatusResponse.safeParse(body).success).toBe(false);
  });
});

describe('QueueStatsResponse', () => {
  it('when the gateway adds fields, then they are kept (API.md: "may add more fields")', () => {
    const body = { waiting: 10, active: 5, maxActive: 100, breaker: 'closed' };
    expect(QueueStatsResponse.parse(body)).toEqual(body);
  });

  it.each([
    ['a missing maxActive', { waiting: 0, active: 0 }],
    ['a zero maxActive', { waiting: 0, active: 0, maxActive: 0 }],
    ['a string count', { waiting: '1', active: 0, maxActive: 1 }],
    ['a negative count', { waiting: -1, active: 0, maxActive: 1 }],
  ])('when the stats have %s, then they are rejected', (_label, body) => {
    expect(QueueStatsResponse.safeParse(body).success).toBe(false);
  });
});
