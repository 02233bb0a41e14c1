/**
 * Requests no HTTP client library would send, written byte by byte: they are refused by Node's HTTP
 * parser before Express sees them, so they test the server's own error path, not the routes.
 */
export interface RawCase {
  name: string;
  bytes: string;
  status: number;
}

const host = 'Host: 127.0.0.1\r\n';

export const RAW_CASES: RawCase[] = [
  { name: 'an X-Queue-Token over the header size limit', bytes: `GET /balance HTTP/1.1\r\n${host}X-Queue-Token: ${'A'.repeat(20_000)}\r\n\r\n`, status: 431 },
  { name: 'a path over the header size limit', bytes: `GET /concerts/${'a'.repeat(20_000)}/schedules HTTP/1.1\r\n${host}\r\n`, status: 431 },
  { name: 'two thousand headers', bytes: `GET /queue/stats HTTP/1.1\r\n${host}${Array.from({ length: 2_000 }, (_, i) => `X-F${i}: ${'v'.repeat(10)}\r\n`).join('')}\r\n`, status: 431 },
  { name: 'an HTTP/1.1 request without Host', bytes: 'GET /queue/stats HTTP/1.1\r\n\r\n', status: 400 },
  { name: 'an unknown method', bytes: `FUZZ /queue/stats HTTP/1.1\r\n${host}\r\n`, status: 400 },
  { name: 'an unknown HTTP version', bytes: `GET /queue/stats HTTP/7.1\r\n${host}\r\n`, status: 400 },
  { name: 'a header name with a space', bytes: `GET /queue/stats HTTP/1.1\r\n${host}X Queue Token: 1\r\n\r\n`, status: 400 },
  { name: 'a NUL byte in a header value', bytes: `GET /balance HTTP/1.1\r\n${host}X-Queue-Token: a\u0000b\r\n\r\n`, status: 400 },
  { name: 'a non-ASCII byte in the path', bytes: `GET /concerts/\u00e9/schedules HTTP/1.1\r\n${host}\r\n`, status: 400 },
  { name: 'two different Content-Length headers', bytes: `POST /balance/charge HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: 13\r\nContent-Length: 14\r\n\r\n{"amount":10}`, status: 400 },
  { name: 'Content-Length and Transfer-Encoding together (smuggling)', bytes: `POST /queue/tokens HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, status: 400 },
  { name: 'a non-numeric Content-Length', bytes: `POST /queue/tokens HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: 1e3\r\n\r\n{}`, status: 400 },
  { name: 'a folded header line', bytes: `GET /balance HTTP/1.1\r\n${host}X-Queue-Token: a\r\n b\r\n\r\n`, status: 400 },
  { name: 'a bare LF line ending', bytes: `GET /queue/stats HTTP/1.1\n${host}\n`, status: 400 },
];
