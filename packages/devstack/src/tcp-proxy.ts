import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { freePort } from './testing/free-port';

/**
 * A TCP proxy a test owns in front of a shared server (e.g. the machine's Postgres): cutting it makes
 * the dependency "gone" for the service under test without touching the shared server itself.
 */
export interface TcpProxy {
  port: number;
  /** Drops every open connection and refuses new ones. */
  cut(): Promise<void>;
  /** Accepts connections again on the same port. */
  restore(): Promise<void>;
  /** Delays every chunk the target sends back by `ms` (0: none), as a slow dependency would answer. */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let latencyMs = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const makeServer = () =>
    createServer((client) => {
      const upstream = createConnection({ port: targetPort, host: targetHost });
      track(client);
      track(upstream);
      client.pipe(upstream);
      // Timers of one delay fire in the order they were set, so a delayed stream keeps its byte order.
      upstream.on('data', (chunk: Buffer) => {
        if (latencyMs === 0) client.write(chunk);
        else setTimeout(() => client.writable && client.write(chunk), latencyMs);
      });
      upstream.on('end', () => setTimeout(() => client.end(), latencyMs));
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
  const listenOn = (server: Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const stop = (server: Server) =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });

  let server = makeServer();
  // Not listen(0): restore() binds the same port again, and a port from the OS's ephemeral range may be gone by then.
  const port = await listenOn(server, await freePort());
  let listening = true;
  return {
    port,
    cut: async () => {
      if (listening) await stop(server);
      listening = false;
    },
    restore: async () => {
      if (listening) return;
      server = makeServer();
      await listenOn(server, port);
      listening = true;
    },
    setLatency: (ms) => {
      latencyMs = Math.max(0, ms);
    },
    close: async () => {
      if (listening) await stop(server);
      listening = false;
    },
  };
}
