// Loads a module from the user's own project: a cors-lab.config.ts, or an
// adapter given to --middleware. Node imports it natively when Node will read
// it as an ES module (.mts/.mjs, .cts/.cjs, or .ts/.js under "type": "module").
// A .ts or .js file under "type": "commonjs" (what `npm init` writes) is read
// by Node as CommonJS, so `import`/`export` in it fail; jiti, the loader ESLint
// and Tailwind use for their TypeScript configs, reads those in any project.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createJiti } from 'jiti';
import { nearestPackageJson } from './root.ts';

/** Whether Node itself reads `file` as an ES module or by its extension's fixed format. */
function nodeDecidesFormat(file: string): boolean {
  if (/\.(m|c)(t|j)s$/.test(file)) return true;
  return nearestPackageJson(dirname(file))?.json.type === 'module';
}

/** The module's default export (module.exports for CommonJS). Errors say which file could not be loaded and why. */
export async function importUserModule(file: string): Promise<unknown> {
  if (!existsSync(file)) throw new Error(`${file} does not exist`);
  if (nodeDecidesFormat(file)) {
    const loaded = (await import(pathToFileURL(file).href)) as { default?: unknown };
    return loaded.default;
  }
  // No cache on disk: nothing is written into the user's project.
  const jiti = createJiti(import.meta.url, { fsCache: false, moduleCache: false });
  return jiti.import(file, { default: true });
}
