// `cors-lab research max-age|pna`: measurements of engine behaviour, with
// the exact builds, in the JSON result under `research`, a Markdown table,
// and a section of the HTML report.
import { Argument, type Command } from 'commander';
import { ENGINE_IDS } from '../engines/types.ts';
import { resultHeader, type EngineEntry, type ResearchResult } from '../result/result.ts';
import { studyMaxAge } from '../research/max-age.ts';
import { studyPna } from '../research/pna.ts';
import { maxAgeMarkdown, pnaMarkdown } from '../../reports/research.ts';
import { announceReports, writeReports } from '../../reports/write.ts';
import { chooseReporters, EXIT, fromCommandLine, repeatable, parseBrowsers, parseTimeout, type OutputFlags } from './common.ts';
import { exitCodeFor, interruption } from '../engines/cleanup.ts';
import { keptOnInterrupt } from '../session/failure.ts';

interface ResearchFlags extends Omit<OutputFlags, 'timeout'> {
  maxWait: number;
  /** Undefined: each study's own default. */
  timeout?: number;
}

export function addResearchCommand(program: Command, exitCode: { value: number }): void {
  program
    .command('research')
    .description(
      'measure engine behaviour: max-age (effective preflight-cache lifetimes, with a controlled clock where the engine allows it); pna (Private/Local Network Access: public pages calling local and loopback targets)',
    )
    .addArgument(new Argument('<study>', 'the study to run').choices(['max-age', 'pna']))
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
  const timeoutMs = flags.timeout ?? (study === 'pna' ? 4000 : 8000);
  const startedAt = new Date();
  const started = performance.now();
  const common = {
    ...(flags.browsers ? { engines: flags.browsers } : {}),
    timeoutMs,
    onProgress: (line: string) => process.stderr.write(`cors-lab: ${line}\n`),
  };
  const measuring = study === 'pna' ? studyPna(common).then((result) => ({ key: 'pna' as const, result })) : studyMaxAge({ ...common, maxWaitSeconds: flags.maxWait }).then((result) => ({ key: 'maxAge' as const, result }));
  const measured = await measuring.catch(keptOnInterrupt(undefined));
  // A study cut short measures nothing worth a table: no report, the signal's exit code.
  const stop = interruption();
  if (stop || !measured) {
    process.stderr.write(`cors-lab: research ${study} interrupted by ${stop?.signal ?? 'a signal'}; no report written\n`);
    return exitCodeFor(stop?.signal ?? 'SIGTERM');
  }
  const engines: EngineEntry[] = measured.result.engines.map((engine) => engine.engine);
  const run: ResearchResult = {
    ...resultHeader('research', startedAt, started, [{ id: `research ${study}`, definition: { study, ...(measured.key === 'maxAge' ? { maxWaitSeconds: flags.maxWait } : {}) } }]),
    options: { isolation: `research ${study}`, timeoutMs, profile: 'defaults' },
    engines,
    enginesMissing: measured.result.enginesMissing,
    research: measured.key === 'pna' ? { pna: measured.result } : { maxAge: measured.result },
  };
  process.stdout.write(measured.key === 'pna' ? pnaMarkdown(measured.result) : maxAgeMarkdown(measured.result));
  process.stdout.write(`\n(${(run.durationMs / 1000).toFixed(1)} s)\n`);
  const allWritten = announceReports(writeReports(run, reporters, flags.out));
  if (measured.result.engines.length === 0 || !allWritten) return EXIT.badInput;
  if (measured.key === 'pna') return EXIT.ok;
  return measured.result.engines.some((engine) => engine.cases.some((entry) => entry.lifetime.kind === 'error')) ? EXIT.unexpected : EXIT.ok;
}
