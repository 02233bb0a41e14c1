import fc from 'fast-check';
import { MAX_CHARGE_AMOUNT, MAX_SEAT_NO } from '@ticketing/contracts';
import { JsonObject, RawJson, type Jsonish } from './json-text';

/*
 * The vocabulary of bad input: values of the wrong type, numbers out of range, strings that look like
 * numbers, ids that look like UUIDs, injection payloads and keys that aim at Object.prototype. The
 * endpoint arbitraries combine these with the contracts' schemas, which decide what counts as valid.
 */

/** Strings aimed at SQL, NoSQL, template and shell interpreters, log lines and path resolution. */
export const INJECTION_STRINGS = [
  "' OR '1'='1",
  "' OR 1=1 --",
  '1; DROP TABLE seats; --',
  "'; DELETE FROM reservations; --",
  "' UNION SELECT user_id, amount FROM payment.balances --",
  "1' AND (SELECT pg_sleep(5)) IS NULL --",
  '"; SELECT pg_sleep(5); --',
  "\\'; TRUNCATE balances; --",
  '{"$gt": ""}',
  '{"$ne": null}',
  "'; return this.amount > 0; var x='",
  '$where: sleep(5000)',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%2e%2e%2f%2e%2e%2f',
  '<script>alert(1)</script>',
  '${jndi:ldap://127.0.0.1/a}',
  '{{7*7}}',
  '#{7*7}',
  '$(reboot)',
  '`id`',
  'X\r\nSet-Cookie: injected=1',
  '\u0000',
  '\u202eRTL',
  '__proto__',
  'constructor',
  'prototype',
] as const;

/** Keys that reach Object.prototype (or shadow its methods) if a parser or merge is careless. */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', '__defineGetter__', 'toString', 'valueOf', 'hasOwnProperty'] as const;

/** Strings a lenient parser would read as a number. */
export const NUMBER_LIKE_STRINGS = ['NaN', '-NaN', 'Infinity', '-Infinity', '1e3', '1e999', '-1', '0', '-0', '1.5', '0x10', '0b11', '1_000', ' 1', '1 ', '+1', '01', '100abc', '１２３', '', ' ', 'null', 'undefined', 'true'] as const;

/** Numbers around and beyond every limit the contracts set. */
export const EDGE_NUMBERS = [
  0, -0, -1, -100, 0.5, 1.5, -1.5, 0.1 + 0.2, 1e-7, 99.99,
  MAX_CHARGE_AMOUNT + 1, MAX_CHARGE_AMOUNT * 10, MAX_SEAT_NO + 1,
  2 ** 31, 2 ** 31 - 1 + 0.5, 2 ** 53, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, Number.MAX_VALUE, Number.MIN_VALUE, 1e21,
] as const;

/** Number spellings JSON does not have (a 400 before any schema), plus huge ones it does. */
export const RAW_NUMBER_TOKENS = ['NaN', 'Infinity', '-Infinity', '0x10', '01', '1.', '.5', '+1', '1e', '1_000', 'undefined', '1e999', '-1e999', '123456789012345678901234567890', '0.0000000000000000000000000001'] as const;

const unicodeStrings = fc.constantFrom('💥', 'ＡＢＣ', 'ä', 'I\u0307', '\ud800', 'a\u0000b', '\u200b', 'Ω≈ç√', '🏳️‍🌈', 'ﷺ');

/** Any string a client might send where a short identifier belongs. */
export const junkString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...INJECTION_STRINGS), weight: 3 },
  { arbitrary: fc.constantFrom(...NUMBER_LIKE_STRINGS), weight: 3 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }), weight: 1 },
  { arbitrary: unicodeStrings, weight: 1 },
  { arbitrary: fc.string({ minLength: 65, maxLength: 4_000, unit: fc.constantFrom('a', 'Z', '9', '-', '_') }), weight: 1 },
);

const junkNumber: fc.Arbitrary<Jsonish> = fc.oneof(
  fc.constantFrom<number>(...EDGE_NUMBERS),
  fc.double(),
  fc.integer({ min: -1_000_000, max: 0 }),
  fc.constantFrom(...RAW_NUMBER_TOKENS).map((text) => new RawJson(text)),
);

const leafJunk: fc.Arbitrary<Jsonish> = fc.oneof(
  junkNumber,
  junkString,
  fc.constant(null),
  fc.boolean(),
  fc.constant(new JsonObject([])),
  fc.constant([]),
  fc.constantFrom('$gt', '$ne', '$where', '$regex').map((operator) => new JsonObject([[operator, '']])),
);

/** A JSON value of any type, up to a small depth (objects may carry prototype keys). */
export const junkValue: fc.Arbitrary<Jsonish> = fc.letrec<{ value: Jsonish }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: leafJunk, weight: 6 },
    { arbitrary: fc.array(tie('value'), { maxLength: 3 }), weight: 1 },
    {
      arbitrary: fc
        .array(fc.tuple(fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), fc.string({ maxLength: 10 })), tie('value')), { maxLength: 3 })
        .map((entries) => new JsonObject(entries)),
      weight: 1,
    },
  ),
})).value;

/** A key a client adds that no schema knows. */
export const extraKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...PROTOTYPE_KEYS, 'userId', 'price', 'amount', 'status', 'id', 'paymentId', 'version', '$where', '', ' '),
  fc.string({ maxLength: 20 }),
);

/**
 * Text in a path segment, percent-encoded like a client library would (so the path is sendable), or left
 * raw when it only holds characters a request line may carry (`..`, a malformed `%zz` escape).
 */
export function pathSegment(value: string, raw: boolean): string {
  return raw && /^[\x21-\x7e]+$/.test(value) && !/[/?#]/.test(value) ? value : percentEncode(value);
}

/** encodeURIComponent that also takes lone surrogates (sent as U+FFFD, as a UTF-8 client would). */
export function percentEncode(value: string): string {
  return encodeURIComponent(Buffer.from(value, 'utf8').toString('utf8'));
}

/**
 * Ids that are not ids: near-UUIDs, numbers, traversal, unicode, injection, very long. A well-formed
 * random UUID is included (it names nothing: 404), so the "unknown id" path is covered too.
 */
export const junkId: fc.Arbitrary<{ text: string; raw: boolean }> = fc.oneof(
  { arbitrary: fc.uuid().map((text) => ({ text, raw: true })), weight: 3 },
  {
    arbitrary: fc.uuid().chain((uuid) =>
      fc.constantFrom(
        uuid.slice(0, -1),
        `${uuid}0`,
        uuid.replace(/-/g, ''),
        `{${uuid}}`,
        `urn:uuid:${uuid}`,
        uuid.replace(/^./, 'g'),
        uuid.replace(/-/, '_'),
        ` ${uuid}`,
        `${uuid}\n`,
        `${uuid}/../${uuid}`,
        `${uuid}%00`,
        `${uuid};`,
        `${uuid}'--`,
      ).map((text) => ({ text, raw: false })),
    ),
    weight: 3,
  },
  { arbitrary: fc.constantFrom('..', '.', '%2e%2e', '..%2f..%2fbalance', '%zz', '%', '%E0%A4%A', '%00', '%C0%AE%C0%AE').map((text) => ({ text, raw: true })), weight: 2 },
  { arbitrary: fc.tuple(junkString, fc.boolean()).map(([text, raw]) => ({ text, raw })), weight: 3 },
  { arbitrary: fc.integer({ min: -5, max: 1_000_000 }).map((n) => ({ text: String(n), raw: true })), weight: 1 },
  { arbitrary: fc.string({ minLength: 1_000, maxLength: 8_000, unit: fc.constantFrom('a', 'f', '0', '-', 'é') }).map((text) => ({ text, raw: false })), weight: 1 },
);

/** A header value as the bytes a client would put on the wire (non-Latin-1 text sent as UTF-8). */
export function headerBytes(value: string): string {
  return Buffer.from(value.replace(/[\r\n\0]/g, ''), 'utf8').toString('latin1');
}
