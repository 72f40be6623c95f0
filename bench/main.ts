// `npm run bench`: every part of the benchmark in one run, so that the ratios
// it prints compare figures measured together on this machine. `npm run bench
// -- --quick` is the short form CI runs so the benchmark cannot rot: it checks
// that each part ran and asserts no timing.
import { catalogPart } from './catalog.ts';
import { checkPart } from './check.ts';
import type { BenchPart } from './figures.ts';
import { gridPart } from './grid.ts';
import { historyPart } from './history.ts';
import { probePart } from './probe.ts';
import { researchPart } from './research.ts';
import { shardsPart } from './shards.ts';

const quick = process.argv.includes('--quick');
const PARTS: [string, BenchPart][] = [
  ['catalog', catalogPart],
  ['check', checkPart],
  ['lab.probe', probePart],
  ['research', researchPart],
  ['shards', shardsPart],
  ['grid', gridPart],
  ['history', historyPart],
];

const started = performance.now();
const failed: string[] = [];
for (const [name, part] of PARTS) {
  try {
    const outcome = await part(quick);
    if (!outcome.ran) failed.push(`${name}: did not run (${outcome.summary})`);
  } catch (error) {
    failed.push(`${name}: ${(error as Error).stack ?? String(error)}`);
  }
}
process.stdout.write(`\ncors-lab bench${quick ? ' --quick' : ''}: ${PARTS.length - failed.length} of ${PARTS.length} parts ran in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
for (const failure of failed) process.stderr.write(`bench part failed: ${failure}\n`);
process.exitCode = failed.length > 0 ? 1 : 0;
