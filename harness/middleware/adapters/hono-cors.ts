// `hono/cors` on @hono/node-server.
import type { RequestListener } from 'node:http';
import { HANDLER_ANSWER, type MiddlewareAdapter } from '../adapter.ts';
import { allowlistFunction } from '../../scenario/policy.ts';
import { importPackages, installedVersion } from './versions.ts';

interface HonoContext {
  header(name: string, value: string): void;
  body(body: string, status: number): Response;
}
interface HonoApp {
  use(path: string, middleware: unknown): void;
  all(path: string, handler: (context: HonoContext) => Response): void;
  fetch: (request: Request, env?: unknown) => Response | Promise<Response>;
}

export const honoCors: MiddlewareAdapter = {
  name: 'hono',
  version: `hono/cors ${installedVersion('hono')} on @hono/node-server ${installedVersion('@hono/node-server')}`,
  // hono answers with Response objects: its route gives cors-lab's handler answer natively.
  async create(policy) {
    const [{ Hono }, { cors }, { getRequestListener }] = await importPackages<
      [
        { Hono: new () => HonoApp },
        { cors: (options: Record<string, unknown>) => unknown },
        { getRequestListener: (fetch: HonoApp['fetch']) => RequestListener },
      ]
    >('hono', ['hono', 'hono/cors', '@hono/node-server']);
    const options: Record<string, unknown> = {};
    if (policy.origins !== undefined) {
      const list = policy.origins;
      // hono takes the ACAO value to send: a function returning it, or nothing to refuse.
      options.origin =
        list === '*'
          ? '*'
          : list === 'reflect'
            ? (origin: string) => origin
            : policy.originFunction
              ? (origin: string) => (allowlistFunction(list)(origin) ? origin : null)
              : list;
    }
    if (policy.credentials !== undefined) options.credentials = policy.credentials;
    if (policy.methods) options.allowMethods = policy.methods;
    if (policy.allowHeaders) options.allowHeaders = policy.allowHeaders;
    if (policy.exposeHeaders) options.exposeHeaders = policy.exposeHeaders;
    if (policy.maxAge !== undefined) options.maxAge = policy.maxAge;
    // hono/cors has no Private Network Access option.
    const app = new Hono();
    app.use('*', cors(options));
    app.all('*', (context) => {
      for (const [name, value] of Object.entries(HANDLER_ANSWER.headers)) context.header(name, value);
      return context.body(HANDLER_ANSWER.body, HANDLER_ANSWER.status);
    });
    return getRequestListener(app.fetch);
  },
};
