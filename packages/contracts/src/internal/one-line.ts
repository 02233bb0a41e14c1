/**
 * Makes untrusted or multi-line text safe for a single log line, an HTTP message or a Kafka header:
 * control characters (newlines included) become spaces and the result is cut at `max` characters.
 * Internal: not re-exported from the package.
 */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
