// `cors-lab research max-age`: measurements of engine behaviour, with the
// exact builds, in the JSON result under `research`, a Markdown table, and a
// section of the HTML report.
import { Argument, type Command } from 'commander';
import { ENGINE_IDS } from '../engines/types.ts';
import type { EngineEntry, RunResult } from '../run/result.ts';
import { SCHEMA_VERSION } from '../run/result.ts';
import { toolVersion } from '../run/runner.ts';
import { studyMaxAge } from '../research/max-age.ts';
import { maxAgeMarkdown } from '../../reports/research.ts';
import { writeReports } from '../../reports/write.ts';
import { chooseReporters, EXIT, parseBrowsers, parseTimeout, type OutputFlags } from './common.ts';

interface ResearchFlags extends OutputFlags {
  maxWait: number;
}

export function addResearchCommand(program: Command, exitCode: { value: number }): void {
  program
    .command('research')
    .description('measure engine behaviour: max-age (effective preflight-cache lifetimes, with a controlled clock where the engine allows it)')
    .addArgument(new Argument('<study>', 'the study to run').choices(['max-age']))
    .option('--browsers <list>', `comma-separated engines: ${ENGINE_IDS.join(',')} (default: every engine found)`, parseBrowsers)
    .option('--max-wait <seconds>', 'longest real-time wait where the clock cannot be controlled; longer lifetimes are lower bounds', (value: string) => Number(value), 30)
    .option('--reporter <name[=path]>', 'json, html, markdown; repeatable or comma-separated (default: json,html)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--out <dir>', 'directory for reports without an explicit path', 'cors-lab-report')
    .option('--timeout <ms>', 'per request, in ms or with an "s" suffix', parseTimeout, 8000)
    .action(async (study: string, flags: ResearchFlags) => {
      exitCode.value = await researchCommand(study, flags);
    });
}

async function researchCommand(study: string, flags: ResearchFlags): Promise<number> {
  const reporters = chooseReporters(flags.reporter);
  if (!reporters) return EXIT.badInput;
  if (!Number.isFinite(flags.maxWait) || flags.maxWait < 2 || flags.maxWait > 600) {
    process.stderr.write('cors-lab: --max-wait: give seconds between 2 and 600\n');
    return EXIT.badInput;
  }
  const startedAt = new Date();
  const started = performance.now();
  const result = await studyMaxAge({
    ...(flags.browsers ? { engines: flags.browsers } : {}),
    maxWaitSeconds: flags.maxWait,
    timeoutMs: flags.timeout,
    onProgress: (line) => process.stderr.write(`cors-lab: ${line}\n`),
  });
  const engines: EngineEntry[] = result.engines.map((engine) => engine.engine);
  const run: RunResult = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'cors-lab', version: toolVersion() },
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    options: { isolation: `research ${study}`, timeoutMs: flags.timeout, profile: 'defaults' },
    engines,
    enginesMissing: result.enginesMissing,
    scenarios: [],
    results: [],
    summary: { total: 0, allowed: 0, blocked: 0, error: 0, unexpected: 0, knownDeviations: 0, newFindings: 0 },
    research: { maxAge: result },
  };
  process.stdout.write(maxAgeMarkdown(result));
  process.stdout.write(`\n(${(run.durationMs / 1000).toFixed(1)} s)\n`);
  for (const path of writeReports(run, reporters, flags.out)) process.stdout.write(`report: ${path}\n`);
  if (result.engines.length === 0) return EXIT.badInput;
  return result.engines.some((engine) => engine.cases.some((entry) => entry.lifetime.kind === 'error')) ? EXIT.unexpected : EXIT.ok;
}
