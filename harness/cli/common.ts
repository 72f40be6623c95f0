// What the run and check commands share: exit codes, flag parsers, and the
// end of a command (terminal view, reports, exit code).
import { InvalidArgumentError, type Command } from 'commander';
import {
  idProblems,
  parseRemoteFlag,
  readRemoteConfig,
  RemoteConfigError,
  type RemoteEngineConfig,
} from '../engines/remote-config.ts';
import { formatProblem } from '../scenario/loader.ts';
import { isBuildName, parseBuildName } from '../engines/builds/names.ts';
import { ENGINE_IDS, type EngineId } from '../engines/types.ts';
import type { CorsLabResult, MatrixResult } from '../result/result.ts';
import { readResult } from '../result/read.ts';
import { MAX_PROBE_TIMEOUT_MS } from '../session/page.ts';
import { exitCodeFor } from '../engines/cleanup.ts';
import {
  BaselineError,
  baselineLines,
  baselineOf,
  compareToBaseline,
  readBaseline,
  writeBaseline,
} from '../diff/baseline.ts';
import { renderTerminal } from '../../reports/terminal.ts';
import { missingDescription } from '../../reports/labels.ts';
import { fitted, messageWidth } from '../../reports/fit.ts';
import {
  announceReports,
  parseReporters,
  reportPathProblems,
  writeReports,
  type ReporterChoice,
} from '../../reports/write.ts';

/** A command's prose on stdout, wrapped to the terminal's width or COLUMNS (a table has its own fitting). */
export const printFitted = (text: string): boolean =>
  process.stdout.write(fitted(text, messageWidth(process.env, process.stdout)));
/** The same on stderr. */
export const warnFitted = (text: string): boolean =>
  process.stderr.write(fitted(text, messageWidth(process.env, process.stderr)));

/** A heading and its items, one per line under it: "cors-lab: nothing was merged:" and each reason. */
export function warnList(heading: string, items: string[]): void {
  warnFitted(`cors-lab: ${heading}:\n${items.map((item) => `  ${item}\n`).join('')}`);
}

/** Every problem of the input at once, each wrapped to the terminal: "cors-lab: 3 problem(s) in scenario files; nothing was run". */
export function warnProblems(problems: Parameters<typeof formatProblem>[0][], where?: string): void {
  warnList(`${problems.length} problem(s)${where ? ` ${where}` : ''}; nothing was run`, problems.map(formatProblem));
}

/**
 * 0 every cell matches its expectation, 1 unexpected results (for check, also
 * a cors or hygiene finding), 2 bad input or harness failure, 3 check's target
 * could not be reached or trusted at all (no browser ran), 4 check found a
 * security hole (a hostile origin could read a credentialed answer).
 */
export const EXIT = { ok: 0, unexpected: 1, badInput: 2, unreachable: 3, securityFinding: 4 } as const;

/** --browsers: local engine ids, or remote engines' ids (checked against --remote once it is read: engineIdProblem). */
export function parseBrowsers(value: string): EngineId[] {
  const ids = value
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  if (ids.length === 0) throw new InvalidArgumentError(`name at least one engine: ${ENGINE_IDS.join(', ')}`);
  return [...new Set(ids)];
}

/** The flags that configure remote engines (run and check). */
export interface RemoteFlags {
  remote?: string[];
  remoteConfig?: string;
  labAddress?: string;
}

export function addRemoteOptions(command: Command): Command {
  return command
    .option(
      '--remote <id=browser@url>',
      'a remote engine behind a WebDriver endpoint (a Selenium Grid, safaridriver), e.g. grid-chrome=chrome@http://127.0.0.1:4444; repeatable',
      repeatable,
    )
    .option(
      '--remote-config <file>',
      'remote engines with their capabilities and credentials (YAML or JSON; see docs/scale-out.md)',
    )
    .option(
      '--lab-address <ip>',
      'the address of this machine the --remote browsers reach the lab at (default 127.0.0.1; a --remote-config file names its own)',
    );
}

/**
 * What run and check check before anything starts: the reporters, the
 * baseline flags and the remote engines. Undefined (with the problem on
 * stderr) when one is wrong.
 */
export function commandInputs(
  flags: OutputFlags & RemoteFlags,
): { reporters: ReporterChoice[]; remote: RemoteEngineConfig[] } | undefined {
  const reporters = chooseReporters(flags.reporter, flags.out, flags.outGiven);
  if (!reporters) return undefined;
  const baseline = baselineProblem(flags);
  if (baseline) {
    warnFitted(`cors-lab: ${baseline}\n`);
    return undefined;
  }
  const remote = remoteEnginesOf(flags);
  return remote ? { reporters, remote } : undefined;
}

/** The remote engines the flags configure, or the problems (file, field, fix) on stderr and undefined. */
export function remoteEnginesOf(
  flags: RemoteFlags & { browsers?: EngineId[]; profile?: string },
): RemoteEngineConfig[] | undefined {
  try {
    const remote = [
      ...(flags.remoteConfig ? readRemoteConfig(flags.remoteConfig) : []),
      ...(flags.remote ?? []).map((value) => parseRemoteFlag(value, flags.labAddress)),
    ];
    const problems = idProblems(remote);
    if (problems.length > 0) throw new RemoteConfigError(problems);
    const unknown = (flags.browsers ?? []).filter(
      (id) =>
        !(ENGINE_IDS as readonly string[]).includes(id) &&
        !remote.some((engine) => engine.id === id) &&
        !isBuildName(id),
    );
    if (unknown.length > 0) {
      // A known product with a malformed version ("chromium@abc", a range) gets the build grammar's own message.
      const parsed = parseBuildName(unknown[0]!);
      const message =
        'error' in parsed && unknown[0]!.includes('@') && !parsed.error.includes('names no engine build')
          ? parsed.error
          : 'range' in parsed
            ? `"${unknown[0]}" is a range: name each build (${parsed.range.product}@${parsed.range.from},${parsed.range.product}@${parsed.range.to}); cors-lab research history takes ranges`
            : `unknown engine "${unknown[0]}". Fix: use a comma-separated list of ${[...ENGINE_IDS, ...remote.map((engine) => engine.id)].join(', ')} or builds such as chromium@143, firefox@140${remote.length === 0 ? ' (or configure a remote engine with --remote)' : ''}`;
      throw new RemoteConfigError([{ file: 'command line', field: '--browsers', message }]);
    }
    // A remote browser runs with its endpoint's settings: a profile is refused before anything starts, not a launch that fails.
    const chosen = remote.filter((engine) => !flags.browsers || flags.browsers.includes(engine.id)).map((e) => e.id);
    if (flags.profile && flags.profile !== 'defaults' && chosen.length > 0)
      throw new RemoteConfigError([
        {
          file: 'command line',
          field: '--profile',
          message: `the "${flags.profile}" profile cannot be applied to ${chosen.join(', ')}: a remote engine runs with its endpoint's own settings. Fix: --profile defaults, or leave ${chosen.join(', ')} out of --browsers`,
        },
      ]);
    return remote;
  } catch (error) {
    if (!(error instanceof RemoteConfigError)) throw error;
    warnProblems(error.problems, 'with the engines');
    return undefined;
  }
}

export function parseTimeout(value: string): number {
  const ms = /^\d+$/.test(value)
    ? Number(value)
    : /^(\d+(?:\.\d+)?)s$/.test(value)
      ? Number(value.slice(0, -1)) * 1000
      : NaN;
  if (!Number.isFinite(ms) || ms < 100 || ms > MAX_PROBE_TIMEOUT_MS)
    throw new InvalidArgumentError(
      `give milliseconds (e.g. 8000) or seconds (e.g. 8s), from 100 ms to ${MAX_PROBE_TIMEOUT_MS / 60_000} minutes`,
    );
  return Math.round(ms);
}

/** The reporting flags both commands take. */
export interface OutputFlags {
  /** --baseline FILE: fail only on cells that differ from it. */
  baseline?: string;
  /** --update-baseline: write --baseline's file from this run instead. */
  updateBaseline?: boolean;
  browsers?: EngineId[];
  reporter: string[];
  out: string;
  /** --out was given on the command line (not its default). */
  outGiven?: boolean;
  timeout: number;
  color?: boolean;
  /** --wide: full row names and versions, lines not wrapped to the terminal. */
  wide?: boolean;
}

/** The flags run and check share about what to run and where its reports go: --browsers, --reporter, --out, --timeout. */
export function addRunOptions(command: Command): Command {
  return command
    .option(
      '--browsers <list>',
      `comma-separated engines: ${ENGINE_IDS.join(',')}, builds (chromium@143, chromium-headless-shell, firefox@140) or a remote engine's id (default: every engine found, and every remote engine)`,
      parseBrowsers,
    )
    .option(
      '--reporter <name[=path]>',
      'json, html, junit, markdown; repeatable or comma-separated (default: json,html)',
      repeatable,
    )
    .option('--out <dir>', 'directory for reports without an explicit path', 'cors-lab-report')
    .option('--timeout <ms>', 'per-probe timeout, in ms or with an "s" suffix', parseTimeout, 10_000);
}

/** --wide's help, as run, check, merge and diff give it. */
export const WIDE_HELP =
  "full row names and engine versions, lines not wrapped (default: fit COLUMNS, else the terminal's width, else 100 columns)";

/** The terminal flags of the commands that print a matrix (run, check, merge): --color, --no-color, --wide. */
export function addTerminalOptions(command: Command): Command {
  return command
    .option('--color', 'coloured terminal output even when not a TTY')
    .option('--no-color', 'plain terminal output')
    .option('--wide', WIDE_HELP);
}

/**
 * A repeatable option's parser. It has no default of its own: commander
 * would print "(default: [])" in --help; fromCommandLine fills in [].
 */
export const repeatable = (value: string, previous: string[] = []): string[] => [...previous, value];

/** The parts of a commander Command fromCommandLine reads. */
interface ParsedCommand {
  options: readonly { attributeName(): string }[];
  getOptionValueSource(name: string): string | undefined;
}

/**
 * The flags as a command's code wants them: each repeatable option a list
 * ([] when not given), and which options came from the command line rather
 * than a default (commander alone knows).
 */
export function fromCommandLine<T extends Pick<OutputFlags, 'out' | 'outGiven'>>(
  flags: T,
  command: ParsedCommand,
  repeatables: readonly string[] = ['reporter'],
): T & { given: Set<string> } {
  const lists = Object.fromEntries(repeatables.map((name) => [name, (flags as Record<string, unknown>)[name] ?? []]));
  const given = new Set(
    command.options
      .map((option) => option.attributeName())
      .filter((name) => command.getOptionValueSource(name) === 'cli'),
  );
  return { ...flags, ...lists, outGiven: given.has('out'), given };
}

/** Prints the terminal view, writes the reports, and gives the exit code (shared by run and check). */
export function report(
  result: MatrixResult,
  reporters: ReporterChoice[],
  flags: Pick<OutputFlags, 'browsers' | 'out' | 'color' | 'wide' | 'baseline' | 'updateBaseline'>,
  namedBrowsers = flags.browsers !== undefined,
): number {
  const color = flags.color ?? (process.stdout.isTTY === true && !process.env.NO_COLOR);
  // Nothing measured: no matrix of dashes, and no report replaces the last good one with an empty one.
  if (result.engines.length === 0 && !result.interrupted) {
    printFitted(
      `${result.enginesMissing.map((missing) => `${missing.id}: ${missingDescription(missing)}`).join('\n')}\n`,
    );
    warnFitted(
      `cors-lab: no engine could be run, so no report was written (earlier ones are as they were). See \`npx cors-lab browsers\` and \`npx cors-lab install-browsers\`\n`,
    );
    return EXIT.badInput;
  }
  process.stdout.write(`${renderTerminal(result, { color, wide: flags.wide === true })}\n`);
  const allWritten = announceReports(writeReports(result, reporters, flags.out));
  if (result.interrupted) {
    warnFitted(
      `cors-lab: interrupted by ${result.interrupted.signal}: the reports above are marked interrupted and written beside any complete ones (*.interrupted.*), which are left as they were\n`,
    );
    return exitCodeFor(result.interrupted.signal as NodeJS.Signals);
  }

  // A report that was asked for and not written is a harness failure: CI would read a stale or missing file.
  if (!allWritten) return EXIT.badInput;
  // An engine that was found and did not start, or one the user asked for by name that did not run, is a harness failure, not a pass.
  if (result.enginesMissing.some((missing) => missing.found) || (namedBrowsers && result.enginesMissing.length > 0))
    return EXIT.badInput;
  // With a baseline, the record is the expectation: only cells that differ from it fail.
  if (flags.baseline) return againstBaseline(result, flags.baseline, flags.updateBaseline === true);
  // check: a hostile origin that could read a credentialed answer outranks any other failure; any other finding (error answers, Vary) fails like an expectation.
  if (result.kind === 'check' && result.check.findings.some((finding) => finding.kind === 'security'))
    return EXIT.securityFinding;
  if (result.kind === 'check' && result.check.findings.length > 0) return EXIT.unexpected;
  return result.summary.unexpected > 0 ? EXIT.unexpected : EXIT.ok;
}

/**
 * --reporter values, or json and html by default; a bad name, a path no
 * report can be written to, or an --out that no reporter would write into
 * (each has its own path) is bad input, found before anything runs.
 */
export function chooseReporters(
  values: string[],
  outDir: string,
  outGiven = false,
  /** Files the command reads (compat's --from, merge's shards): a report must not be written over one. */
  reads: string[] = [],
): ReporterChoice[] | undefined {
  let choices: ReporterChoice[];
  try {
    choices = values.length > 0 ? parseReporters(values) : [{ name: 'json' }, { name: 'html' }];
  } catch (error) {
    warnFitted(`cors-lab: ${(error as Error).message}\n`);
    return undefined;
  }
  const problems = reportPathProblems(choices, outDir, undefined, reads);
  if (outGiven && choices.every((choice) => choice.path !== undefined)) {
    problems.push(
      `--out ${outDir}: no report would be written there, since every --reporter names its own path (${choices.map((choice) => `${choice.name}=${choice.path}`).join(', ')}). Fix: drop --out, or name a reporter without a path (e.g. --reporter html) to write it into ${outDir}`,
    );
  }
  if (problems.length === 0) return choices;
  warnList(`${problems.length} report path problem(s); nothing was run`, problems);
  return undefined;
}

/**
 * --baseline and --update-baseline, checked before anything runs: a
 * baseline to compare with must exist and be readable; --update-baseline
 * needs --baseline to name the file. The problem, or undefined.
 */
export function baselineProblem(flags: Pick<OutputFlags, 'baseline' | 'updateBaseline'>): string | undefined {
  if (flags.updateBaseline && !flags.baseline)
    return '--update-baseline: which file? Fix: --baseline cors-baseline.json --update-baseline';
  if (!flags.baseline || flags.updateBaseline) return undefined;
  try {
    readBaseline(flags.baseline);
    return undefined;
  } catch (error) {
    if (error instanceof BaselineError) return `--baseline ${error.message}`;
    throw error;
  }
}

function againstBaseline(result: MatrixResult, file: string, update: boolean): number {
  if (update) {
    writeBaseline(file, baselineOf(result));
    printFitted(`baseline written: ${file} (${result.results.length} cells)\n`);
    return EXIT.ok;
  }
  const baseline = readBaseline(file);
  const differences = compareToBaseline(result, baseline);
  printFitted(`${baselineLines(file, baseline, result, differences).join('\n')}\n`);
  return differences.length > 0 ? EXIT.unexpected : EXIT.ok;
}

/** A result.json read for diff or merge, or undefined with the problem (the file, why, the fix) added to `problems`. */
export function readResultFile(file: string, problems: string[]): CorsLabResult | undefined {
  const read = readResult(file);
  if ('problem' in read) problems.push(read.problem);
  return 'result' in read ? read.result : undefined;
}
