/**
 * JSON built as text, so a fuzz body can carry what a JavaScript object cannot: an own `__proto__` key
 * (an object literal would set the prototype instead), the same key twice, or a token that is not JSON
 * at all (`NaN`, `0x10`, `1e999`). The server parses the text exactly as a client sent it.
 */
export class JsonObject {
  constructor(readonly entries: readonly (readonly [string, Jsonish])[]) {}
}

/** Text spliced in as it is: usually not valid JSON, sometimes a number spelling JSON.parse accepts. */
export class RawJson {
  constructor(readonly text: string) {}
}

export type Jsonish = null | boolean | number | string | JsonObject | RawJson | readonly Jsonish[];

export function jsonText(value: Jsonish): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof JsonObject) return `{${value.entries.map(([key, item]) => `${JSON.stringify(key)}:${jsonText(item)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  // NaN and ±Infinity become null, as JSON.stringify writes them.
  return JSON.stringify(value) ?? 'null';
}

/** What the server's JSON parser makes of the text, or `unparseable` (the server answers 400 for it). */
export function parsedAs(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}
