import { PassThrough } from 'node:stream';

/**
 * A destination for a logger under test (pino's `destination`) that keeps every line written to it, in
 * order, each read by `read` (as written by default; `JSON.parse` for the entries as objects).
 */
export function logLines<T = string>(read: (line: string) => T = (line) => line as T): { destination: PassThrough; lines: T[] } {
  const lines: T[] = [];
  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(read(line));
  });
  return { destination, lines };
}
