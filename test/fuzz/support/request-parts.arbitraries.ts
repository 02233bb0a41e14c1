import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { JsonObject, jsonText, parsedAs, type Jsonish } from './json-text';
import { extraKey, headerBytes, INJECTION_STRINGS, junkString, junkValue, PROTOTYPE_KEYS } from './malformed.arbitraries';
import type { FuzzBody } from './fuzz-request';

/** The services' JSON body limit (service-kit's default `bodyLimit`). */
export const BODY_LIMIT_BYTES = 16 * 1024;

export interface BodyPart {
  headers: string[];
  body?: FuzzBody;
  what: string;
  /** The statuses the body alone decides, whatever the route and token. */
  statuses?: number[];
}

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/json;charset=UTF-8'] as const;
/** Media types the JSON parser does not read: a body sent with them never reaches a schema. */
const NOT_JSON_TYPES = [
  'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=fuzz', 'application/xml', 'text/json',
  'application/vnd.api+json', 'application/octet-stream', 'text/html', 'application/jsonp', 'application', ';;;', 'json',
] as const;
/** Content-Type values a media-type parser may choke on: unterminated quotes, empty or repeated parameters, junk bytes. */
const BROKEN_CONTENT_TYPES = [
  'application/json; charset="utf-8', 'application/json;;', 'application/json; =x', 'application/json; charset=', 'application/json; charset=utf-8; charset=latin1',
  'application/json; boundary', '/', 'application/', 'application/json\u00e9', 'application/json, text/plain', `application/json; x=${'y'.repeat(4_000)}`, ' application/json',
] as const;

/** Charsets that are not UTF-*: the JSON parser refuses them (415) whatever the bytes say. */
const FOREIGN_CHARSETS = ['latin1', 'iso-8859-1', 'koi8-r', 'windows-1252', 'x-fuzz', 'ascii'] as const;
/**
 * Encodings the bytes do not actually have, so inflating fails (gzip and deflate carry a header and a
 * checksum), or that the parser does not know. Not `br`: brotli has neither, and some plain text is a
 * valid brotli stream (of an empty body).
 */
const FALSE_ENCODINGS = ['gzip', 'deflate', 'x-gzip', 'compress', 'x-fuzz', 'gzip, gzip'] as const;

/** JSON text that JSON.parse refuses: truncated, single-quoted, trailing commas, comments, not JSON at all. */
export const malformedJsonText: fc.Arbitrary<string> = fc
  .oneof(
    fc.constantFrom("{'amount': 1}", '{"amount": 1,}', '{amount: 1}', '[1,]', '{"a":1}/*c*/', '{"a":1}}', '{"a":', '{', '[', 'undefined', '<json/>', 'amount=100', '{"a":"\\x41"}', '{"a":"\u0001"}', '\u0000', '{"a":1} {"b":2}', '--'),
    fc.tuple(junkValue, fc.nat()).map(([value, cut]) => {
      const text = jsonText(value);
      return text.slice(0, Math.max(1, cut % Math.max(1, text.length)));
    }),
    fc.string({ minLength: 1, maxLength: 200 }),
    fc.constantFrom(...INJECTION_STRINGS),
  )
  .filter((text) => !parsedAs(text).ok);

/** Applies one mutation to a valid body: drop, retype or duplicate a field, add unknown or prototype keys, reshape it. */
function mutation(template: JsonObject): fc.Arbitrary<{ value: Jsonish; what: string }> {
  const keys = template.entries.map(([key]) => key);
  const pickKey = fc.constantFrom(...keys);
  const withEntry = (key: string, value: Jsonish) => new JsonObject(template.entries.map(([k, v]) => [k, k === key ? value : v] as const));
  return fc.oneof(
    pickKey.map((key) => ({ value: new JsonObject(template.entries.filter(([k]) => k !== key)), what: `missing ${key}` })),
    fc.tuple(pickKey, junkValue).map(([key, value]) => ({ value: withEntry(key, value), what: `${key} of wrong type/range` })),
    fc.tuple(pickKey, junkString).map(([key, value]) => ({ value: withEntry(key, value), what: `${key} as junk string` })),
    fc.tuple(extraKey, junkValue).map(([key, value]) => ({ value: new JsonObject([...template.entries, [key, value]]), what: `extra key ${JSON.stringify(key)}` })),
    fc.tuple(fc.constantFrom(...PROTOTYPE_KEYS), fc.constantFrom(...keys), junkValue).map(([proto, key, value]) => ({
      value: new JsonObject([...template.entries, [proto, new JsonObject([[key, value], ['prototype', new JsonObject([[key, value]])]])]]),
      what: `prototype pollution via ${proto}`,
    })),
    fc.tuple(pickKey, junkValue).map(([key, value]) => ({ value: new JsonObject([...template.entries, [key, value]]), what: `${key} twice` })),
    fc.constantFrom<Jsonish>([template], new JsonObject([['data', template]]), new JsonObject([]), [], null, 'x', 1, true).map((value) => ({ value, what: 'reshaped' })),
    junkValue.map((value) => ({ value, what: 'replaced by junk' })),
  );
}

/** A body mutated one to three times from `template`, never one that `legit` accepts. */
export function mutatedBody(template: JsonObject, legit: (parsed: unknown) => boolean): fc.Arbitrary<{ text: string; what: string }> {
  const step = (from: fc.Arbitrary<{ value: Jsonish; what: string }>, times: number): fc.Arbitrary<{ value: Jsonish; what: string }> =>
    times === 0
      ? from
      : step(
          from.chain((current) =>
            current.value instanceof JsonObject && current.value.entries.length > 0
              ? mutation(current.value).map((next) => ({ value: next.value, what: `${current.what} + ${next.what}` }))
              : fc.constant(current),
          ),
          times - 1,
        );
  return fc
    .integer({ min: 0, max: 2 })
    .chain((extra) => step(mutation(template), extra))
    .map(({ value, what }) => ({ text: jsonText(value), what }))
    .filter(({ text }) => {
      const parsed = parsedAs(text);
      return !parsed.ok || !legit(parsed.value);
    });
}

const contentType = (type: string) => ['content-type', type];

/** A body over the limit: one big field, a long array, or the same streamed in chunks without a Content-Length. */
export const oversizedBody: fc.Arbitrary<BodyPart> = fc
  .tuple(fc.integer({ min: BODY_LIMIT_BYTES + 1, max: 256 * 1024 }), fc.constantFrom('field', 'array', 'chunked'), fc.constantFrom(...JSON_TYPES))
  .map(([size, shape, type]) => {
    const text = shape === 'array' ? `[${'1,'.repeat(Math.ceil(size / 2))}1]` : `{"amount":1,"pad":"${'x'.repeat(size)}"}`;
    const bytes = Buffer.from(text);
    const body: FuzzBody = shape === 'chunked' ? { chunks: Array.from({ length: Math.ceil(bytes.length / 8192) }, (_, i) => bytes.subarray(i * 8192, (i + 1) * 8192)) } : bytes;
    // The JSON parser runs before any route or token check: 413, or 431 when the headers are over their own limit first.
    return { headers: contentType(type), body, what: `oversized ${shape} body (${bytes.length} bytes)`, statuses: [413, 431] };
  });

/**
 * A body the JSON parser itself refuses (malformed, oversized, a foreign charset, a false encoding), so
 * it is a 4xx before any route runs, whatever the route and token.
 */
export const parserRejectedBody: fc.Arbitrary<BodyPart> = fc.oneof(
  { arbitrary: fc.tuple(malformedJsonText, fc.constantFrom(...JSON_TYPES)).map(([text, type]) => ({ headers: contentType(type), body: text, what: 'malformed JSON' })), weight: 4 },
  { arbitrary: oversizedBody, weight: 2 },
  {
    arbitrary: fc.tuple(fc.constantFrom(...FOREIGN_CHARSETS), junkValue).map(([charset, value]) => ({ headers: contentType(`application/json; charset=${charset}`), body: jsonText(value), what: `charset ${charset}` })),
    weight: 1,
  },
  {
    arbitrary: fc.tuple(fc.constantFrom(...FALSE_ENCODINGS), junkValue).map(([encoding, value]) => ({
      headers: [...contentType('application/json'), 'content-encoding', encoding],
      body: jsonText(value),
      what: `content-encoding ${encoding} on plain bytes`,
    })),
    weight: 1,
  },
);

/**
 * Every kind of bad body for a route that reads `template`'s shape: mutated fields, malformed JSON,
 * the valid body under a media type, charset or encoding the parser does not read, empty, oversized.
 */
export function badBody(template: JsonObject, legit: (parsed: unknown) => boolean): fc.Arbitrary<BodyPart> {
  const valid = jsonText(template);
  return fc.oneof(
    { arbitrary: fc.tuple(mutatedBody(template, legit), fc.constantFrom(...JSON_TYPES)).map(([body, type]) => ({ headers: contentType(type), body: body.text, what: body.what })), weight: 10 },
    { arbitrary: parserRejectedBody, weight: 4 },
    {
      arbitrary: fc.constantFrom(...NOT_JSON_TYPES, undefined).map((type) => ({
        headers: type === undefined ? [] : contentType(type),
        body: valid,
        what: `valid JSON sent as ${type ?? 'no content type'}`,
      })),
      weight: 2,
    },
    {
      arbitrary: fc.constantFrom(...FOREIGN_CHARSETS).map((charset) => ({ headers: contentType(`application/json; charset=${charset}`), body: valid, what: `valid JSON in charset ${charset}` })),
      weight: 1,
    },
    {
      arbitrary: fc.tuple(mutatedBody(template, legit), fc.constantFrom('gzip', 'br', 'x-fuzz')).map(([body, encoding]) => ({
        headers: [...contentType('application/json'), 'content-encoding', encoding],
        body: encoding === 'gzip' ? gzipSync(body.text) : body.text,
        what: `${encoding === 'gzip' ? 'gzipped' : `content-encoding ${encoding} of plain`} ${body.what}`,
      })),
      weight: 1,
    },
    {
      // Within the size limit, but deep or wide: recursion in a parser, a validator or an error message.
      arbitrary: fc.tuple(fc.constantFrom('deep', 'wide'), fc.integer({ min: 100, max: 1_400 })).map(([shape, n]) => ({
        headers: contentType('application/json'),
        body: shape === 'deep' ? `{"${template.entries[0]?.[0] ?? 'a'}":${'['.repeat(n * 5)}${']'.repeat(n * 5)}}` : `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}}`,
        what: shape === 'deep' ? `arrays nested ${n * 5} deep` : `${n} unknown keys`,
      })),
      weight: 1,
    },
    {
      arbitrary: fc.tuple(mutatedBody(template, legit), fc.constantFrom(...BROKEN_CONTENT_TYPES)).map(([body, type]) => ({ headers: contentType(type), body: body.text, what: `broken Content-Type ${JSON.stringify(type.slice(0, 40))}, ${body.what}` })),
      weight: 1,
    },
    { arbitrary: fc.constantFrom(...JSON_TYPES).map((type) => ({ headers: contentType(type), body: '', what: 'empty body' })), weight: 1 },
    { arbitrary: fc.constant<BodyPart>({ headers: [], what: 'no body at all' }), weight: 1 },
  );
}

/** Headers no route should care about, or that try to smuggle an identity past the gateway. */
export interface HeaderPart {
  headers: string[];
  what?: string;
}

export function oddHeaders(otherUserId: string): fc.Arbitrary<HeaderPart> {
  const weird = fc.oneof(junkString, fc.constantFrom(...INJECTION_STRINGS)).map(headerBytes);
  return fc.oneof(
    { arbitrary: fc.constant<HeaderPart>({ headers: [] }), weight: 6 },
    { arbitrary: weird.map((value) => ({ headers: ['x-request-id', value], what: 'odd X-Request-Id' })), weight: 1 },
    { arbitrary: fc.constant<HeaderPart>({ headers: ['x-user-id', otherUserId], what: 'client-sent X-User-Id' }), weight: 1 },
    { arbitrary: weird.map((value) => ({ headers: ['x-internal-token', value, 'x-user-id', otherUserId], what: 'client-sent internal credential' })), weight: 1 },
    { arbitrary: weird.map((value) => ({ headers: ['x-forwarded-for', value], what: 'odd X-Forwarded-For' })), weight: 1 },
    { arbitrary: weird.map((value) => ({ headers: ['authorization', `Bearer ${value}`], what: 'junk Authorization' })), weight: 1 },
    { arbitrary: fc.constantFrom('DELETE', 'PUT', 'x').map((value) => ({ headers: ['x-http-method-override', value], what: 'method override' })), weight: 1 },
    { arbitrary: fc.constantFrom('text/html', 'application/xml', '*/*;q=0', 'application/json;q=0').map((value) => ({ headers: ['accept', value], what: `Accept ${value}` })), weight: 1 },
    {
      arbitrary: fc.integer({ min: 20, max: 120 }).map((n) => ({ headers: Array.from({ length: n }, (_, i) => [`x-fuzz-${i}`, 'v'.repeat(i)]).flat(), what: `${n} extra headers` })),
      weight: 1,
    },
  );
}
