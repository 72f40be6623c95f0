// Starts an adapter's real server on loopback for one policy.
import { createServer, Server } from 'node:http';
import type { Socket } from 'node:net';
import { routeHandler, type MiddlewareAdapter } from './adapter.ts';
import type { CorsPolicy } from '../scenario/policy.ts';

export interface MiddlewareServer {
  adapter: MiddlewareAdapter;
  port: number;
  close(): Promise<void>;
}

export async function serveMiddleware(adapter: MiddlewareAdapter, policy: CorsPolicy): Promise<MiddlewareServer> {
  const made = await adapter.create(policy, routeHandler);
  return { adapter, ...(await listenOnLoopback(made instanceof Server ? made : createServer(made))) };
}

/** Listens on 127.0.0.1 (unless already listening); close() also ends open connections. */
export async function listenOnLoopback(server: Server): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  if (!server.listening) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  }
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
