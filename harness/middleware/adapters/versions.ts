// Installed package versions, read from their package.json (never assumed).
import { createRequire } from 'node:module';
import { AdapterError } from '../adapter.ts';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

export function installedVersion(pkg: string): string {
  try {
    // Some packages do not export ./package.json: find it from their entry.
    let dir = dirname(require.resolve(pkg));
    for (;;) {
      try {
        const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (json.name === pkg && json.version) return json.version;
      } catch {
        // keep looking upwards
      }
      const parent = dirname(dir);
      if (parent === dir) return 'unknown';
      dir = parent;
    }
  } catch {
    return 'not installed';
  }
}

/** A middleware package the user has not installed: bad input, said in one line with the install command (no stack trace). */
export class MissingPackageError extends AdapterError {}

/** The npm package a module specifier names: "hono/cors" is hono's, "@fastify/cors" its own. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/**
 * Every module an adapter needs, imported together, so that one error names
 * every package missing and one install command adds them all (not express,
 * then cors on the next try).
 */
export async function importPackages<T extends unknown[]>(
  adapter: string,
  specifiers: { [K in keyof T]: string },
): Promise<T> {
  const settled = await Promise.allSettled(specifiers.map((specifier: string) => import(specifier)));
  const failed = settled.flatMap((outcome, at) => (outcome.status === 'rejected' ? [{ at, why: outcome.reason }] : []));
  if (failed.length > 0) {
    const packages = [...new Set(failed.map(({ at }) => packageOf(specifiers[at]!)))];
    const named = packages.map((name) => `"${name}"`).join(' and ');
    throw new MissingPackageError(
      `the ${adapter} adapter needs the npm package${packages.length > 1 ? 's' : ''} ${named} (${(failed[0]!.why as Error).message.split('\n')[0]}). Fix: npm install --save-dev ${packages.join(' ')}`,
    );
  }
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as T;
}
