// The posing proxy. Every engine is pointed at it through its own proxy
// setting, so all three see the same thing:
// - a posed origin (`--origin https://app.example.com`) is answered by the
//   lab's own servers, whatever its host and port, with a lab-CA certificate:
//   the page really has that origin;
// - every other host (the target) is reached at its real address, or where
//   --resolve points, through Upstream. HTTPS is terminated here with a lab
//   certificate for that host and re-encrypted upstream, so each request and
//   answer is journaled like lab traffic (preflights included, which no
//   browser API shows), and the target's certificate is verified here, with
//   the system roots and the user's --ca.
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { pipeline } from 'node:stream';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import type { KeyAndCert } from './certificates.ts';
import { isLoopbackHost } from '../spec/origin.ts';
import { headersFromRaw, responseHeadersFromLines, type Journal, type JournalEntry } from '../../servers/journal.ts';
import { bareHostname, isHopByHop, rawHeaderPairs, type Upstream } from '../../servers/upstream.ts';
import { messageOf } from '../package/error-message.ts';

export interface ProxyOptions {
  journal: Journal;
  /** Names this proxy's journal entries, e.g. "proxy:firefox". */
  label: string;
  /** The lab port serving a posed origin (scheme, host, port), if it is one. Hosts come lowercase and bare (an IPv6 address without brackets), in every callback. */
  posedPort(scheme: 'http' | 'https', host: string, port: number): number | undefined;
  /**
   * Whether requests for host:port may be forwarded (the check's targets),
   * through `upstream`, with a lab certificate from `certificateFor`.
   * Anything else, such as a browser's own background traffic, is refused:
   * the proxy is no open relay, and only probe traffic is journaled.
   */
  forwarding?: {
    forwards(host: string, port: number): boolean;
    upstream: Upstream;
    /** A lab-CA certificate for a target host (the browsers trust the lab CA). */
    certificateFor(host: string): KeyAndCert;
  };
  /** Whether a connection may use the proxy (the run's own browsers only); default: every connection. */
  admits?(socket: Socket): boolean;
  /** The address to listen on; default 127.0.0.1. A remote browser needs one it can reach. */
  listenHost?: string;
  /** The port; default any free one. */
  listenPort?: number;
}

export interface LabProxy {
  /** "127.0.0.1:<port>" (or the listen host's), for the engines' proxy settings. */
  address: string;
  port: number;
  /**
   * Journal entries made from now on carry this nonce (one probe at a time
   * per proxy); with `control`, forwarded requests are journaled as the
   * reachability control (session/reachability.ts) rather than as probe traffic.
   */
  tag(nonce: string | undefined, as?: 'control'): void;
  close(): Promise<void>;
}

export async function startProxy(options: ProxyOptions): Promise<LabProxy> {
  const forwards = (host: string, port: number): boolean => options.forwarding?.forwards(host, port) ?? false;
  let currentTag: string | undefined;
  let taggedAsControl = false;
  const sockets = new Set<Socket>();
  const contexts = new Map<string, SecureContext>();
  const contextFor = (host: string): SecureContext => {
    let context = contexts.get(host);
    if (!context) {
      const { keyPem, certPem } = options.forwarding!.certificateFor(host);
      context = createSecureContext({ key: keyPem, cert: certPem });
      contexts.set(host, context);
    }
    return context;
  };

  // Decrypted HTTPS from the browsers: which target each TLS socket is for.
  const authorityOf = new WeakMap<Socket, { host: string; port: number }>();
  const inner = createServer((request, response) => {
    const authority = authorityOf.get(request.socket);
    if (!authority) return void response.writeHead(500).end();
    // As the browser names the URL: the tunnel's authority always has a port, the URL has none when it is 443.
    void forward(
      request,
      response,
      new URL(`https://${hostForUrl(authority.host)}:${authority.port}${request.url ?? '/'}`).href,
    );
  });

  const front = createServer((request, response) => {
    // Plain HTTP through a proxy uses the absolute form: GET http://host:port/path.
    let url: URL;
    try {
      url = new URL(request.url ?? '');
    } catch {
      return void response
        .writeHead(400, { 'content-type': 'text/plain' })
        .end('cors-lab proxy: expected an absolute URL\n');
    }
    const port = Number(url.port || 80);
    // Hosts are named bare, as a CONNECT names them: an IPv6 address without its brackets.
    const host = bareHostname(url);
    const labPort = options.posedPort('http', host, port);
    if (labPort !== undefined) return void toLab(request, response, labPort, url);
    if (!forwards(host, port)) return void refuse(response, `${url.hostname}:${port}`);
    void forward(request, response, url.href);
  });

  front.on('connect', (request: IncomingMessage, client: Socket, head: Buffer) => {
    const [host, portText] = splitAuthority(request.url ?? '');
    const port = Number(portText || 443);
    client.on('error', () => client.destroy());
    const labPort = options.posedPort('https', host, port);
    if (labPort !== undefined) {
      // A posed origin: a plain tunnel to the lab's HTTPS server, which holds
      // a certificate for the posed host.
      const lab = netConnect(labPort, '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length > 0) lab.write(head);
        lab.pipe(client);
        client.pipe(lab);
      });
      lab.on('error', () => client.destroy());
      client.on('close', () => lab.destroy());
      return;
    }
    if (!forwards(host, port)) {
      options.journal.add({
        server: options.label,
        kind: 'lab',
        method: 'CONNECT',
        url: `${host}:${port}`,
        error: 'refused: not a target of this check',
      });
      client.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) client.unshift(head);
    const tls = new TLSSocket(client, { isServer: true, secureContext: contextFor(host), ALPNProtocols: ['http/1.1'] });
    tls.on('error', (error) => {
      options.journal.add({
        server: options.label,
        kind: 'tls-error',
        error: `browser to proxy for ${host}:${port}: ${error.message}`,
        ...tagged(),
      });
      tls.destroy();
    });
    authorityOf.set(tls, { host, port });
    inner.emit('connection', tls);
  });

  // Checked before anything is read from the connection; a refusal is journaled without a nonce, so it never counts in a cell.
  front.prependListener('connection', (socket: Socket) => {
    if (!options.admits || options.admits(socket)) return;
    options.journal.add({
      server: options.label,
      kind: 'lab',
      url: `from ${socket.remoteAddress}:${socket.remotePort}`,
      error: "refused: a connection from a process that is not one of this run's browsers",
    });
    socket.destroy();
  });
  for (const server of [front, inner]) {
    server.on('connection', (socket: Socket) => {
      if (socket.destroyed) return;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
  }

  const tagged = (): { nonce?: string } => (currentTag === undefined ? {} : { nonce: currentTag });

  /** Forwards one request to the target and journals it like lab traffic. */
  async function forward(request: IncomingMessage, response: ServerResponse, url: string): Promise<void> {
    const headers = headersFromRaw(request.rawHeaders);
    const isPreflight = request.method === 'OPTIONS' && 'access-control-request-method' in headers;
    const entry: JournalEntry = options.journal.add({
      server: options.label,
      kind: taggedAsControl ? 'control' : isPreflight ? 'preflight' : 'request',
      method: request.method,
      url,
      headers: Object.fromEntries(Object.entries(headers).filter(([name]) => !isHopByHop(name))),
      ...tagged(),
    });
    try {
      const answer = await options.forwarding!.upstream.send({
        url,
        method: request.method ?? 'GET',
        headers: rawHeaderPairs(request.rawHeaders),
        body: request,
      });
      const kept = answer.headers.filter(([name]) => !isHopByHop(name));
      entry.status = answer.status;
      entry.responseHeaders = responseHeadersFromLines(kept);
      response.writeHead(answer.status, kept.flat());
      // pipeline, not pipe: a browser that goes away (a cancelled stream) closes the upstream answer too.
      pipeline(answer.body, response, () => {});
    } catch (error) {
      // No answer: the browser must see a network failure, not an answer
      // made up by the proxy, so the connection is dropped.
      entry.error = messageOf(error);
      response.destroy();
      request.socket.destroy();
    }
  }

  function refuse(response: ServerResponse, authority: string): void {
    options.journal.add({
      server: options.label,
      kind: 'lab',
      url: authority,
      error: 'refused: not a target of this check',
    });
    response
      .writeHead(403, { 'content-type': 'text/plain' })
      .end(`cors-lab proxy: ${authority} is not a target of this check\n`);
  }

  /** A request for a posed http origin goes to the lab's HTTP server, Host header as sent. */
  function toLab(request: IncomingMessage, response: ServerResponse, labPort: number, url: URL): void {
    const headers = rawHeaderPairs(request.rawHeaders)
      .filter(([name]) => !isHopByHop(name))
      .flat();
    const outgoing = httpRequest(
      {
        host: '127.0.0.1',
        port: labPort,
        method: request.method,
        path: `${url.pathname}${url.search}`,
        headers,
        agent: false,
      },
      (answer) => {
        response.writeHead(
          answer.statusCode ?? 502,
          rawHeaderPairs(answer.rawHeaders)
            .filter(([name]) => !isHopByHop(name))
            .flat(),
        );
        pipeline(answer, response, () => {});
      },
    );
    outgoing.on('error', () => response.destroy());
    request.pipe(outgoing);
  }

  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(options.listenPort ?? 0, options.listenHost ?? '127.0.0.1', () => resolve());
  });
  const address = front.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    address: `${hostForUrl(options.listenHost ?? '127.0.0.1')}:${port}`,
    port,
    tag: (nonce, as) => {
      currentTag = nonce;
      taggedAsControl = as === 'control';
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => front.close(() => resolve()));
      inner.close();
    },
  };
}

function splitAuthority(authority: string): [string, string] {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(authority);
  if (bracketed) return [bracketed[1]!.toLowerCase(), bracketed[2] ?? ''];
  const colon = authority.lastIndexOf(':');
  return colon === -1
    ? [authority.toLowerCase(), '']
    : [authority.slice(0, colon).toLowerCase(), authority.slice(colon + 1)];
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * A proxy that takes a remote browser to the lab: every lab origin (a
 * loopback name on one of the lab's ports) is tunnelled to the lab's own
 * server on that port, so the browser meets the lab's names, ports and
 * certificates wherever it runs. Everything else is refused.
 */
export function startLabRouteProxy(options: {
  journal: Journal;
  label: string;
  ports: Record<string, number>;
  listenHost: string;
  listenPort?: number;
}): Promise<LabProxy> {
  const portsOf = (scheme: 'http' | 'https') =>
    new Set(
      Object.entries(options.ports)
        .filter(([key]) => key.startsWith(`${scheme}-`) || key === `stopped-${scheme}`)
        .map(([, port]) => port),
    );
  const routed = { http: portsOf('http'), https: portsOf('https') };
  return startProxy({
    journal: options.journal,
    label: options.label,
    listenHost: options.listenHost,
    ...(options.listenPort ? { listenPort: options.listenPort } : {}),
    // Lab origins use localhost names and loopback addresses only.
    posedPort: (scheme, host, port) => (isLoopbackHost(host) && routed[scheme].has(port) ? port : undefined),
  });
}
