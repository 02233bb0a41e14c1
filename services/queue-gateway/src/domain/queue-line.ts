/*
 * Lines: the site-wide line and one line per concert. A concert's token carries its line
 * (`<concertId>.<random>`), so any gateway process knows which line's keys to ask without a look-up,
 * and a token of one line can never be read as another's.
 */

/** The site-wide line's id (a concert's line is the concert's id). */
export const SITE_LINE = 'site';

const CONCERT_ID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const CONCERT_TOKEN = new RegExp(`^(${CONCERT_ID})\\.`);

/** The concert whose line issued `token`, or undefined for the site-wide line's tokens. */
export function concertOfToken(token: string): string | undefined {
  return CONCERT_TOKEN.exec(token)?.[1]?.toLowerCase();
}

/** The line a token belongs to. */
export const lineOfToken = (token: string): string => concertOfToken(token) ?? SITE_LINE;

/** A concert line's tokens start with the concert's id; the site-wide line's are the bare random part. */
export const tokenPrefixOf = (line: string): string => (line === SITE_LINE ? '' : `${line}.`);

/**
 * Where a line's keys live under QUEUE_KEY_PREFIX. A concert's line gets a Redis Cluster hash tag,
 * `{q:<concertId>}`, so that all of its keys (and so its Lua scripts) sit in one slot, and different
 * concerts spread over the masters. The site-wide line keeps the prefix itself (the first round's layout,
 * which the audit and the load test read) except on a cluster, where it is tagged `{q:site}` too.
 */
export const linePrefix = (base: string, line: string, cluster = false): string => (line === SITE_LINE && !cluster ? base : `${base}{q:${line}}:`);
