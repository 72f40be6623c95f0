// `cors-lab research max-age|pna`: measurements of engine behaviour, with
// the exact builds, in the JSON result under `research`, a Markdown table,
// and a section of the HTML report.
import { terminalWidth } from '../../reports/fit.ts';
import { Argument, InvalidArgumentError, type Command } from 'commander';
import { ENGINE_IDS } from '../engines/types.ts';
import { resultHeader, type EngineEntry, type ResearchResult } from '../result/result.ts';
import { studyMaxAge } from '../research/max-age.ts';
import { studyPna } from '../research/pna.ts';
import { studyCompat } from '../research/compat.ts';
import { compatTerminal } from '../../reports/compat.ts';
import { maxAgeTerminal, pnaTerminal } from '../../reports/research.ts';
import { announceReports, writeReports } from '../../reports/write.ts';
import {
  chooseReporters,
  EXIT,
  fromCommandLine,
  repeatable,
  parseBrowsers,
  parseTimeout,
  warnProblems,
  warnList,
  type OutputFlags,
  printFitted,
  warnFitted,
} from './common.ts';
import { exitCodeFor, interruption, reportInterruptions } from '../engines/cleanup.ts';
import { keptOnInterrupt } from '../session/failure.ts';
import { expandBuilds, HISTORY_STUDIES, studyHistory, type HistoryStudyName } from '../research/history.ts';
import { historyTerminal } from '../../reports/history.ts';
import { loadScenarios, needsMiddlewareFlag } from '../scenario/loader.ts';
import { BUILTIN_CATALOG } from '../package/root.ts';
import { ProgressLine } from './progress.ts';

interface ResearchFlags extends Omit<OutputFlags, 'timeout'> {
  /** history: what runs in every build. */
  studies?: HistoryStudyName[];
  maxWait: number;
  /** compat: read the cells from this run result. */
  from?: string;
  /** Undefined: each study's own default. */
  timeout?: number;
}

export function addResearchCommand(program: Command, exitCode: { value: number }): void {
  program
    .command('research')
    .description(
      'measure engine behaviour: max-age (effective preflight-cache lifetimes, with a controlled clock where the engine allows it); pna (Private/Local Network Access: public pages calling local and loopback targets); compat (the measured catalog against MDN browser-compat-data); history (scenarios across many builds: where outcome, request shape or journal changed between consecutive builds of one engine and kind)',
    )
    .addArgument(new Argument('<study>', 'the study to run').choices(['max-age', 'pna', 'compat', 'history']))
    .addArgument(new Argument('[paths...]', 'history: scenario files or directories (default: the built-in catalog)'))
    .option('--from <result.json>', "compat: read the cells from a run's result instead of running the scenarios")
    .option(
      '--browsers <list>',
      `comma-separated engines: ${ENGINE_IDS.join(',')}, or builds (chromium@143, firefox@140; for history also ranges: chromium@110..153) (default: every engine found; for history every build on this machine)`,
      parseBrowsers,
    )
    .option(
      '--studies <list>',
      `history: what runs in every build, comma-separated: ${HISTORY_STUDIES.join(', ')} (default: catalog)`,
      parseStudies,
    )
    .option(
      '--max-wait <seconds>',
      'longest real-time wait where the clock cannot be controlled; longer lifetimes are lower bounds',
      (value: string) => Number(value),
      30,
    )
    .option(
      '--reporter <name[=path]>',
      'json, html, markdown; repeatable or comma-separated (default: json,html)',
      repeatable,
    )
    .option('--out <dir>', 'directory for reports without an explicit path', 'cors-lab-report')
    .option(
      '--timeout <ms>',
      'per request, in ms or with an "s" suffix (default: 8 s for max-age; 4 s for pna, where a request held by a permission prompt never settles)',
      parseTimeout,
    )
    .action(async (study: string, paths: string[], flags: ResearchFlags, command: Command) => {
      if ((paths.length > 0 || flags.studies) && study !== 'history') {
        warnFitted(
          `cors-lab: research ${study} takes no ${paths.length > 0 ? 'scenario paths' : '--studies'} (only research history does)\n`,
        );
        exitCode.value = EXIT.badInput;
        return;
      }
      exitCode.value =
        study === 'history'
          ? await historyCommand(paths, fromCommandLine(flags, command))
          : await researchCommand(study, fromCommandLine(flags, command));
    });
}

async function researchCommand(study: string, flags: ResearchFlags): Promise<number> {
  const reporters = chooseReporters(flags.reporter, flags.out, flags.outGiven, flags.from ? [flags.from] : []);
  if (!reporters) return EXIT.badInput;
  if (!Number.isFinite(flags.maxWait) || flags.maxWait < 2 || flags.maxWait > 600) {
    warnFitted('cors-lab: --max-wait: give seconds between 2 and 600\n');
    return EXIT.badInput;
  }
  if (flags.from && study !== 'compat') {
    warnFitted(`cors-lab: --from: only research compat reads a run's result\n`);
    return EXIT.badInput;
  }
  const timeoutMs = flags.timeout ?? (study === 'pna' ? 4000 : 8000);
  const startedAt = new Date();
  const started = performance.now();
  const common = {
    ...(flags.browsers ? { engines: flags.browsers } : {}),
    timeoutMs,
    onProgress: (line: string) => warnFitted(`cors-lab: ${line}\n`),
  };
  const measuring =
    study === 'pna'
      ? studyPna(common).then((result) => ({
          key: 'pna' as const,
          result,
          engines: result.engines.map((engine) => engine.engine),
        }))
      : study === 'compat'
        ? studyCompat({ ...common, ...(flags.from ? { from: flags.from } : {}) }).then(
            ({ study: result, engines }) => ({ key: 'compat' as const, result, engines }),
          )
        : studyMaxAge({ ...common, maxWaitSeconds: flags.maxWait }).then((result) => ({
            key: 'maxAge' as const,
            result,
            engines: result.engines.map((engine) => engine.engine),
          }));
  let measured: Awaited<typeof measuring> | undefined;
  try {
    measured = await measuring.catch(keptOnInterrupt(undefined));
  } catch (error) {
    // A mapping or --from problem: said, and nothing written.
    if (study !== 'compat') throw error;
    warnFitted(`cors-lab: ${(error as Error).message}\n`);
    return EXIT.badInput;
  }
  // A study cut short measures nothing worth a table: no report, the signal's exit code.
  const stop = interruption();
  if (stop || !measured) {
    warnFitted(`cors-lab: research ${study} interrupted by ${stop?.signal ?? 'a signal'}; no report written\n`);
    return exitCodeFor(stop?.signal ?? 'SIGTERM');
  }
  const engines: EngineEntry[] = measured.engines;
  const run: ResearchResult = {
    ...resultHeader('research', startedAt, started, [
      {
        id: `research ${study}`,
        definition: {
          study,
          ...(measured.key === 'maxAge' ? { maxWaitSeconds: flags.maxWait } : {}),
          ...(flags.from ? { from: flags.from } : {}),
        },
      },
    ]),
    options: { isolation: `research ${study}`, timeoutMs, profile: 'defaults' },
    engines,
    enginesMissing: measured.result.enginesMissing,
    research:
      measured.key === 'pna'
        ? { pna: measured.result }
        : measured.key === 'compat'
          ? { compat: measured.result }
          : { maxAge: measured.result },
  };
  // A compact view sized to the terminal; the full tables are in the Markdown and HTML reports.
  process.stdout.write(
    measured.key === 'pna'
      ? pnaTerminal(measured.result, terminalWidth())
      : measured.key === 'compat'
        ? compatTerminal(measured.result, terminalWidth())
        : maxAgeTerminal(measured.result, terminalWidth()),
  );
  printFitted(`\n(${(run.durationMs / 1000).toFixed(1)} s)\n`);
  const allWritten = announceReports(writeReports(run, reporters, flags.out));
  if (measured.engines.length === 0 || !allWritten) return EXIT.badInput;
  if (measured.key === 'pna') return EXIT.ok;
  // A disagreement is a finding about the data, not a failure of the run.
  if (measured.key === 'compat') return EXIT.ok;
  return measured.result.engines.some((engine) => engine.cases.some((entry) => entry.lifetime.kind === 'error'))
    ? EXIT.unexpected
    : EXIT.ok;
}

function parseStudies(value: string): HistoryStudyName[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(HISTORY_STUDIES as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0)
    throw new InvalidArgumentError(
      `${unknown[0] ? `"${unknown[0]}" is not a study; ` : ''}name one or more of ${HISTORY_STUDIES.join(', ')}`,
    );
  return [...new Set(names)] as HistoryStudyName[];
}

/** Every build on this machine: the system's engines and shell, and every build in the cache. */
function everyLocalBuild(): string[] {
  return ['chromium@1..9999', 'firefox@1..9999'];
}

async function historyCommand(paths: string[], flags: ResearchFlags): Promise<number> {
  const reporters = chooseReporters(flags.reporter, flags.out, flags.outGiven);
  if (!reporters) return EXIT.badInput;
  const loaded = loadScenarios(paths.length > 0 ? paths : [BUILTIN_CATALOG]);
  if (loaded.problems.length > 0) {
    warnProblems(loaded.problems, 'in scenario files');
    return EXIT.badInput;
  }
  // Middleware scenarios need a middleware server: history is about the engines, so they are left out.
  const scenarios = loaded.scenarios.filter((scenario) => !needsMiddlewareFlag(scenario));
  if (scenarios.length === 0) {
    warnFitted('cors-lab: no scenarios to run (middleware scenarios are left out of history)\n');
    return EXIT.badInput;
  }
  const { ids, problems } = await expandBuilds(flags.browsers ?? everyLocalBuild());
  if (problems.length > 0) {
    warnList('research history: nothing was run', problems);
    return EXIT.badInput;
  }
  reportInterruptions();
  const startedAt = new Date();
  const started = performance.now();
  const progress = new ProgressLine(process.stderr, !process.env.CI && process.stderr.isTTY === true);
  progress.start(`history: ${scenarios.length} scenarios in ${ids.length} builds`);
  const measured = await studyHistory({
    builds: ids,
    scenarios,
    studies: flags.studies ?? ['catalog'],
    timeoutMs: flags.timeout ?? 10_000,
    onProgress: (update) => progress.update(update.engine, update.done, update.total),
    onStudy: (line) => warnFitted(`cors-lab: ${line}\n`),
  })
    .catch(keptOnInterrupt(undefined))
    .finally(() => progress.stop());
  const stop = interruption();
  if (stop || !measured) {
    warnFitted(`cors-lab: research history interrupted by ${stop?.signal ?? 'a signal'}; no report written\n`);
    return exitCodeFor(stop?.signal ?? 'SIGTERM');
  }
  const { study, engines } = measured;
  const result: ResearchResult = {
    ...resultHeader('research', startedAt, started, [
      {
        id: 'research history',
        definition: { study: 'history', builds: ids, scenarios: scenarios.map((scenario) => scenario.id) },
      },
    ]),
    options: { isolation: 'research history', timeoutMs: flags.timeout ?? 10_000, profile: 'defaults' },
    engines,
    enginesMissing: study.enginesMissing,
    research: { history: study },
  };
  process.stdout.write(historyTerminal(study, terminalWidth()));
  printFitted(`\n(${(result.durationMs / 1000).toFixed(1)} s)\n`);
  const allWritten = announceReports(writeReports(result, reporters, flags.out));
  if (engines.length === 0 || !allWritten) return EXIT.badInput;
  // A build asked for by name that did not run: the history has a hole, so the run is not a pass.
  return study.enginesMissing.length > 0 ? EXIT.badInput : EXIT.ok;
}
