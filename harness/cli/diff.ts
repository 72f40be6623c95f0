// `cors-lab diff A.json B.json`: what changed between two runs, cell by cell.
// Exit codes: 0 nothing regressed and nothing new fails (with --fail-on
// changed: nothing changed at all), 1 a cell regressed, or a cell only in the
// second run is not as expected (or anything changed), 2 bad input.
import { Option, type Command } from 'commander';
import { diffResults } from '../diff/diff.ts';
import type { MatrixResult } from '../result/result.ts';
import { announceReports, parseReporters, reportPathProblems, writeReports } from '../../reports/write.ts';
import { DIFF_REPORTER_FILES, diffReporters, renderDiffTerminal } from '../../reports/diff.ts';
import { EXIT, readResultFile, repeatable, WIDE_HELP, warnList } from './common.ts';

interface DiffFlags {
  reporter?: string[];
  out: string;
  failOn: 'regressed' | 'changed';
  wide?: boolean;
}

export function addDiffCommand(program: Command, exitCode: { value: number }): void {
  program
    .command('diff')
    .description(
      'compare two results (run or check, result.json): per engine improved, regressed, changed, added and removed cells, with the evidence that changed',
    )
    .argument('<before>', 'the earlier result.json')
    .argument('<after>', 'the later result.json')
    .option(
      '--reporter <name[=path]>',
      'json, markdown, html; repeatable or comma-separated (default: the terminal only)',
      repeatable,
    )
    .option('--out <dir>', 'directory for reports without an explicit path', 'cors-lab-diff')
    .option('--wide', WIDE_HELP)
    .addOption(
      new Option(
        '--fail-on <what>',
        'exit 1 when a cell regressed or a new cell is not as expected, or when anything changed',
      )
        .choices(['regressed', 'changed'])
        .default('regressed'),
    )
    .action((before: string, after: string, flags: DiffFlags) => {
      exitCode.value = diffCommand(before, after, flags);
    });
}

function diffCommand(beforeFile: string, afterFile: string, flags: DiffFlags): number {
  const problems: string[] = [];
  const read = (file: string): MatrixResult | undefined => {
    const parsed = readResultFile(file, problems);
    if (parsed === undefined) return undefined;
    // readResultFile checked it against the result schema: a run's or a check's has its cells.
    if (parsed.kind === 'research')
      problems.push(
        `${file}: a research result has no matrix to compare. Fix: give the result.json of a run or a check`,
      );
    else return parsed;
    return undefined;
  };
  const before = read(beforeFile);
  const after = read(afterFile);
  let choices: ReturnType<typeof parseReporters<keyof typeof DIFF_REPORTER_FILES>> = [];
  try {
    choices = parseReporters(flags.reporter ?? [], DIFF_REPORTER_FILES);
    problems.push(...reportPathProblems(choices, flags.out, DIFF_REPORTER_FILES, [beforeFile, afterFile]));
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (!before || !after || problems.length > 0) {
    warnList(`${problems.length} problem(s); nothing was compared`, problems);
    return EXIT.badInput;
  }
  const diff = diffResults(before, after, { before: beforeFile, after: afterFile });
  process.stdout.write(`${renderDiffTerminal(diff, { wide: flags.wide === true })}\n`);
  if (!announceReports(writeReports(diff, choices, flags.out, diffReporters(before, after)))) return EXIT.badInput;
  // A cell only in the second run that is not as expected is a new failure, as a regression is.
  const failing =
    flags.failOn === 'changed' ? diff.changes.length : diff.summary.regressed + diff.summary.addedNotAsExpected;
  return failing > 0 ? EXIT.unexpected : EXIT.ok;
}
