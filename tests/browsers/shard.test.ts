// run --shard i/n and cors-lab merge: two shards of a part of the catalog,
// each run in all three engines, merged, equal the unsharded run cell for
// cell (outcome and verdict); shards that do not belong together are refused.
// The fonts are in it because a split once showed WebKit losing @font-face
// probes in a page whose other probes differed (the rule's FontFace was not
// there yet when the probe looked).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../harness/result/result.ts';
import { runCli, tempDir } from '../helpers.ts';

const PART = ['basics', 'wildcards', 'font'].map(
  (folder) => new URL(`../../scenarios/${folder}`, import.meta.url).pathname,
);
let dir = '';
const read = (name: string) => JSON.parse(readFileSync(join(dir, name, 'result.json'), 'utf8')) as RunResult;
const cells = (result: RunResult) =>
  result.results.map((cell) => `${cell.scenario} ${cell.engine}: ${cell.outcome} ${cell.verdict}`).sort();

beforeAll(async () => {
  dir = tempDir('shard');
  for (const [name, extra] of [
    ['whole', []],
    ['shard-1', ['--shard', '1/2']],
    ['shard-2', ['--shard', '2/2']],
  ] as const) {
    const run = await runCli(['run', ...PART, ...extra, '--reporter', 'json', '--out', join(dir, name), '--no-color']);
    expect(run.status, run.stderr).toBe(0);
  }
}, 300_000);

describe('run --shard and cors-lab merge', () => {
  it('each shard runs its own cells (a stable hash of scenario and engine), and the merge equals the unsharded run', async () => {
    const whole = read('whole');
    const [one, two] = [read('shard-1'), read('shard-2')];
    expect(one.options.shard).toEqual({ index: 1, total: 2 });
    expect(one.runInfo.scenarioSet.hash).toBe(whole.runInfo.scenarioSet.hash);
    // The shards split the cells between them, with none in both.
    expect(one.results.length + two.results.length).toBe(whole.results.length);
    expect(one.results.length).toBeGreaterThan(0);
    expect(two.results.length).toBeGreaterThan(0);
    expect(cells(one).filter((cell) => cells(two).includes(cell))).toEqual([]);

    const merge = await runCli([
      'merge',
      join(dir, 'shard-2', 'result.json'),
      join(dir, 'shard-1', 'result.json'),
      '--reporter',
      'json,html',
      '--out',
      join(dir, 'merged'),
      '--no-color',
    ]);
    expect(merge.status, merge.stderr).toBe(0);
    expect(merge.stdout).toContain(`merged shards 1, 2 of 2: ${whole.results.length} cells`);
    const merged = read('merged');
    expect(cells(merged)).toEqual(cells(whole));
    expect(merged.options.merged).toEqual({ shards: [1, 2], total: 2 });
    expect(merged.summary).toEqual(whole.summary);
    expect(readFileSync(join(dir, 'merged', 'report.html'), 'utf8')).toContain('cors-lab compatibility matrix');
  });

  it('refuses shards that do not belong together, and says which cells are missing', async () => {
    const alone = await runCli([
      'merge',
      join(dir, 'shard-1', 'result.json'),
      '--out',
      join(dir, 'alone'),
      '--no-color',
    ]);
    expect(alone.status).toBe(2);
    expect(alone.stderr).toContain('cors-lab: shard(s) 2 of 2 not given: their cells are not in the result');
    const twice = await runCli([
      'merge',
      join(dir, 'shard-1', 'result.json'),
      join(dir, 'shard-1', 'result.json'),
      '--out',
      join(dir, 'twice'),
    ]);
    expect(twice.status).toBe(2);
    expect(twice.stderr).toContain('shard 1 given more than once');
    const unsharded = await runCli([
      'merge',
      join(dir, 'whole', 'result.json'),
      join(dir, 'shard-1', 'result.json'),
      '--out',
      join(dir, 'mixed'),
    ]);
    expect(unsharded.status).toBe(2);
    expect(unsharded.stderr).toContain(`${join(dir, 'whole', 'result.json')}: not a shard (no options.shard)`);
    const bad = await runCli(['run', '--shard', '3/2']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("'3/2' is not a shard. Fix: i/n with 1 ≤ i ≤ n");
  });
});
