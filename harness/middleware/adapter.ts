// The middleware adapter contract: how a real CORS middleware is mounted in a
// real server for a cors-lab policy. A custom adapter is a module (given to
// --middleware ./my-adapter.ts) whose default export is an adapter object:
//
//   export default {
//     name: 'my-cors',
//     version: '1.2.3',                       // shown in reports
//     create(policy, handler) {               // returns a Node request listener or an http.Server
//       const corsMiddleware = myCors(toMyOptions(policy));
//       return (request, response) => corsMiddleware(request, response, () => handler(request, response));
//     },
//   } satisfies MiddlewareAdapter;
//
// `handler` is cors-lab's route handler: it answers 200 "handled" with the
// header X-Cors-Lab-Handler: ran, so the journal shows whether a request got
// past the middleware.
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { CorsPolicy } from '../scenario/policy.ts';

/** An adapter that cannot be found, loaded or started: bad input, said in one line with the fix (no stack trace), exit 2. */
export class AdapterError extends Error {}

export interface MiddlewareAdapter {
  /** Short name used in reports and on the command line, e.g. "cors". */
  name: string;
  /** The middleware's version, and its framework's, e.g. "cors 2.8.6 on express 5.3.0". */
  version: string;
  create(policy: CorsPolicy, handler: RouteHandler): RequestListener | Server | Promise<RequestListener | Server>;
}

export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** The header cors-lab's route handler sets: its presence proves the handler ran. */
export const HANDLER_HEADER = 'X-Cors-Lab-Handler';

/** What the route handler answers; frameworks that are not Node-native (hono) answer the same natively. */
export const HANDLER_ANSWER = {
  status: 200,
  headers: { [HANDLER_HEADER]: 'ran', 'X-Request-Id': 'req-1', 'Content-Type': 'text/plain; charset=utf-8' },
  body: 'handled',
} as const;

/** cors-lab's own route handler, behind every middleware. */
export const routeHandler: RouteHandler = (_request, response) => {
  // Some frameworks preset another status (Koa: 404) until a route answers.
  response.statusCode = HANDLER_ANSWER.status;
  for (const [name, value] of Object.entries(HANDLER_ANSWER.headers)) response.setHeader(name, value);
  response.end(HANDLER_ANSWER.body);
};
