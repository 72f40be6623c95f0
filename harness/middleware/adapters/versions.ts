// Installed package versions, read from their package.json (never assumed).
import { createRequire } from 'node:module';
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
export class MissingPackageError extends Error {}

/** A clear error for a missing adapter package. */
export async function importPackage<T>(pkg: string, adapter: string): Promise<T> {
  try {
    return (await import(pkg)) as T;
  } catch (error) {
    throw new MissingPackageError(
      `the ${adapter} adapter needs the npm package "${pkg}" (${(error as Error).message.split('\n')[0]}). Fix: npm install --save-dev ${pkg}`,
    );
  }
}
