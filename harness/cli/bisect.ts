// `cors-lab bisect SCENARIO --between OLD NEW`: the first build with the later
// behaviour of one scenario, each step printed as it is measured.
import { Option, type Command } from 'commander';
import { counted } from '../../reports/labels.ts';
import { loadScenarios } from '../scenario/loader.ts';
import { BUILTIN_CATALOG } from '../package/root.ts';
import { HISTORY_ASPECTS, type HistoryAspect } from '../result/research.ts';
import { bisect, BisectInputError, type BisectMeasurement } from '../research/bisect.ts';
import { EXIT, parseTimeout, printFitted, warnFitted, warnProblems } from './common.ts';
import { reportInterruptions } from '../engines/cleanup.ts';

interface BisectFlags {
  between: string[];
  scenarios?: string[];
  aspect?: HistoryAspect[];
  timeout: number;
}

function evidenceLines(measurement: BisectMeasurement): string[] {
  return [
    `  ${measurement.build} ${measurement.version}:`,
    `    outcome: ${measurement.signature.outcome} — ${measurement.cell.explanation}`,
    `    request: ${measurement.signature.request}`,
    `    journal: ${measurement.signature.journal}`,
  ];
}

async function bisectCommand(given: string | undefined, flags: BisectFlags): Promise<number> {
  // Flags first (bisect --between OLD NEW SCENARIO): the list --between takes ran on into the scenario.
  const scenarioId = given ?? (flags.between.length === 3 ? flags.between.pop() : undefined);
  if (scenarioId === undefined) {
    warnFitted('cors-lab: name the scenario: cors-lab bisect SCENARIO --between OLD NEW\n');
    return EXIT.badInput;
  }
  if (flags.between.length !== 2) {
    warnFitted(
      `cors-lab: --between takes two builds, the older first (e.g. --between chromium@110 chromium@143); got ${flags.between.length}\n`,
    );
    return EXIT.badInput;
  }
  const loaded = loadScenarios(flags.scenarios ?? [BUILTIN_CATALOG]);
  if (loaded.problems.length > 0) {
    warnProblems(loaded.problems, 'in scenario files');
    return EXIT.badInput;
  }
  const scenario = loaded.scenarios.find((each) => each.id === scenarioId);
  if (!scenario) {
    warnFitted(
      `cors-lab: no scenario "${scenarioId}" in ${(flags.scenarios ?? [BUILTIN_CATALOG]).join(', ')}. Fix: give a scenario id (cors-lab run prints them), and --scenarios for your own files\n`,
    );
    return EXIT.badInput;
  }
  reportInterruptions();
  const [from, to] = flags.between as [string, string];
  try {
    const outcome = await bisect({
      scenario,
      from,
      to,
      timeoutMs: flags.timeout,
      ...(flags.aspect ? { aspects: flags.aspect } : {}),
      onStep: (line) => warnFitted(`cors-lab: ${line}\n`),
    });
    if (outcome.kind === 'failed') {
      warnFitted(`cors-lab: bisect stopped: ${outcome.reason}\n`);
      return EXIT.badInput;
    }
    if (outcome.kind === 'no-change') {
      printFitted(
        [
          `${scenario.id}: no change between ${from} and ${to} (${counted(outcome.steps.length, 'build')} measured)`,
          ...outcome.steps.flatMap(evidenceLines),
          '',
        ].join('\n'),
      );
      return EXIT.unexpected;
    }
    printFitted(
      [
        `${scenario.id}: ${outcome.changed.join(', ')} changed between ${outcome.before.build} and ${outcome.after.build} (${outcome.steps.length} of ${outcome.between} builds measured)`,
        `last build with the earlier behaviour: ${outcome.before.build} ${outcome.before.version}`,
        `first build with the later behaviour:  ${outcome.after.build} ${outcome.after.version}`,
        ...evidenceLines(outcome.before),
        ...evidenceLines(outcome.after),
        '',
      ].join('\n'),
    );
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof BisectInputError)) throw error;
    warnFitted(`cors-lab: ${error.message}\n`);
    return EXIT.badInput;
  }
}

export function addBisectCommand(program: Command, exitCode: { value: number }): void {
  program
    .command('bisect')
    .description(
      'find the first build with the later behaviour of one scenario: installs and runs the builds between two of one engine and kind, halving the range each step (exit 0 found, 1 no change between the ends, 2 bad input or a build that could not run)',
    )
    .argument('[scenario]', 'a scenario id (from the built-in catalog, or from --scenarios)')
    .requiredOption('--between <builds...>', 'the older and the newer build, e.g. --between chromium@110 chromium@143')
    .option(
      '--scenarios <paths...>',
      'scenario files or directories to find the scenario in (default: the built-in catalog)',
    )
    .addOption(
      new Option('--aspect <aspects...>', 'what counts as a change (default: all)').choices([...HISTORY_ASPECTS]),
    )
    .option('--timeout <ms>', 'per-probe timeout, in ms or with an "s" suffix', parseTimeout, 10_000)
    .action(async (scenarioId: string | undefined, flags: BisectFlags) => {
      exitCode.value = await bisectCommand(scenarioId, flags);
    });
}
