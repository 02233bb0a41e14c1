import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';

/*
 * Tests stop and restart the servers they own on the same port. A port the OS picked (listen(0)) comes
 * from its ephemeral range, and while the server is down the OS may hand that port to anyone else's
 * listen(0) or to the local end of an outgoing connection: the restart then fails, or a client reconnects
 * to some HTTP server. So ports are drawn below the ephemeral range (32768–60999 on Linux), from a block
 * of their own per Jest worker, and never twice in one process.
 */
const FIRST_PORT = 20_000;
const BLOCK = 1_000;
const BLOCKS = 12;
const handedOut = new Set<number>();

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port that is free now and that nothing but the caller will be given, for servers a test starts itself. */
export async function freePort(): Promise<number> {
  const worker = Number(process.env.JEST_WORKER_ID ?? 0);
  const base = FIRST_PORT + (worker % BLOCKS) * BLOCK;
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = base + randomInt(BLOCK);
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${base}–${base + BLOCK - 1}`);
}
