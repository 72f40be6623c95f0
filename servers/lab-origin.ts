// The Fastify app behind every lab origin. One app instance serves one
// (scheme, port); hostnames share it, so app.site-a.localhost and
// api.site-b.localhost on the same port are different origins of one server.
//
// Routes:
//   GET /__lab/runner        the page that runs probes (?treat-as-public-address adds that CSP)
//   GET /__lab/probes.js     the browser-side probe code
//   *   /x/:nonce/<path>     a probe's target: answers as its scenario declares
// Every request, whatever its path, is journaled before routing.
import { METHODS } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { answerBodyText, pickAnswer } from '../harness/scenario/answers.ts';
import type { Route } from '../harness/scenario/schema.ts';
import { headersFromRaw, responseHeadersFromLines, type Journal, type JournalEntry } from './journal.ts';
import { isHopByHop, rawHeaderPairs, Upstream } from './upstream.ts';
import { probeScript } from '../harness/probes/bundle.ts';
import { ASSETS } from './assets.ts';

/** A blank page every lab server answers on any host (ProbeSession deletes cookies host by host on it). */
export const LAB_BLANK_PATH = '/__lab/blank';

/** What a lab server needs to answer a probe's request. */
export interface ProbeRoute {
  /** The route the scenario declares for this host and path, if any. */
  route: Route | undefined;
  /** Fills {{origin.NAME}}, {{base.NAME}}, {{host.NAME}}, {{port.NAME}}, {{nonce}}. */
  render(text: string): string;
  /** How many earlier requests of this kind the probe made to this URL (journal count). */
  count(kind: 'preflight' | 'request'): number;
  /** Set when a real middleware's server answers this origin: the request goes there, as sent. */
  forwardPort?: number;
  /** With forwardPort: preflights after this many are refused by the lab (403), not forwarded. */
  passPreflights?: number;
}

export interface LabOriginOptions {
  /** Name of this server in the journal, e.g. "https-main". */
  serverKey: string;
  scheme: 'http' | 'https';
  tls?: { key: string; cert: string };
  journal: Journal;
  /** Finds the scenario route for a probe nonce, the Host header and the path. */
  lookup(nonce: string, host: string, path: string): ProbeRoute | undefined;
  /** Set-Cookie values a probe's first-party visit to `host` sets, if any. */
  cookiesFor(nonce: string, host: string): string[] | undefined;
}

const RUNNER_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>cors-lab runner</title>
<link rel="icon" href="data:,">
<script src="/__lab/probes.js"></script></head>
<body><p>cors-lab runner</p></body></html>`;

declare module 'fastify' {
  interface FastifyRequest {
    journalEntry?: JournalEntry;
  }
}

/** Larger than any browser's request header section, so the lab journals whatever a browser sends. */
const LAB_MAX_HEADER_BYTES = 1024 * 1024;

export function buildLabOrigin(options: LabOriginOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    // Closing the lab must not wait for a browser's keep-alive or hung request.
    forceCloseConnections: true,
    // Node refuses header sections past 16 KiB with a 431 of its own, before
    // any route or journal sees the request; browsers send up to 256 KiB.
    ...(options.tls
      ? { https: { key: options.tls.key, cert: options.tls.cert, maxHeaderSize: LAB_MAX_HEADER_BYTES } }
      : { http: { maxHeaderSize: LAB_MAX_HEADER_BYTES } }),
    // Probe paths may be long and carry odd characters; do not rewrite them.
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 500 },
  });

  // Keep bodies as raw bytes whatever the Content-Type: scenarios send
  // text/html, JSON that is not JSON, and so on, and the lab must not 415 them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.addHook('onRequest', async (request) => {
    const headers = headersFromRaw(request.raw.rawHeaders);
    const probeNonce = /^\/x\/([^/]+)\//.exec(request.url)?.[1];
    const controlNonce = /^\/__lab\/control\/([^/?]+)/.exec(request.url)?.[1];
    // A runner page loaded for one probe (check mode) names it, so the page load is evidence too.
    const pageNonce = /^\/__lab\/runner\?(?:[^#]*&)?nonce=([^&#]+)/.exec(request.url)?.[1];
    const nonce = probeNonce ?? controlNonce ?? pageNonce;
    const isPreflight = request.method === 'OPTIONS' && 'access-control-request-method' in headers;
    request.journalEntry = options.journal.add({
      server: options.serverKey,
      kind:
        controlNonce !== undefined
          ? 'control'
          : probeNonce === undefined
            ? 'lab'
            : isPreflight
              ? 'preflight'
              : 'request',
      method: request.method,
      url: `${options.scheme}://${headers.host ?? ''}${request.url}`,
      headers,
      nonce,
    });
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (request.journalEntry) {
      request.journalEntry.status = reply.statusCode;
      request.journalEntry.responseHeaders = reply.getHeaders() as Record<string, string | string[]>;
    }
    return payload;
  });

  app.get('/__lab/runner', async (request, reply) => {
    // The Private/Local Network Access study makes a loopback page "public"
    // with this header, as WPT does (a CSP directive from the Private Network
    // Access draft).
    if ('treat-as-public-address' in (request.query as Record<string, string>))
      reply.header('content-security-policy', 'treat-as-public-address');
    return reply.type('text/html; charset=utf-8').send(RUNNER_PAGE);
  });
  app.get('/__lab/probes.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-store').send(probeScript()),
  );

  // Scenarios use non-standard methods too (PROPFIND, PURGE...): accept every
  // method Node's HTTP parser knows, so the journal records them all.
  for (const method of METHODS) {
    if (!app.supportedMethods.includes(method)) app.addHttpMethod(method, { hasBody: true });
  }
  // The first-party visit of a cookie scenario: a top-level page on the
  // cookie's own origin that sets them.
  app.get('/__lab/set-cookies/:nonce', async (request, reply) => {
    const { nonce } = request.params as { nonce: string };
    const cookies = options.cookiesFor(nonce, (request.headers.host ?? '').replace(/:\d+$/, ''));
    if (!cookies) return reply.code(404).type('text/plain').send(`cors-lab: no cookies for ${nonce} on this host`);
    reply.header('set-cookie', cookies);
    return reply
      .type('text/html; charset=utf-8')
      .send('<!doctype html><title>cors-lab first-party visit</title><p>cookies set</p>');
  });

  // A page without cookies on any host: an engine that deletes only the
  // current document's cookies deletes a cookie jar host by host here.
  app.get(LAB_BLANK_PATH, async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send('<!doctype html><title>cors-lab blank</title>'),
  );

  // A reachability control: a top-level navigation here shows the engine can
  // reach this server, when a probe of the same nonce never did.
  app.get('/__lab/control/:nonce', async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send('<!doctype html><title>cors-lab reachability control</title><p>reached</p>'),
  );

  app.route({
    method: METHODS.filter((method) => method !== 'CONNECT'),
    url: '/x/:nonce/*',
    handler: async (request, reply) => answerProbe(request, reply, options),
  });

  if (options.tls) {
    // A handshake the browser aborts (certificate not trusted) never becomes
    // an HTTP request; journal it so an `error` cell can say why.
    app.server.on('tlsClientError', (error: Error) => {
      options.journal.add({ server: options.serverKey, kind: 'tls-error', error: error.message });
    });
  }
  return app;
}

async function answerProbe(request: FastifyRequest, reply: FastifyReply, options: LabOriginOptions) {
  const { nonce } = request.params as { nonce: string };
  const path = request.url.slice(`/x/${nonce}`.length).split('?')[0] ?? '/';
  const hostname = (request.headers.host ?? '').replace(/:\d+$/, '');
  const probe = options.lookup(nonce, hostname, path);
  if (!probe) {
    return reply.code(404).type('text/plain').send(`cors-lab: no probe ${nonce} for ${hostname}${path}`);
  }
  const isPreflight = request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
  const kind = isPreflight ? 'preflight' : 'request';
  if (probe.forwardPort !== undefined) {
    const refuse =
      isPreflight && probe.passPreflights !== undefined && probe.count('preflight') >= probe.passPreflights;
    // A preflight the cache should have saved: refused, so the outcome shows whether it was.
    if (refuse)
      return reply
        .code(403)
        .header('X-Cors-Lab', 'preflight refused by the lab: only the first passes to the middleware')
        .send();
    return forwardToMiddleware(request, reply, probe.forwardPort);
  }
  const answer = pickAnswer(probe.route, kind, probe.count(kind));

  if (answer.delayMs) {
    // A slow or hung server. Stop waiting when the browser gives up (the
    // probe's timeout aborts the request), so closing the lab never waits.
    const aborted = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), answer.delayMs);
      reply.raw.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (aborted || reply.raw.destroyed) return reply.hijack();
  }
  reply.code(answer.status);
  for (const [name, value] of Object.entries(answer.headers)) {
    reply.header(name, Array.isArray(value) ? value.map(probe.render) : probe.render(value));
  }
  if (answer.asset) {
    const asset = ASSETS[answer.asset];
    if (!reply.hasHeader('content-type')) reply.type(asset.contentType);
    return reply.send(request.method === 'HEAD' ? undefined : asset.body);
  }
  const body = answerBodyText(answer, kind);
  if (answer.status === 204 || answer.status === 304 || request.method === 'HEAD' || body === '') return reply.send();
  if (!reply.hasHeader('content-type')) reply.type('text/plain; charset=utf-8');
  return reply.send(probe.render(body));
}

const toMiddleware = new Upstream();

/**
 * The lab journals the request (onRequest), then a real middleware's server
 * answers it: the request as the browser sent it, the answer back as the
 * middleware wrote it, repeated headers and all.
 */
async function forwardToMiddleware(request: FastifyRequest, reply: FastifyReply, port: number) {
  reply.hijack();
  const entry = request.journalEntry;
  try {
    const body = Buffer.isBuffer(request.body) ? request.body : undefined;
    const answer = await toMiddleware.send({
      url: `http://127.0.0.1:${port}${request.url}`,
      method: request.method,
      headers: rawHeaderPairs(request.raw.rawHeaders),
      ...(body ? { body } : {}),
    });
    const lines = answer.headers.filter(([name]) => !isHopByHop(name));
    if (entry) {
      entry.status = answer.status;
      entry.responseHeaders = responseHeadersFromLines(lines);
    }
    reply.raw.writeHead(answer.status, lines.flat());
    answer.body.pipe(reply.raw);
  } catch (error) {
    if (entry) entry.error = `the middleware's server gave no answer: ${(error as Error).message}`;
    reply.raw.destroy();
  }
}
