// `cors-lab merge SHARD.json... --out DIR`: the results of `run --shard i/n`
// as one result, and every report written from it. Exit codes as for run;
// 2 also when shards disagree on what they measured, or cells are missing.
import type { Command } from 'commander';
import { MergeError, mergeShards } from '../diff/merge.ts';
import { compatOfRun } from '../research/compat.ts';
import type { RunResult } from '../result/result.ts';
import {
  chooseReporters,
  EXIT,
  fromCommandLine,
  readResultFile,
  repeatable,
  report,
  type OutputFlags,
  addTerminalOptions,
  printFitted,
  warnFitted,
  warnList,
} from './common.ts';

export function addMergeCommand(program: Command, exitCode: { value: number }): void {
  addTerminalOptions(
    program
      .command('merge')
      .description(
        'put the results of run --shard i/n together: one result and every report, with missing and duplicate cells said',
      )
      .argument('<shards...>', "each shard's result.json")
      .option(
        '--reporter <name[=path]>',
        'json, html, junit, markdown; repeatable or comma-separated (default: json,html)',
        repeatable,
      )
      .option('--out <dir>', 'directory for reports without an explicit path', 'cors-lab-report'),
  ).action((files: string[], flags: OutputFlags, command: Command) => {
    exitCode.value = mergeCommand(files, fromCommandLine(flags, command));
  });
}

function mergeCommand(files: string[], flags: OutputFlags): number {
  const reporters = chooseReporters(flags.reporter, flags.out, flags.outGiven, files);
  if (!reporters) return EXIT.badInput;
  const shards: { file: string; result: RunResult }[] = [];
  const problems: string[] = [];
  for (const file of files) {
    // mergeShards refuses what is not a run's shard, naming the file.
    const result = readResultFile(file, problems);
    if (result) shards.push({ file, result: result as RunResult });
  }
  let merged;
  try {
    if (problems.length > 0) throw new MergeError(problems.join('\n'));
    merged = mergeShards(shards);
  } catch (error) {
    if (!(error instanceof MergeError)) throw error;
    warnList('nothing was merged', error.message.split('\n'));
    return EXIT.badInput;
  }
  const compat = compatOfRun(merged.result);
  if (compat) merged.result.compat = compat;
  const code = report(merged.result, reporters, flags, false);
  const { total, shards: given } = merged.result.options.merged!;
  printFitted(`merged shards ${given.join(', ')} of ${total}: ${merged.result.results.length} cells\n`);
  if (merged.duplicates.length > 0)
    printFitted(
      `measured by more than one shard (kept once where they agree, flaky where not): ${merged.duplicates.join('; ')}\n`,
    );
  const incomplete = [
    ...(merged.absentShards.length > 0
      ? [`shard(s) ${merged.absentShards.join(', ')} of ${total} not given: their cells are not in the result`]
      : []),
    ...(merged.missing.length > 0
      ? [
          `${merged.missing.length} cell(s) no shard measured: ${merged.missing.slice(0, 10).join('; ')}${merged.missing.length > 10 ? '; …' : ''}`,
        ]
      : []),
  ];
  for (const line of incomplete) warnFitted(`cors-lab: ${line}\n`);
  return incomplete.length > 0 ? EXIT.badInput : code;
}
