// The built-in adapters by name, and custom ones from a module path.
import { isAbsolute, resolve } from 'node:path';
import { importUserModule } from '../package/user-module.ts';
import { AdapterError, type MiddlewareAdapter } from './adapter.ts';
import { expressCors } from './adapters/express-cors.ts';
import { fastifyCors } from './adapters/fastify-cors.ts';
import { honoCors } from './adapters/hono-cors.ts';
import { koaCors } from './adapters/koa-cors.ts';

export const BUILTIN_ADAPTERS: Record<string, MiddlewareAdapter> = {
  cors: expressCors,
  '@fastify/cors': fastifyCors,
  hono: honoCors,
  '@koa/cors': koaCors,
};

/** "cors", "hono", ... or a path to a module whose default export is an adapter. */
export async function loadAdapter(spec: string): Promise<MiddlewareAdapter> {
  const builtin = BUILTIN_ADAPTERS[spec];
  if (builtin) return builtin;
  if (!/^[./]/.test(spec) && !isAbsolute(spec)) {
    // "adapter.ts": a module meant as a path, written as a bare name (which npm would read as a package).
    if (/\.[cm]?[jt]s$/.test(spec))
      throw new AdapterError(
        `unknown middleware "${spec}": a path to an adapter module starts with ./ or /, so write ./${spec}. The built-in ones are ${Object.keys(BUILTIN_ADAPTERS).join(', ')}`,
      );
    throw new AdapterError(
      `unknown middleware "${spec}". Use ${Object.keys(BUILTIN_ADAPTERS).join(', ')}, or a path to your adapter module (./my-adapter.ts)`,
    );
  }
  const file = resolve(spec);
  let adapter: Partial<MiddlewareAdapter> | undefined;
  try {
    adapter = (await importUserModule(file)) as Partial<MiddlewareAdapter> | undefined;
  } catch (error) {
    throw new AdapterError(`cannot load the adapter ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!adapter || typeof adapter.name !== 'string' || typeof adapter.create !== 'function') {
    throw new AdapterError(
      `${file}: the default export must be an adapter { name, version, create(policy, handler) } (the MiddlewareAdapter type, exported by cors-lab)`,
    );
  }
  return {
    name: adapter.name,
    version: typeof adapter.version === 'string' ? adapter.version : 'unknown',
    create: adapter.create.bind(adapter),
  };
}
