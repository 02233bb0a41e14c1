/**
 * SQLSTATEs that mean "the connection, not the request, failed": class 08 (connection exception),
 * 57P01–57P03 (the server terminated the session: pg_terminate_backend, shutdown, not accepting yet) and
 * 53300 (too many connections).
 */
const CONNECTION_SQLSTATE = /^(08...|57P0[123]|53300)$/;

/** Node socket errors and what the pg driver and its pool say when a connection dies or cannot be had. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);
const DRIVER_MESSAGES = [
  'Connection terminated',
  'connection error and is not queryable',
  'Client was closed and is not queryable',
  'timeout exceeded when trying to connect',
];

/** The kinds Prisma's pg driver adapter gives connection failures (its DriverAdapterError cause). */
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);

type Node = {
  code?: unknown;
  originalCode?: unknown;
  kind?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: unknown };
};

/**
 * Whether `error` (a raw pg error, a Prisma error wrapping one, or anything with such a `cause`) says
 * the database connection was lost or could not be opened: a dependency outage, for which the right
 * answer is 503 and "retry", not a 500. Walks the cause chain (and Prisma's driverAdapterError).
 */
export function isDatabaseConnectionFailure(error: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const node = queue.shift() as Node | null | undefined;
    if (node === null || typeof node !== 'object' || seen.has(node)) continue;
    seen.add(node);
    for (const code of [node.code, node.originalCode]) {
      if (typeof code === 'string' && (CONNECTION_SQLSTATE.test(code) || SOCKET_CODES.has(code))) return true;
    }
    if (typeof node.kind === 'string' && ADAPTER_KINDS.has(node.kind)) return true;
    if (typeof node.message === 'string' && DRIVER_MESSAGES.some((text) => (node.message as string).includes(text))) return true;
    queue.push(node.cause, node.meta?.driverAdapterError);
  }
  return false;
}
