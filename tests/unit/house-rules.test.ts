// The house rules npm test runs before the suites (format:check, lint,
// typecheck) each refuse what they are there to refuse: an unformatted file,
// a floating promise, a type error in a test. Each is shown a small file of
// that kind, in a folder of its own inside the project (so the project's
// tsconfig and settings apply), removed afterwards.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runCommand } from '../helpers.ts';

const bin = (name: string) => join(PROJECT_ROOT, 'node_modules', '.bin', name);
const dir = mkdtempSync(join(PROJECT_ROOT, 'tests', 'house-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('house rules', () => {
  it('the formatter refuses an unformatted file', async () => {
    writeFileSync(join(dir, 'unformatted.ts'), 'export const answer = {a:1,   b:"two"}\n');
    const checked = await runCommand(bin('prettier'), ['--check', join(dir, 'unformatted.ts')], { cwd: PROJECT_ROOT });
    expect(checked.status).not.toBe(0);
    expect(checked.stdout + checked.stderr).toContain('unformatted.ts');
  });

  it('the linter refuses a floating promise and a promise where a callback returns nothing', async () => {
    writeFileSync(
      join(dir, 'promises.ts'),
      'async function save(): Promise<void> {}\nsave();\nsetTimeout(async () => save(), 10);\n',
    );
    const linted = await runCommand(bin('oxlint'), ['--type-aware', '-c', '.oxlintrc.json', join(dir, 'promises.ts')], {
      cwd: PROJECT_ROOT,
    });
    expect(linted.status).not.toBe(0);
    expect(linted.stdout).toContain('no-floating-promises');
    expect(linted.stdout).toContain('no-misused-promises');
  });

  it('the type check covers test files', async () => {
    // npm run typecheck is tsc over the project's tsconfig, which includes the tests, the benchmark and the examples.
    const project = JSON.parse(
      readFileSync(join(PROJECT_ROOT, 'tsconfig.json'), 'utf8').replace(/^\s*\/\/.*$/gm, ''),
    ) as { include: string[] };
    expect(project.include).toEqual(expect.arrayContaining(['tests', 'bench', 'examples']));
    writeFileSync(join(dir, 'wrong.test-types.ts'), "const count: number = 'three';\nexport { count };\n");
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ extends: '../../tsconfig.json', include: ['wrong.test-types.ts'] }),
    );
    const checked = await runCommand(bin('tsc'), ['--noEmit', '-p', join(dir, 'tsconfig.json')], { cwd: PROJECT_ROOT });
    expect(checked.status).not.toBe(0);
    expect(checked.stdout).toMatch(/wrong\.test-types\.ts\(1,7\): error TS2322/);
  });
});
