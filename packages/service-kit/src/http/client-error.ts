import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorHttpStatus, type ErrorCode } from '@ticketing/contracts';
import { REQUEST_ID_HEADER } from './request-id';

/** Node's HTTP parser error codes (and its request timeout), mapped like Node's own answers, with our codes. */
function classify(code: string | undefined): { code: ErrorCode; message: string } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { code: 'VALIDATION.HEADERS_TOO_LARGE', message: 'Request line and headers are too large' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { code: 'VALIDATION.PAYLOAD_TOO_LARGE', message: 'Chunk extensions are too large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { code: 'VALIDATION.REQUEST_TIMEOUT', message: 'The request did not arrive in time' };
    default:
      return { code: 'VALIDATION.MALFORMED_REQUEST', message: 'The request is not valid HTTP/1.1' };
  }
}

/**
 * The server's `clientError` listener. Requests Node's HTTP parser refuses (headers over 16 KiB, a broken
 * request line, Content-Length together with chunked, a NUL in a header…) never reach Express, and Node
 * answers them itself with an empty body. This answers the same statuses in the platform's error shape,
 * `{ code, message, correlationId }` with `X-Request-Id`, so a client sees one error format for all bad input.
 * Like Node, it writes only while no response of this connection has started, then closes the connection
 * (the parser's position in the byte stream is lost, so nothing more can be read from it).
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // `_httpMessage` is the response in progress on this socket, as Node's default handler checks it.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const { code, message } = classify(error.code);
  const status = ErrorHttpStatus[code];
  const correlationId = randomUUID();
  const body = JSON.stringify({ code, message, correlationId });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `${REQUEST_ID_HEADER}: ${correlationId}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
