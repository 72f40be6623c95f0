// Fault: a check whose target never answers (it takes the connection and
// sends nothing, so the check goes on to the browsers; a target that refuses
// connections stops the check before them, see tests/check). Every cell, the
// sweep's included, is an error (no answer); the sweep's headline must not
// claim a refusal it never saw.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../harness/result/result.ts';
import { startFixture } from '../check-helpers.ts';
import { expectValidResult, runCli, tempDir } from '../helpers.ts';

describe('a sweep that reached nothing', () => {
  it('says the hostile origins were not tested, in the terminal and the reports, and does not pass', async () => {
    const server = await startFixture('streaming-server');
    const dir = tempDir('fault-sweep');
    let run;
    try {
      run = await runCli([
        'check',
        `http://api.example.com:${server.port}/hang`,
        '--resolve',
        `api.example.com:${server.port}:127.0.0.1`,
        '--origin',
        'http://app.example.com',
        '--credentials',
        'include',
        '--browsers',
        'chromium',
        '--timeout',
        '2s',
        '--reporter',
        'json,markdown',
        '--out',
        dir,
        '--no-color',
        '--wide',
      ]);
    } finally {
      await server.stop();
    }
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as CheckResult;
    expectValidResult(result);
    const sweepCells = result.results.filter((cell) =>
      result.scenarios.find((scenario) => scenario.id === cell.scenario)!.tags.includes('sweep'),
    );
    expect(sweepCells.length).toBeGreaterThan(0);
    expect(sweepCells.every((cell) => cell.outcome === 'error')).toBe(true);
    const headline = `Security sweep: not tested: all ${sweepCells.length} hostile-origin cells are errors (no answer), so no refusal was seen.`;
    expect(run.stdout).toContain(headline);
    expect(run.stdout).not.toMatch(/every hostile origin was refused/);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toContain(headline);
    expect(run.status).not.toBe(0);
  }, 120_000);
});
