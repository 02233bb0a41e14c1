import { z } from 'zod';
import { ChargeRequest, IssueTokenRequest, formatZodIssues } from '../src';

function issuesOf(schema: z.ZodType, value: unknown): z.ZodError {
  const result = schema.safeParse(value);
  if (result.success) throw new Error('expected a validation failure');
  return result.error;
}

describe('formatZodIssues', () => {
  it('when one field is wrong, then the message is "path: message"', () => {
    expect(formatZodIssues(issuesOf(ChargeRequest, { amount: 1.5 }))).toBe('amount: Invalid input: expected int, received number');
  });

  it('when the problem is at the root, then there is no path prefix', () => {
    expect(formatZodIssues(issuesOf(ChargeRequest, null))).toBe('Invalid input: expected object, received null');
  });

  it('when several fields are wrong, then the issues are joined with "; "', () => {
    const message = formatZodIssues(issuesOf(IssueTokenRequest, { userId: 7, extra: true }));
    expect(message).toBe('userId: Invalid input: expected string, received number; Unrecognized key: "extra"');
  });

  it('when the path is nested with array indexes, then it reads a.b[1]', () => {
    const schema = z.object({ a: z.object({ b: z.array(z.int()) }) });
    expect(formatZodIssues(issuesOf(schema, { a: { b: [1, 'x'] } }))).toBe('a.b[1]: Invalid input: expected number, received string');
  });

  it('when a key is not an identifier, then it is quoted in brackets', () => {
    const schema = z.record(z.string(), z.int());
    expect(formatZodIssues(issuesOf(schema, { 'odd key': 'x' }))).toBe('["odd key"]: Invalid input: expected number, received string');
  });

  it('when more than five issues, then the rest are summarised as "(+N more)"', () => {
    const schema = z.array(z.int());
    const message = formatZodIssues(issuesOf(schema, ['a', 'b', 'c', 'd', 'e', 'f', 'g']));
    expect(message.split('; ')).toHaveLength(6);
    expect(message.endsWith('(+2 more)')).toBe(true);
  });

  it('when a client-chosen key holds newlines and is huge, then the message is one line of at most 500 chars', () => {
    const key = `evil\r\nkey${'x'.repeat(2_000)}`;
    const message = formatZodIssues(issuesOf(IssueTokenRequest, { userId: 'ok', [key]: 1 }));
    expect(message).not.toMatch(/[\r\n]/);
    expect(message.length).toBeLessThanOrEqual(500);
    expect(message.startsWith('Unrecognized key: "evil key')).toBe(true);
  });

  it('when there are no issues at all, then it still returns a readable text', () => {
    expect(formatZodIssues({ issues: [] })).toBe('invalid input');
  });
});
