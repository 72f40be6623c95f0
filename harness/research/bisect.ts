// cors-lab bisect: the first build with the later behaviour. Both ends are
// measured first (as mozregression checks that good is good and bad is bad);
// then the middle build of those left is installed (through the build cache)
// and measured, and the half that still holds the change is kept, so the
// builds measured are about log2 of the builds between. Only builds of one
// family and kind are compared: a kind difference is not a version change.
import { findCachedBuild } from '../engines/builds/cache.ts';
import { installBuild, resolveInstall, UnknownBuildError } from '../engines/builds/install.ts';
import { canonicalName, parseBuildName } from '../engines/builds/names.ts';
import { availableBuilds, type AvailableBuild } from '../engines/builds/sources.ts';
import type { CellResult } from '../result/result.ts';
import { HISTORY_ASPECTS, type HistoryAspect } from '../result/research.ts';
import { runScenarios } from '../run/runner.ts';
import type { Scenario } from '../scenario/loader.ts';
import { cellSignature } from './history.ts';

export interface BisectOptions {
  scenario: Scenario;
  from: string;
  to: string;
  /** The aspects that count as a change (default: all three). */
  aspects?: HistoryAspect[];
  timeoutMs: number;
  onStep?: (line: string) => void;
}

export interface BisectMeasurement {
  build: string;
  version: string;
  cell: CellResult;
  signature: Record<HistoryAspect, string>;
}

export type BisectOutcome =
  | {
      kind: 'found';
      steps: BisectMeasurement[];
      before: BisectMeasurement;
      after: BisectMeasurement;
      changed: HistoryAspect[];
      between: number;
    }
  | { kind: 'no-change'; steps: BisectMeasurement[]; between: number }
  /** A build that could not be installed or gave no answer: the bisection cannot go on, and says where. */
  | { kind: 'failed'; steps: BisectMeasurement[]; reason: string };

/** Input that cannot be bisected (unknown build, two families or kinds): the CLI exits 2 with the message. */
export class BisectInputError extends Error {}

async function endBuild(name: string): Promise<AvailableBuild> {
  const parsed = parseBuildName(name);
  if (!('build' in parsed) || parsed.build.major === undefined)
    throw new BisectInputError(`--between ${name}: name a build with its major version, e.g. chromium@110`);
  try {
    return (await resolveInstall(parsed.build))[0]!;
  } catch (error) {
    if (error instanceof UnknownBuildError) throw new BisectInputError(error.message);
    throw error;
  }
}

export async function bisect(options: BisectOptions): Promise<BisectOutcome> {
  const aspects = options.aspects ?? HISTORY_ASPECTS;
  const [first, last] = [await endBuild(options.from), await endBuild(options.to)];
  if (first.family !== last.family || first.kind !== last.kind) {
    throw new BisectInputError(
      `${options.from} is a ${first.family} ${first.kind} build and ${options.to} a ${last.family} ${last.kind} build: bisect compares builds of one engine and kind (name both as chromium-headless-shell@N, or both full builds)`,
    );
  }
  if (first.major >= last.major)
    throw new BisectInputError(
      `--between: give the older build first (${options.from} is not older than ${options.to})`,
    );
  const { builds } = await availableBuilds(first.family, first.kind);
  const candidates = builds.filter(
    (build) => build.kind === first.kind && build.major >= first.major && build.major <= last.major,
  );
  const steps: BisectMeasurement[] = [];
  const say = options.onStep ?? (() => {});

  const measure = async (build: AvailableBuild): Promise<BisectMeasurement | string> => {
    const name = canonicalName(build.family, build.kind, build.major);
    if (!findCachedBuild(build.family, build.major, build.kind)) say(`installing ${name}`);
    const installed = await installBuild(build, (text) => say(`  ${text}`));
    if (installed.status === 'failed') return `${name} could not be installed: ${installed.reason}`;
    const run = await runScenarios({
      scenarios: [options.scenario],
      engines: [name],
      timeoutMs: options.timeoutMs,
      isolation: 'group',
    });
    const cell = run.results[0];
    const engine = run.engines[0];
    if (!cell || !engine) return `${name} did not run: ${run.enginesMissing[0]?.reason ?? 'no cell'}`;
    const signature = cellSignature(cell);
    if (!signature) return `${name} (${engine.version}) gave no answer: ${cell.explanation}`;
    const measurement = { build: name, version: engine.version, cell, signature };
    steps.push(measurement);
    return measurement;
  };
  const alike = (a: BisectMeasurement, b: BisectMeasurement) =>
    aspects.every((aspect) => a.signature[aspect] === b.signature[aspect]);
  const describe = (m: BisectMeasurement) => `${m.signature.outcome}; ${m.signature.request}`;

  say(
    `${candidates.length} ${first.family} ${first.kind} builds from ${first.major} to ${last.major}: about ${Math.ceil(Math.log2(Math.max(candidates.length - 1, 1)))} to measure between the ends`,
  );
  let low = await measure(candidates[0]!);
  if (typeof low === 'string') return { kind: 'failed', steps, reason: low };
  say(`step 1: ${low.build} (${low.version}): ${describe(low)}`);
  let high = await measure(candidates.at(-1)!);
  if (typeof high === 'string') return { kind: 'failed', steps, reason: high };
  say(`step 2: ${high.build} (${high.version}): ${describe(high)}`);
  if (alike(low, high)) return { kind: 'no-change', steps, between: candidates.length };

  let [lowIndex, highIndex] = [0, candidates.length - 1];
  while (highIndex - lowIndex > 1) {
    const middleIndex = Math.floor((lowIndex + highIndex) / 2);
    const middle = await measure(candidates[middleIndex]!);
    if (typeof middle === 'string') return { kind: 'failed', steps, reason: middle };
    const sameAsLow = alike(middle, low);
    say(
      `step ${steps.length}: ${middle.build} (${middle.version}): ${describe(middle)} — ${sameAsLow ? `like ${low.build}` : `like ${high.build}${alike(middle, high) ? '' : ' (differs from both ends)'}`}`,
    );
    if (sameAsLow) [lowIndex, low] = [middleIndex, middle];
    else [highIndex, high] = [middleIndex, middle];
  }
  return {
    kind: 'found',
    steps,
    before: low,
    after: high,
    changed: aspects.filter((aspect) => low.signature[aspect] !== high.signature[aspect]),
    between: candidates.length,
  };
}
