// `npm run bench`: every part of the benchmark in one run, so that the ratios
// it prints compare figures measured together on this machine. `npm run bench
// -- --quick` is the short form CI runs so the benchmark cannot rot: it checks
// that each part ran and asserts no timing. The figures are also written as
// JSON (bench/result.json, or --json FILE); --compare OLD.json prints each
// figure against an earlier run's. --part NAME (repeatable) runs only the
// parts named (their figures in bench/result-NAME.json, so a partial run does
// not replace the whole run's).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { PACKAGE_ROOT } from '../harness/package/root.ts';
import { catalogPart } from './catalog.ts';
import { compareLines, readBenchResult, type BenchResult } from './compare.ts';
import { checkPart } from './check.ts';
import type { BenchPart } from './figures.ts';
import { gridPart } from './grid.ts';
import { historyPart } from './history.ts';
import { inputsPart } from './inputs.ts';
import { probePart } from './probe.ts';
import { researchPart } from './research.ts';
import { shardsPart } from './shards.ts';
import { startupPart } from './startup.ts';

const ALL_PARTS: [string, BenchPart][] = [
  ['startup', startupPart],
  ['catalog', catalogPart],
  ['check', checkPart],
  ['inputs', inputsPart],
  ['lab.probe', probePart],
  ['research', researchPart],
  ['shards', shardsPart],
  ['grid', gridPart],
  ['history', historyPart],
];

/** Bad arguments, or an earlier result that cannot be read: said before the long run, not after it. */
function options(): { quick: boolean; jsonFile: string; earlier?: BenchResult; parts: [string, BenchPart][] } {
  try {
    const { values } = parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        json: { type: 'string' },
        compare: { type: 'string' },
        part: { type: 'string', multiple: true },
      },
    });
    const names = ALL_PARTS.map(([name]) => name);
    const unknown = (values.part ?? []).filter((name) => !names.includes(name));
    if (unknown.length > 0)
      throw new Error(`--part ${unknown.join(', ')}: no such part. Fix: one of ${names.join(', ')}`);
    const parts = values.part ? ALL_PARTS.filter(([name]) => values.part!.includes(name)) : ALL_PARTS;
    return {
      quick: values.quick!,
      jsonFile:
        values.json ??
        join(
          PACKAGE_ROOT,
          'bench',
          values.part ? `result-${parts.map(([name]) => name).join('-')}.json` : 'result.json',
        ),
      parts,
      ...(values.compare ? { earlier: readBenchResult(values.compare) } : {}),
    };
  } catch (error) {
    process.stderr.write(
      `cors-lab bench: ${(error as Error).message}\nUsage: npm run bench -- [--quick] [--part NAME]... [--json FILE] [--compare OLD.json]\n`,
    );
    process.exit(2);
  }
}
const { quick, jsonFile, earlier, parts: PARTS } = options();

const started = performance.now();
const failed: string[] = [];
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: PACKAGE_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
})();
const result: BenchResult = {
  tool: 'cors-lab bench',
  startedAt: new Date().toISOString(),
  quick,
  machine: { cores: availableParallelism(), node: process.version, platform: process.platform },
  ...(commit ? { commit } : {}),
  parts: {},
};
for (const [name, part] of PARTS) {
  try {
    const outcome = await part(quick);
    result.parts[name] = outcome;
    if (!outcome.ran) failed.push(`${name}: did not run (${outcome.summary})`);
  } catch (error) {
    result.parts[name] = { ran: false, summary: 'failed', error: (error as Error).message };
    failed.push(`${name}: ${(error as Error).stack ?? String(error)}`);
  }
}
mkdirSync(dirname(jsonFile), { recursive: true });
writeFileSync(jsonFile, `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`\nfigures: ${jsonFile}\n`);
if (earlier) process.stdout.write(`${compareLines(earlier, result).join('\n')}\n`);
process.stdout.write(
  `\ncors-lab bench${quick ? ' --quick' : ''}: ${PARTS.length - failed.length} of ${PARTS.length} parts ran in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
);
for (const failure of failed) process.stderr.write(`bench part failed: ${failure}\n`);
process.exitCode = failed.length > 0 ? 1 : 0;
