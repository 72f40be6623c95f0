// `cors-lab research max-age|pna`: measurements of engine behaviour, with
// the exact builds, in the JSON result under `research`, a Markdown table,
// and a section of the HTML report.
import { Argument, type Command } from 'commander';
import { ENGINE_IDS } from '../engines/types.ts';
import { resultHeader, type EngineEntry, type ResearchResult } from '../result/result.ts';
import { studyMaxAge } from '../research/max-age.ts';
import { studyPna } from '../research/pna.ts';
import { studyCompat } from '../research/compat.ts';
import { compatTerminal } from '../../reports/compat.ts';
import { maxAgeTerminal, pnaTerminal } from '../../reports/research.ts';
import { announceReports, writeReports } from '../../reports/write.ts';
import { chooseReporters, EXIT, fromCommandLine, repeatable, parseBrowsers, parseTimeout, type OutputFlags } from './common.ts';
import { exitCodeFor, interruption } from '../engines/cleanup.ts';
import { keptOnInterrupt } from '../session/failure.ts';

interface ResearchFlags extends Omit<OutputFlags, 'timeout'> {
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
      'measure engine behaviour: max-age (effective preflight-cache lifetimes, with a controlled clock where the engine allows it); pna (Private/Local Network Access: public pages calling local and loopback targets); compat (the measured catalog against MDN browser-compat-data)',
    )
    .addArgument(new Argument('<study>', 'the study to run').choices(['max-age', 'pna', 'compat']))
    .option('--from <result.json>', "compat: read the cells from a run's result instead of running the scenarios")
    .option('--browsers <list>', `comma-separated engines: ${ENGINE_IDS.join(',')} (default: every engine found)`, parseBrowsers)
    .option('--max-wait <seconds>', 'longest real-time wait where the clock cannot be controlled; longer lifetimes are lower bounds', (value: string) => Number(value), 30)
    .option('--reporter <name[=path]>', 'json, html, markdown; repeatable or comma-separated (default: json,html)', repeatable)
    .option('--out <dir>', 'directory for reports without an explicit path', 'cors-lab-report')
    .option('--timeout <ms>', 'per request, in ms or with an "s" suffix (default: 8 s for max-age; 4 s for pna, where a request held by a permission prompt never settles)', parseTimeout)
    .action(async (study: string, flags: ResearchFlags, command: Command) => {
      exitCode.value = await researchCommand(study, fromCommandLine(flags, command));
    });
}

async function researchCommand(study: string, flags: ResearchFlags): Promise<number> {
  const reporters = chooseReporters(flags.reporter, flags.out, flags.outGiven);
  if (!reporters) return EXIT.badInput;
  if (!Number.isFinite(flags.maxWait) || flags.maxWait < 2 || flags.maxWait > 600) {
    process.stderr.write('cors-lab: --max-wait: give seconds between 2 and 600\n');
    return EXIT.badInput;
  }
  if (flags.from && study !== 'compat') {
    process.stderr.write(`cors-lab: --from: only research compat reads a run's result\n`);
    return EXIT.badInput;
  }
  const timeoutMs = flags.timeout ?? (study === 'pna' ? 4000 : 8000);
  const startedAt = new Date();
  const started = performance.now();
  const common = {
    ...(flags.browsers ? { engines: flags.browsers } : {}),
    timeoutMs,
    onProgress: (line: string) => process.stderr.write(`cors-lab: ${line}\n`),
  };
  const measuring =
    study === 'pna'
      ? studyPna(common).then((result) => ({ key: 'pna' as const, result, engines: result.engines.map((engine) => engine.engine) }))
      : study === 'compat'
        ? studyCompat({ ...common, ...(flags.from ? { from: flags.from } : {}) }).then(({ study: result, engines }) => ({ key: 'compat' as const, result, engines }))
        : studyMaxAge({ ...common, maxWaitSeconds: flags.maxWait }).then((result) => ({ key: 'maxAge' as const, result, engines: result.engines.map((engine) => engine.engine) }));
  let measured: Awaited<typeof measuring> | undefined;
  try {
    measured = await measuring.catch(keptOnInterrupt(undefined));
  } catch (error) {
    // A mapping or --from problem: said, and nothing written.
    if (study !== 'compat') throw error;
    process.stderr.write(`cors-lab: ${(error as Error).message}\n`);
    return EXIT.badInput;
  }
  // A study cut short measures nothing worth a table: no report, the signal's exit code.
  const stop = interruption();
  if (stop || !measured) {
    process.stderr.write(`cors-lab: research ${study} interrupted by ${stop?.signal ?? 'a signal'}; no report written\n`);
    return exitCodeFor(stop?.signal ?? 'SIGTERM');
  }
  const engines: EngineEntry[] = measured.engines;
  const run: ResearchResult = {
    ...resultHeader('research', startedAt, started, [{ id: `research ${study}`, definition: { study, ...(measured.key === 'maxAge' ? { maxWaitSeconds: flags.maxWait } : {}), ...(flags.from ? { from: flags.from } : {}) } }]),
    options: { isolation: `research ${study}`, timeoutMs, profile: 'defaults' },
    engines,
    enginesMissing: measured.result.enginesMissing,
    research: measured.key === 'pna' ? { pna: measured.result } : measured.key === 'compat' ? { compat: measured.result } : { maxAge: measured.result },
  };
  // A compact view sized to the terminal; the full tables are in the Markdown and HTML reports.
  process.stdout.write(measured.key === 'pna' ? pnaTerminal(measured.result, terminalWidth()) : measured.key === 'compat' ? compatTerminal(measured.result, terminalWidth()) : maxAgeTerminal(measured.result, terminalWidth()));
  process.stdout.write(`\n(${(run.durationMs / 1000).toFixed(1)} s)\n`);
  const allWritten = announceReports(writeReports(run, reporters, flags.out));
  if (measured.engines.length === 0 || !allWritten) return EXIT.badInput;
  if (measured.key === 'pna') return EXIT.ok;
  // A disagreement is a finding about the data, not a failure of the run.
  if (measured.key === 'compat') return EXIT.ok;
  return measured.result.engines.some((engine) => engine.cases.some((entry) => entry.lifetime.kind === 'error')) ? EXIT.unexpected : EXIT.ok;
}

/** The terminal's width, or 100 columns where output is not a terminal. */
function terminalWidth(): number {
  return process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : 100;
}
