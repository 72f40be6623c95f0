// Config files and adapters from a user's project load whatever the project's
// module system: "type": "commonjs" (what npm init writes), "type": "module",
// or no type at all. They are loaded in a plain Node process, as the CLI loads
// them: vitest's own module runner would stand in for Node's import() here.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE, PROJECT_ROOT, runCommand, tempDir } from '../helpers.ts';

/** Runs `expression` (with planFromConfig, loadAdapter and importUserModule in scope) in a fresh Node; its JSON value, or the error message. */
async function inNode(expression: string): Promise<{ value?: unknown; error?: string }> {
  const script = `
import { planFromConfig } from '${PROJECT_ROOT}harness/check/plan.ts';
import { loadAdapter } from '${PROJECT_ROOT}harness/middleware/registry.ts';
import { importUserModule } from '${PROJECT_ROOT}harness/package/user-module.ts';
try { process.stdout.write(JSON.stringify({ value: await (${expression}) })); }
catch (error) { process.stdout.write(JSON.stringify({ error: error.problems ? error.problems.map((p) => p.file + ': ' + p.message).join('; ') : error.message })); }
`;
  const finished = await runCommand(NODE, ['--input-type=module', '-e', script]);
  if (finished.status !== 0) throw new Error(finished.stderr);
  return JSON.parse(finished.stdout) as { value?: unknown; error?: string };
}

const config = {
  endpoints: [{ name: 'me', url: 'https://api.example.com/me', origins: { 'https://app.example.com': 'allowed' } }],
};
const esm = `const config: unknown = ${JSON.stringify(config)};\nexport default config;\n`;
const esmJs = `export default ${JSON.stringify(config)};\n`;
const cjs = `module.exports = ${JSON.stringify(config)};\n`;
/** Each config file a user may write, in the syntax its extension implies. */
const FILES: Record<string, string> = {
  'cors-lab.config.ts': esm,
  'cors-lab.config.mts': esm,
  'cors-lab.config.cts': `const config: unknown = ${JSON.stringify(config)};\nmodule.exports = config;\n`,
  'cors-lab.config.js': esmJs,
  'cors-lab.config.mjs': esmJs,
  'cors-lab.config.cjs': cjs,
  'cors-lab.yaml': `endpoints:\n  - name: me\n    url: https://api.example.com/me\n    origins: { "https://app.example.com": allowed }\n`,
};

function projectOfType(type: 'commonjs' | 'module' | undefined): string {
  const dir = tempDir(`user-project-${type ?? 'untyped'}`);
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'my-api', version: '1.0.0', ...(type ? { type } : {}) }),
  );
  return dir;
}

describe.each(['commonjs', 'module', undefined] as const)('a project with "type": %s', (type) => {
  it.each(Object.keys(FILES))('loads %s', async (name) => {
    const dir = projectOfType(type);
    writeFileSync(join(dir, name), FILES[name]!);
    const { value: plan, error } = await inNode(`planFromConfig(${JSON.stringify(join(dir, name))})`);
    expect(error).toBeUndefined();
    expect((plan as { endpoints: unknown }).endpoints).toMatchObject([
      {
        name: 'me',
        url: 'https://api.example.com/me',
        origins: [{ origin: 'https://app.example.com', expect: 'allowed' }],
      },
    ]);
  });

  it('loads a TypeScript adapter that imports a TypeScript middleware beside it', async () => {
    const dir = projectOfType(type);
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/my-cors.ts'), `export const myCors = (origin: string) => ({ origin });\n`);
    writeFileSync(
      join(dir, 'adapter.ts'),
      `import { myCors } from './src/my-cors.ts';\nexport default { name: 'mine', version: 'mine 1.0.0', create: () => myCors('x') };\n`,
    );
    const { value } = await inNode(
      `loadAdapter(${JSON.stringify(join(dir, 'adapter.ts'))}).then((adapter) => ({ ...adapter, made: adapter.create({}, () => {}) }))`,
    );
    expect(value).toEqual({ name: 'mine', version: 'mine 1.0.0', made: { origin: 'x' } });
  });
});

describe('errors', () => {
  it('a file that does not exist is named', async () => {
    expect(await inNode(`importUserModule('/nonexistent/cors-lab.config.ts')`)).toEqual({
      error: '/nonexistent/cors-lab.config.ts does not exist',
    });
  });

  it('a syntax error in a config is reported with the file, and nothing runs', async () => {
    const dir = projectOfType('commonjs');
    writeFileSync(join(dir, 'cors-lab.config.ts'), 'export default {\n');
    const { error } = await inNode(`planFromConfig(${JSON.stringify(join(dir, 'cors-lab.config.ts'))})`);
    expect(error).toMatch(new RegExp(`^${join(dir, 'cors-lab.config.ts')}: cannot load: `));
  });
});
