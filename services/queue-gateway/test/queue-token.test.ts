import { describe, expect, it } from '@jest/globals';
import { generateQueueToken, isWellFormedQueueToken } from '../src/domain/queue-token';

describe('generateQueueToken', () => {
  it('when many tokens are drawn (across several refills of the random pool), then each is 43 base64url characters and none repeats', () => {
    const tokens = Array.from({ length: 10_000 }, () => generateQueueToken());

    expect(tokens.every((token) => isWellFormedQueueToken(token))).toBe(true);
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it('when a value is not shaped like our tokens, then it is refused before any lookup', () => {
    expect(['', 'short', 'A'.repeat(42), 'A'.repeat(44), `${'A'.repeat(42)}=`, `${'A'.repeat(42)}/`].map(isWellFormedQueueToken)).toEqual([false, false, false, false, false, false]);
    expect(isWellFormedQueueToken(undefined)).toBe(false);
  });
});
