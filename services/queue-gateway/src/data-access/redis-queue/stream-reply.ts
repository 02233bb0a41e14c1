/** One Redis stream entry; `fields` is null for an entry deleted while still pending. */
export interface StreamEntry {
  id: string;
  fields: string[] | null;
}

/**
 * Reads an XREADGROUP-style reply into entries. ioredis answers in RESP2's shape (`[[key, entries]]`)
 * through its typed commands but as a flattened RESP3 map (`[key, entries]`) through `call()`; both are
 * accepted so a client option cannot silently turn every read into "nothing new".
 */
export function readStreamEntries(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const perStream: unknown[][] = typeof reply[0] === 'string' ? pairs(reply) : (reply as unknown[][]);
  const entries: StreamEntry[] = [];
  for (const [, items] of perStream) {
    if (!Array.isArray(items)) continue;
    for (const item of items) {
      if (!Array.isArray(item) || typeof item[0] !== 'string') continue;
      const fields = Array.isArray(item[1]) ? item[1].map(String) : null;
      entries.push({ id: item[0], fields });
    }
  }
  return entries;
}

function pairs(flat: unknown[]): unknown[][] {
  const out: unknown[][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}
