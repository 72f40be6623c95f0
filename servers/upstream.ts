// How the lab reaches a server it does not run (the target of `cors-lab
// check`): at its real address, or where a curl-style --resolve rule points,
// verifying TLS with the system roots plus any CA the user gave (--ca). The
// lab's proxy forwards browser traffic through this, and the replay uses it
// too, so both see the target exactly the same way.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { PassThrough, type Readable } from 'node:stream';
import { checkServerIdentity, rootCertificates, type PeerCertificate } from 'node:tls';

/** curl's --resolve: requests for host:port go to address:port instead. */
export interface ResolveRule {
  host: string;
  port: number;
  address: string;
  /** The port to connect to (curl's form names one; default: the same port). */
  targetPort: number;
}

export interface UpstreamOptions {
  resolve?: ResolveRule[];
  /** Extra trusted CA certificates (PEM), besides the system roots. */
  caPems?: string[];
  /** Give up on a request that has no answer after this long. */
  timeoutMs?: number;
}

export interface UpstreamRequest {
  url: string;
  method: string;
  /** Raw header lines in order, as the client sent them. */
  headers: [string, string][];
  body?: Readable | Buffer | string;
}

export interface UpstreamAnswer {
  status: number;
  /** Raw header lines in order; repeated names stay separate. */
  headers: [string, string][];
  /** The body stream (consume or discard it). */
  body: Readable;
}

/** Headers that belong to one connection, never forwarded (RFC 9110 § 7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export function isHopByHop(name: string): boolean {
  return HOP_BY_HOP.has(name.toLowerCase());
}

/** Parses curl's "host:port:address[:port]" (an IPv6 address in brackets). */
/** A URL's host as certificates, resolve rules and the lab's proxy name it: lowercase, an IPv6 address without its brackets. */
export function bareHostname(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
}

export function parseResolveRule(text: string): ResolveRule | string {
  const match = /^([^:\s]+):(\d{1,5}):(\[[0-9a-fA-F:.]+\]|[^:\s]+)(?::(\d{1,5}))?$/.exec(text.trim());
  if (!match) return `'${text}' is not host:port:address[:port] (for example api.example.com:443:127.0.0.1:8443)`;
  const port = Number(match[2]);
  const targetPort = match[4] === undefined ? port : Number(match[4]);
  if (port < 1 || port > 65535 || targetPort < 1 || targetPort > 65535) return `'${text}' has a port outside 1-65535`;
  return { host: match[1]!.toLowerCase(), port, address: match[3]!.replace(/^\[|\]$/g, ''), targetPort };
}

export class Upstream {
  readonly #resolve: ResolveRule[];
  readonly #ca: string[];
  readonly #timeoutMs: number;

  constructor(options: UpstreamOptions = {}) {
    this.#resolve = options.resolve ?? [];
    this.#ca = [...rootCertificates, ...(options.caPems ?? [])];
    this.#timeoutMs = options.timeoutMs ?? 15_000;
  }

  /** Where a connection for `url` really goes: "address:port", after --resolve. */
  addressFor(url: URL): { host: string; port: number } {
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const host = bareHostname(url);
    const rule = this.#resolve.find((candidate) => candidate.host === host && candidate.port === port);
    if (rule) return { host: rule.address, port: rule.targetPort };
    // As the browsers do: *.localhost is loopback, whatever the system resolver says.
    if (host === 'localhost' || host.endsWith('.localhost')) return { host: '127.0.0.1', port };
    return { host, port };
  }

  /** Sends one request and resolves with the answer's head; rejects with a readable reason. */
  send(request: UpstreamRequest): Promise<UpstreamAnswer> {
    const url = new URL(request.url);
    const { host, port } = this.addressFor(url);
    const https = url.protocol === 'https:';
    // Raw header lines keep their case, order and repeats; hop-by-hop ones stay here.
    const lines = request.headers.filter(([name]) => !isHopByHop(name));
    // Node adds no Host to a raw header list; HTTP/1.1 requires one.
    if (!lines.some(([name]) => name.toLowerCase() === 'host')) lines.unshift(['Host', url.host]);
    const headers = lines.flat();
    return new Promise((resolve, reject) => {
      const options = {
        host,
        port,
        method: request.method,
        path: `${url.pathname}${url.search}`,
        headers,
        // One connection per request: nothing is shared between probes.
        agent: false as const,
        ...(https
          ? {
              servername: isIp(url.hostname) ? undefined : url.hostname,
              ca: this.#ca,
              ALPNProtocols: ['http/1.1'],
              // The certificate must name the URL's host, wherever --resolve points.
              checkServerIdentity: (_host: string, certificate: PeerCertificate) =>
                checkServerIdentity(bareHostname(url), certificate),
            }
          : {}),
      };
      const outgoing = (https ? httpsRequest : httpRequest)(options, (answer) => {
        const head = { status: answer.statusCode ?? 0, headers: rawHeaderPairs(answer.rawHeaders) };
        if (https || head.status !== 400) return resolve({ ...head, body: answer });
        // A TLS listener that answers plain HTTP with a 400 page of its own (nginx, Apache, Caddy, Go say so in
        // it) was spoken to in the wrong protocol: the server's own routes never saw the request.
        void sniff(answer, SNIFF_BYTES).then(({ seen, body }) => {
          const said = PLAIN_HTTP_ON_TLS.exec(seen);
          if (!said) return resolve({ ...head, body });
          body.destroy();
          reject(
            new Error(
              `TLS: ${url.protocol}//${url.host} (connecting to ${host}:${port}) answered a plain-HTTP request with 400 "${said[0]}": it speaks TLS on that port; use an https:// URL for it`,
            ),
          );
        }, reject);
      });
      outgoing.setTimeout(this.#timeoutMs, () => outgoing.destroy(new Error(`no answer within ${this.#timeoutMs} ms`)));
      outgoing.on('error', (error) =>
        reject(new Error(describeNetworkError(error, `${url.protocol}//${url.host}`, host, port))),
      );
      const body = request.body;
      if (body === undefined) outgoing.end();
      else if (typeof body === 'string' || Buffer.isBuffer(body)) outgoing.end(body);
      else body.pipe(outgoing);
    });
  }
}

/** What TLS listeners say in the 400 page they answer a plain-HTTP request with: nginx, Apache httpd, Caddy and Go's net/http. */
const PLAIN_HTTP_ON_TLS =
  /The plain HTTP request was sent to HTTPS port|speaking plain HTTP to an SSL-enabled server port|Client sent an HTTP request to an HTTPS server/i;
/** How much of a 400 answer's body is read to look for those words (they come first, in a page of a few hundred bytes). */
const SNIFF_BYTES = 2048;

/** The first `limit` bytes of a body (or all of a shorter one) as text, and a stream that still gives the whole body. */
function sniff(answer: IncomingMessage, limit: number): Promise<{ seen: string; body: Readable }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const done = (ended: boolean) => {
      answer.off('data', onData).off('end', onEnd).off('error', reject);
      answer.pause();
      const seen = Buffer.concat(chunks);
      const body = new PassThrough();
      body.write(seen);
      if (ended) body.end();
      else answer.pipe(body);
      // The caller may destroy the stream to drop the body: the connection goes with it.
      body.once('close', () => answer.destroy());
      resolve({ seen: seen.toString('latin1'), body });
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= limit) done(false);
    };
    const onEnd = () => done(true);
    answer.on('data', onData).once('end', onEnd).once('error', reject);
  });
}

/** Node's flat rawHeaders list as [name, value] lines, case and order kept. */
export function rawHeaderPairs(raw: string[]): [string, string][] {
  const result: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) result.push([raw[i]!, raw[i + 1]!]);
  return result;
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

/** Whether a reason describeNetworkError gave means the target cannot be reached or trusted at all (DNS, refused, untrusted TLS), as against one that was reached and did not answer in time. */
export function meansUnreachable(reason: string): boolean {
  return /^(TLS: |connection refused by |DNS: )/.test(reason);
}

const firstLineOf = (text: string) => text.split('\n')[0]!.trim();

/** "TLS: certificate from an unknown CA (UNABLE_TO_VERIFY_LEAF_SIGNATURE); pass its CA with --ca" rather than a bare code. */
function describeNetworkError(error: Error & { code?: string }, origin: string, host: string, port: number): string {
  const where = `${origin} (connecting to ${host}:${port})`;
  const code = error.code ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) {
    // Node's own hint (run Node with --use-system-ca) is not the fix here: cors-lab's --ca is.
    return `TLS: ${where} presented a certificate that is not trusted (${code}: ${error.message.replace(/; if the root CA is installed locally.*$/s, '')}); if it comes from your own CA, pass it with --ca`;
  }
  if (code === 'ECONNREFUSED') return `connection refused by ${where}: is the server running?`;
  // OpenSSL's "wrong version number": the first bytes back were not a TLS record, typically an HTTP answer.
  if (code === 'EPROTO' && /wrong version number|packet length too long|http request/i.test(error.message))
    return `TLS: ${where} did not answer the TLS handshake (it speaks plain HTTP on that port?): use an http:// URL for it, or the port of its https listener`;
  if (code === 'EPROTO') return `TLS: the handshake with ${where} failed (${firstLineOf(error.message)})`;
  // The mirror case: a TLS listener given a plain-HTTP request hangs up (Node) or answers with a TLS record, not HTTP.
  if (origin.startsWith('http:') && (code === 'ECONNRESET' || code.startsWith('HPE_')))
    return `TLS: ${where} hung up on a plain-HTTP request without an answer (${code}: ${firstLineOf(error.message)}); does it speak TLS on that port? Then use an https:// URL for it`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return `DNS: ${origin} does not resolve (${code}); point it at a server with --resolve`;
  return `${where}: ${code ? `${code}: ` : ''}${error.message}`;
}
