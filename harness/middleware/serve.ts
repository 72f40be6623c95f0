// Starts an adapter's real server on loopback for one policy.
import { createServer, Server, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { AdapterError, routeHandler, type MiddlewareAdapter } from './adapter.ts';
import type { CorsPolicy } from '../scenario/policy.ts';
import { messageOf } from '../package/error-message.ts';

export interface MiddlewareServer {
  adapter: MiddlewareAdapter;
  port: number;
  close(): Promise<void>;
}

/** `where` names what the server is for (a scenario), in the message of an adapter that cannot make it. */
export async function serveMiddleware(
  adapter: MiddlewareAdapter,
  policy: CorsPolicy,
  where = 'a policy',
): Promise<MiddlewareServer> {
  let made: Server | RequestListener;
  try {
    made = await adapter.create(policy, routeHandler);
  } catch (error) {
    // Already said in its own words (a package the project lacks, with its install command).
    if (error instanceof AdapterError) throw error;
    throw new AdapterError(
      `the middleware adapter "${adapter.name}" threw while creating its server for ${where}: ${messageOf(error)}. Fix: its create(policy, handler) must return a server or a request listener for every policy`,
    );
  }
  const server = made instanceof Server ? made : createServer(made);
  answerWhatThrows(server, adapter);
  return { adapter, ...(await listenOnLoopback(server)) };
}

/**
 * A middleware that throws while answering must not take the run with it (an
 * exception in a request listener ends Node's process): the request gets a
 * 500 naming the error, which the journal and the cell's evidence then show.
 */
function answerWhatThrows(server: Server, adapter: MiddlewareAdapter): void {
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    for (const listener of listeners) {
      try {
        listener.call(server, request, response);
      } catch (error) {
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        response.end(`cors-lab: the middleware "${adapter.name}" threw while answering: ${messageOf(error)}\n`);
      }
    }
  });
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
