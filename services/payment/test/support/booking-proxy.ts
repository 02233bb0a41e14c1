import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ConfirmHook = (reservationId: string) => Promise<'forward' | 'drop'>;

export interface BookingProxy {
  url: string;
  /** Runs before each confirm call is forwarded: arrange booking's state, or drop the call (booking "unreachable"). */
  onConfirm: ConfirmHook | undefined;
  close: () => Promise<void>;
}

/**
 * The network between payment and the real booking, with a hand on the confirm call, so a test can make
 * something happen exactly between payment's deduction and booking's confirmation. Dropping destroys
 * the socket, which payment sees as booking being unreachable.
 */
export async function startBookingProxy(target: string): Promise<BookingProxy> {
  const proxy: BookingProxy = { url: '', onConfirm: undefined, close: async () => undefined };
  const server = createServer((req, res) => void forward(req, res));

  async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const confirm = /^\/internal\/reservations\/([^/]+)\/confirm$/.exec(req.url ?? '');
    if (confirm && proxy.onConfirm && (await proxy.onConfirm(confirm[1]!)) === 'drop') {
      res.socket?.destroy();
      return;
    }
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name))) as Record<string, string>;
    const upstream = await fetch(`${target}${req.url}`, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
