// `@koa/cors` on Koa.
import type { RequestListener } from 'node:http';
import type { MiddlewareAdapter } from '../adapter.ts';
import { allowlistFunction } from '../../scenario/policy.ts';
import { importPackages, installedVersion } from './versions.ts';

interface KoaApp {
  use(middleware: unknown): void;
  callback(): RequestListener;
}
interface KoaContext {
  get(name: string): string;
  req: unknown;
  res: unknown;
  respond: boolean;
  response: { headers: Record<string, unknown> };
}

export const koaCors: MiddlewareAdapter = {
  name: '@koa/cors',
  version: `@koa/cors ${installedVersion('@koa/cors')} on koa ${installedVersion('koa')}`,
  async create(policy, handler) {
    const [{ default: Koa }, { default: cors }] = await importPackages<
      [{ default: new () => KoaApp }, { default: (options: Record<string, unknown>) => unknown }]
    >('@koa/cors', ['koa', '@koa/cors']);
    const options: Record<string, unknown> = {};
    if (policy.origins !== undefined) {
      const list = policy.origins;
      // @koa/cors takes one ACAO value, or a function of the context returning it ('' refuses).
      options.origin =
        list === '*'
          ? '*'
          : list === 'reflect'
            ? (ctx: KoaContext) => ctx.get('Origin')
            : (ctx: KoaContext) => (allowlistFunction(list)(ctx.get('Origin') || undefined) ? ctx.get('Origin') : '');
    }
    if (policy.credentials !== undefined) options.credentials = policy.credentials;
    if (policy.methods) options.allowMethods = policy.methods;
    if (policy.allowHeaders) options.allowHeaders = policy.allowHeaders;
    if (policy.exposeHeaders) options.exposeHeaders = policy.exposeHeaders;
    if (policy.maxAge !== undefined) options.maxAge = policy.maxAge;
    if (policy.privateNetwork !== undefined) options.privateNetworkAccess = policy.privateNetwork;
    const app = new Koa();
    app.use(cors(options));
    app.use((ctx: KoaContext) => {
      // Koa keeps headers the middleware set on ctx.response until it responds: write them first.
      for (const [name, value] of Object.entries(ctx.response.headers))
        (ctx.res as { setHeader(name: string, value: unknown): void }).setHeader(name, value);
      ctx.respond = false;
      handler(ctx.req as Parameters<typeof handler>[0], ctx.res as Parameters<typeof handler>[1]);
    });
    return app.callback();
  },
};
