// The README's examples are files a user copies: each one stays the same as
// the file the tests run (the example suite, the package test's project), and
// its scenario example loads.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../../harness/scenario/loader.ts';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const blocks = (language: string) =>
  [...README.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((match) => match[1]!);

describe('README examples', () => {
  it.each([
    'examples/middleware-author/global-setup.ts',
    'examples/middleware-author/simple-cors.test.ts',
    'examples/middleware-author/adapter.ts',
    'tests/package/project/vitest.config.ts',
  ])('shows %s as it is', (file) => {
    const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
    const firstLine = text.split('\n')[0]!;
    const shown = blocks('ts').filter((block) => block.startsWith(`${firstLine}\n`));
    expect(shown).toEqual([text]);
  });

  it('the scenario in "Writing a scenario" loads without problems', () => {
    const example = blocks('yaml').find((block) => block.startsWith('# yaml-language-server'))!;
    const { scenarios, problems } = loadScenarioText(example, 'my-scenario.yaml');
    expect(problems).toEqual([]);
    expect(scenarios.map((scenario) => scenario.expect.spec)).toEqual(['allowed']);
  });
});
