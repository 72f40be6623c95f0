// `npm run bench`, shards part: the catalog as one run, then as two shards
// run side by side in two processes (as two CI machines would, here sharing
// this machine's cores) and merged, with the wall time of each and their
// ratio, and whether the merge equals the single run cell for cell.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_CATALOG } from '../harness/package/root.ts';
import { cellsOf, cli, seconds, type BenchPart } from './figures.ts';

export const shardsPart: BenchPart = async (quick) => {
  const dir = mkdtempSync(join(tmpdir(), 'cors-lab-bench-shards-'));
  try {
    const paths = quick ? [join(BUILTIN_CATALOG, 'basics/acao.yaml')] : [BUILTIN_CATALOG];
    const run = (out: string, ...extra: string[]) =>
      cli(['run', ...paths, ...extra, '--reporter', 'json', '--out', join(dir, out), '--no-color']);
    let started = performance.now();
    const whole = await run('whole');
    const wholeMs = performance.now() - started;
    started = performance.now();
    const shards = await Promise.all([run('shard-1', '--shard', '1/2'), run('shard-2', '--shard', '2/2')]);
    const shardsMs = performance.now() - started;
    const mergeStarted = performance.now();
    const merge = await cli([
      'merge',
      join(dir, 'shard-1', 'result.json'),
      join(dir, 'shard-2', 'result.json'),
      '--reporter',
      'json',
      '--out',
      join(dir, 'merged'),
      '--no-color',
    ]);
    const mergeMs = performance.now() - mergeStarted;
    const failures = [whole, ...shards, merge].filter((finished) => finished.status !== 0 && finished.status !== 1);
    if (failures.length > 0)
      return { ran: false, summary: failures.map((failure) => failure.stderr.split('\n')[0]).join('; ') };
    const equal = cellsOf(join(dir, 'whole', 'result.json')) === cellsOf(join(dir, 'merged', 'result.json'));
    process.stdout.write(
      `\nshards (${quick ? 'basics/acao.yaml' : 'the catalog'}): one run ${seconds(wholeMs)}; two shards side by side ${seconds(shardsMs)} + merge ${seconds(mergeMs)} = ${seconds(shardsMs + mergeMs)} (${((shardsMs + mergeMs) / wholeMs).toFixed(2)}x the one run, both shards on this machine's cores); merged equals the one run: ${equal ? 'yes' : 'NO'}\n`,
    );
    return {
      ran: equal,
      summary: equal ? 'merged equals the one run' : 'the merged result differs from the one run',
      figures: {
        wholeMs: Math.round(wholeMs),
        shardsMs: Math.round(shardsMs),
        mergeMs: Math.round(mergeMs),
        shardsAndMergeOverWhole: Number(((shardsMs + mergeMs) / wholeMs).toFixed(2)),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
