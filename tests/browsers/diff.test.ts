// `cors-lab diff` on real runs: the catalog's cookie scenarios in all three
// engines under two profiles, and a run against itself.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunDiff } from '../../harness/result/diff.ts';
import type { RunResult } from '../../harness/result/result.ts';
import { runCli, tempDir } from '../helpers.ts';

const COOKIES = new URL('../../scenarios/cookies', import.meta.url).pathname;
let dir = '';
const result = (name: string) => JSON.parse(readFileSync(join(dir, name, 'result.json'), 'utf8')) as RunResult;

beforeAll(async () => {
  dir = tempDir('diff');
  for (const profile of ['allow-third-party', 'defaults']) {
    const run = await runCli([
      'run',
      COOKIES,
      '--profile',
      profile,
      '--reporter',
      'json',
      '--out',
      join(dir, profile),
      '--no-color',
    ]);
    expect(run.status, run.stderr).toBe(0);
  }
}, 300_000);

describe('cors-lab diff', () => {
  it('between two profiles: exactly the cookie cells whose outcome changes, with evidence, not aligned, exit 1', async () => {
    const before = result('allow-third-party');
    const after = result('defaults');
    // What the diff must find, straight from the two results.
    const outcome = (run: RunResult) =>
      new Map(run.results.map((cell) => [`${cell.scenario} ${cell.engine}`, `${cell.outcome} ${cell.verdict}`]));
    const expected = [...outcome(before)]
      .filter(([cell, value]) => outcome(after).get(cell) !== value)
      .map(([cell]) => cell)
      .sort();
    expect(expected.length).toBeGreaterThan(0);

    const run = await runCli([
      'diff',
      join(dir, 'allow-third-party', 'result.json'),
      join(dir, 'defaults', 'result.json'),
      '--reporter',
      'json,markdown,html',
      '--out',
      join(dir, 'diff'),
      '--wide',
    ]);
    expect(run.status, run.stderr).toBe(1);
    const diff = JSON.parse(readFileSync(join(dir, 'diff', 'diff.json'), 'utf8')) as RunDiff;
    expect(diff.aligned).toBe(false);
    expect(diff.alignment).toEqual(['profile: allow-third-party vs defaults']);
    expect(diff.changes.map((change) => `${change.scenario} ${change.engine}`).sort()).toEqual(expected);
    for (const change of diff.changes) {
      // A cookie the engine's policy withheld in the defaults profile: the cell moved away from the spec.
      expect(change.kind).toBe('regressed');
      expect(change.after!.verdict).toBe('cookie-policy');
      expect(change.differences).toEqual([
        "outcome: 'allowed' → 'blocked'",
        "verdict: 'matches-spec' → 'cookie-policy'",
        "expected: 'allowed' → 'blocked'",
        'cookies sent: true → false',
      ]);
      expect(change.cause).toBe('cookies the engine sent');
    }
    expect(diff.summary.regressed).toBe(expected.length);
    expect(run.stdout).toContain('NOT aligned: profile: allow-third-party vs defaults');
    expect(run.stdout).toMatch(new RegExp(`${expected.length} regressed, 0 improved, 0 changed, 0 added, 0 removed`));
    expect(readFileSync(join(dir, 'diff', 'diff.md'), 'utf8')).toMatch(/### Regressed \(\d+\)/);
    // The HTML is the matrix page with both runs side by side, the diff above it.
    const html = readFileSync(join(dir, 'diff', 'diff.html'), 'utf8');
    expect(html).toContain('<h3>Regressed (');
    expect(/"heading":"before · chromium","subheading":"Chromium \d/.test(html)).toBe(true);
    expect(/"heading":"after · webkit","subheading":"WebKitGTK /.test(html)).toBe(true);
  });

  it('a run against itself: no changes, aligned, exit 0; --fail-on changed turns a change into exit 1', async () => {
    const same = await runCli(['diff', join(dir, 'defaults', 'result.json'), join(dir, 'defaults', 'result.json')]);
    expect(same.status, same.stderr).toBe(0);
    expect(same.stdout).toContain('aligned: the same rows, profile and options');
    expect(same.stdout).toMatch(/^no changes \(\d+ cells compared\)$/m);
    // The reverse direction improves: not a failure by default, a failure when any change is.
    const reverse = await runCli([
      'diff',
      join(dir, 'defaults', 'result.json'),
      join(dir, 'allow-third-party', 'result.json'),
      '--wide',
    ]);
    expect(reverse.status).toBe(0);
    expect(reverse.stdout).toMatch(/0 regressed, \d+ improved/);
    const strict = await runCli([
      'diff',
      join(dir, 'defaults', 'result.json'),
      join(dir, 'allow-third-party', 'result.json'),
      '--fail-on',
      'changed',
    ]);
    expect(strict.status).toBe(1);
  });

  it('refuses what it cannot compare, naming the file', async () => {
    const bad = await runCli(['diff', join(dir, 'nothing.json'), join(dir, 'defaults', 'result.json')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(`${join(dir, 'nothing.json')}: cannot read it (ENOENT). Fix: check the path`);
  });
});
