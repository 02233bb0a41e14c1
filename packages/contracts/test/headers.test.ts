import { HttpHeaders, INTERNAL_ONLY_HEADERS, IdempotencyKey } from '../src';

describe('HttpHeaders', () => {
  it('when reading the names, then they are the ones API.md and the services use', () => {
    expect(HttpHeaders).toMatchObject({
      RequestId: 'X-Request-Id',
      QueueToken: 'X-Queue-Token',
      IdempotencyKey: 'Idempotency-Key',
      InternalToken: 'X-Internal-Token',
      UserId: 'X-User-Id',
    });
  });

  it("when listing internal-only headers, then they are the credential, the derived user id, the replay-only mark and the line's concert", () => {
    expect([...INTERNAL_ONLY_HEADERS].sort()).toEqual(['X-Internal-Token', 'X-Queue-Concert-Id', 'X-Replay-Only', 'X-User-Id']);
  });
});

describe('IdempotencyKey', () => {
  it.each([['k'], ['3f1c2b4e-8d9a-4f6b-9c2d-1e0a7b5c4d3e'], ['a'.repeat(128)], ['!~#$%&*+/=?^_`{|}']])('when the key is %p, then it parses', (key) => {
    expect(IdempotencyKey.parse(key)).toBe(key);
  });

  it.each([
    ['empty', ''],
    ['129 characters', 'a'.repeat(129)],
    ['a space inside (two headers joined by Node)', 'a, b'],
    ['a newline', 'a\nb'],
    ['a tab', 'a\tb'],
    ['non-ASCII', 'clé'],
    ['an array', ['a', 'b']],
  ])('when the key is %s, then it is rejected', (_label, key) => {
    expect(IdempotencyKey.safeParse(key).success).toBe(false);
  });
});
