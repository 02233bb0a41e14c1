import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerClientError } from './client-error';
import type { ServiceApp } from './fast-lane';

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  /** Stops accepting connections, lets in-flight requests finish, then drops idle keep-alive sockets. */
  close: () => Promise<void>;
}

/** Pending connections the kernel may queue before the server accepts them. */
const LISTEN_BACKLOG = 4_096;

/** Starts listening; resolves once the port is bound (port 0 picks a free one, as tests do). */
export function listen(app: ServiceApp, port: number, host: string): Promise<RunningServer> {
  // Both of Node's own bad-request answers (the parser's, and a missing Host) have empty bodies: Host
  // is checked by `requireHostHeader` in the app, parser errors are answered by `answerClientError`.
  const server = createServer({ requireHostHeader: false }, app);
  server.on('clientError', answerClientError);
  // Longer than a typical load balancer's idle timeout so it, not us, closes idle connections.
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // A rush opens thousands of connections within a second; Node's default backlog (511) made the
    // kernel drop SYNs (ListenDrops), which clients see as connects stalling for seconds. The kernel caps
    // it at net.core.somaxconn.
    server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      const bound = (server.address() as AddressInfo).port;
      let closing: Promise<void> | undefined;
      resolve({
        server,
        port: bound,
        url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
        close: () => {
          closing ??= new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            server.closeIdleConnections();
          });
          return closing;
        },
      });
    });
  });
}
