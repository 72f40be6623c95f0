// Where cors-lab's own files are: the repository root when the TypeScript runs
// from a clone, the package folder when the built JavaScript runs from
// node_modules (dist/harness/... sits one level deeper there, so a fixed
// relative path cannot serve both).
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageJson {
  name?: string;
  version?: string;
  type?: string;
}

/** The nearest package.json at or above `dir` that `accept` takes (Node's own rule takes the first), or undefined. */
export function nearestPackageJson(
  dir: string,
  accept: (json: PackageJson) => boolean = () => true,
): { dir: string; json: PackageJson } | undefined {
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const json = JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
      if (accept(json)) return { dir, json };
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function findPackageRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const found = nearestPackageJson(here, (json) => json.name === 'cors-lab');
  if (!found) throw new Error(`cors-lab: cannot find its own package.json above ${here}`);
  return found.dir;
}

export const PACKAGE_ROOT = findPackageRoot();

/** The built-in scenario catalog. */
export const BUILTIN_CATALOG = join(PACKAGE_ROOT, 'scenarios');

export function toolVersion(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as PackageJson).version ?? 'unknown';
}

/** cors-lab's per-user cache (lab certificates, the built clock shim): CORS_LAB_CACHE, or cors-lab under XDG_CACHE_HOME or ~/.cache. */
export function userCacheDir(): string {
  return process.env.CORS_LAB_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cors-lab');
}
