// A tiny CORS middleware (connect-style: request, response, next), the kind a
// middleware author maintains. Its own suite, simple-cors.test.ts, checks it
// in real browsers with cors-lab.
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface SimpleCorsOptions {
  /** Exact origins allowed, e.g. ['https://app.example.com']. */
  origins: string[];
  credentials?: boolean;
  /** Default: GET, HEAD, POST. */
  methods?: string[];
  /** Default: whatever the preflight asks for. */
  allowHeaders?: string[];
  exposeHeaders?: string[];
  maxAge?: number;
}

export function simpleCors(options: SimpleCorsOptions) {
  const methods = (options.methods ?? ['GET', 'HEAD', 'POST']).join(', ');
  return (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    const origin = request.headers.origin;
    const allowed = origin !== undefined && options.origins.includes(origin);
    // The answer depends on the Origin, so caches must key on it, refusals included.
    response.setHeader('Vary', 'Origin');
    if (allowed) {
      response.setHeader('Access-Control-Allow-Origin', origin);
      if (options.credentials) response.setHeader('Access-Control-Allow-Credentials', 'true');
      if (options.exposeHeaders) response.setHeader('Access-Control-Expose-Headers', options.exposeHeaders.join(', '));
    }
    const preflight = request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
    if (!preflight) return next();
    if (allowed) {
      response.setHeader('Access-Control-Allow-Methods', methods);
      const asked = request.headers['access-control-request-headers'];
      const headers = options.allowHeaders?.join(', ') ?? asked;
      if (headers) response.setHeader('Access-Control-Allow-Headers', headers);
      if (options.maxAge !== undefined) response.setHeader('Access-Control-Max-Age', String(options.maxAge));
    }
    response.statusCode = 204;
    response.setHeader('Content-Length', '0');
    response.end();
  };
}
