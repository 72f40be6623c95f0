// The documentation's examples are files a user copies: each one stays the
// same as the file the tests run (the example suite, the package test's
// project), wherever the page showing it now lives; its scenario example
// loads; and no relative link between the pages is broken.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../../harness/scenario/loader.ts';
import { docBlocks as blocks, docPages } from '../docs.ts';
import { PROJECT_ROOT } from '../helpers.ts';

describe('documentation examples', () => {
  it.each([
    'examples/middleware-author/global-setup.ts',
    'examples/middleware-author/simple-cors.ts',
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

  it('every relative link between the pages (and to files and images) leads somewhere', () => {
    const broken: string[] = [];
    for (const page of docPages()) {
      const text = readFileSync(join(PROJECT_ROOT, page), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:|#)/.test(target!)) continue;
        const path = target!.split('#')[0]!;
        if (!existsSync(join(PROJECT_ROOT, dirname(page), path))) broken.push(`${page}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('the README is a landing page: at most 200 lines, linking each guide', () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    expect(readme.split('\n').length).toBeLessThanOrEqual(200);
    for (const guide of docPages().filter((page) => page.startsWith('docs/')))
      expect(readme, guide).toContain(`](${guide})`);
  });
});
