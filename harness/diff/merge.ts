// cors-lab merge: the results of `run --shard i/n`, one per shard, as one
// result. Shards must have measured the same scenario set with the same
// options; a cell missing from every shard is said, a cell measured by two
// shards is kept once if they agree and marked flaky if they do not.
import { mergeAttempts } from '../run/repeat.ts';
import {
  SCHEMA_VERSION,
  sortForReport,
  summarize,
  type CellResult,
  type EngineEntry,
  type RunResult,
} from '../result/result.ts';
import { toolVersion } from '../package/root.ts';

export interface MergeOutcome {
  result: RunResult;
  /** With every shard given: cells no shard made (scenario in engine). */
  missing: string[];
  /** Cells more than one shard made (kept once, or flaky when they disagree). */
  duplicates: string[];
  /** Shards that were not given (by index). */
  absentShards: number[];
}

export class MergeError extends Error {}

export function mergeShards(shards: { file: string; result: RunResult }[]): MergeOutcome {
  if (shards.length === 0)
    throw new MergeError(
      'no shard results given. Fix: cors-lab merge shard-1/result.json shard-2/result.json --out merged',
    );
  const [first] = shards;
  const problems: string[] = [];
  for (const { file, result } of shards) {
    // JSON that is no run result at all (another tool's file, a cut-off one that still parses) is named, never read further.
    const shape = result as Partial<RunResult> | null;
    if (
      typeof shape !== 'object' ||
      shape === null ||
      !Array.isArray(shape.results) ||
      typeof shape.options !== 'object' ||
      shape.options === null
    ) {
      problems.push(
        `${file}: not a cors-lab run result (no results or options). Fix: give the result.json files run --shard i/n wrote`,
      );
      continue;
    }
    if (result.schemaVersion !== SCHEMA_VERSION) {
      problems.push(
        `${file}: a result of schema version ${JSON.stringify(result.schemaVersion ?? null)}; this cors-lab reads and merges schema version ${SCHEMA_VERSION}. Fix: run the shards again with this cors-lab`,
      );
      continue;
    }
    if (result.kind !== 'run')
      problems.push(`${file}: a ${result.kind} result; merge puts together the results of run --shard`);
    if (!result.options.shard)
      problems.push(`${file}: not a shard (no options.shard). Fix: give the results of run --shard i/n`);
    if (result.interrupted)
      problems.push(
        `${file}: interrupted by ${result.interrupted.signal}; its shard is incomplete. Fix: run that shard again`,
      );
  }
  if (problems.length > 0) throw new MergeError(problems.join('\n'));
  const same = (label: string, value: (result: RunResult) => unknown) => {
    const expected = JSON.stringify(value(first!.result));
    for (const { file, result } of shards.slice(1)) {
      if (JSON.stringify(value(result)) !== expected)
        problems.push(
          `${file}: its ${label} (${JSON.stringify(value(result))}) differs from ${first!.file}'s (${expected})`,
        );
    }
  };
  same('scenario set', (result) => result.runInfo?.scenarioSet.hash ?? 'unknown');
  same('shard count', (result) => result.options.shard!.total);
  same('profile', (result) => result.options.profile);
  same('isolation', (result) => result.options.isolation);
  same('timeout', (result) => result.options.timeoutMs);
  same('repeat', (result) => result.options.repeat ?? 1);
  same('middlewares', (result) => result.middleware?.variants.map((variant) => variant.id) ?? []);
  const indexes = shards.map(({ result }) => result.options.shard!.index);
  const repeated = indexes.filter((index, at) => indexes.indexOf(index) !== at);
  if (repeated.length > 0) problems.push(`shard ${[...new Set(repeated)].join(', ')} given more than once`);
  if (problems.length > 0) throw new MergeError(problems.join('\n'));

  const total = first!.result.options.shard!.total;
  const absentShards = Array.from({ length: total }, (_, at) => at + 1).filter((index) => !indexes.includes(index));
  // An engine's entry from the first shard that ran it (the entries name the build).
  const engines = new Map<string, EngineEntry>();
  for (const { result } of shards)
    for (const engine of result.engines) if (!engines.has(engine.id)) engines.set(engine.id, engine);
  const byCell = new Map<string, CellResult[]>();
  for (const { result } of shards) {
    for (const cell of result.results) {
      const key = JSON.stringify([cell.scenario, cell.variant ?? '', cell.engine]);
      byCell.set(key, [...(byCell.get(key) ?? []), cell]);
    }
  }
  const duplicates = [...byCell.values()]
    .filter((cells) => cells.length > 1)
    .map((cells) => `${cells[0]!.scenario} in ${cells[0]!.engine}`);
  // Two shards that measured the same cell and disagree: flaky, never one of them picked.
  const results = [...byCell.values()].map((cells) => (cells.length === 1 ? cells[0]! : mergeAttempts(cells)));
  const scenarios = first!.result.scenarios;
  const variants = first!.result.middleware?.variants.map((variant) => variant.id) ?? [undefined];
  const missing: string[] = [];
  // With every shard given, each scenario has a cell in each engine that ran (an absent shard is said as such instead).
  for (const engine of absentShards.length === 0 ? engines.keys() : []) {
    for (const scenario of scenarios) {
      for (const variant of variants) {
        if (!byCell.has(JSON.stringify([scenario.id, variant ?? '', engine])))
          missing.push(`${scenario.id} in ${variant ? `${variant} · ` : ''}${engine}`);
      }
    }
  }
  const mergedEngines = [...engines.values()];
  sortForReport(
    mergedEngines,
    results,
    scenarios.map((scenario) => scenario.id),
  );
  const { shard: _shard, ...options } = first!.result.options;
  // A shard's BCD comparison holds its own cells only: the CLI makes the merged one.
  const { compat: _compat, ...header } = first!.result;
  const result: RunResult = {
    ...header,
    tool: { name: 'cors-lab', version: toolVersion() },
    startedAt: shards.map(({ result: shard }) => shard.startedAt).sort()[0]!,
    durationMs: Math.max(...shards.map(({ result: shard }) => shard.durationMs)),
    options: { ...options, merged: { shards: indexes.sort((a, b) => a - b), total } },
    engines: mergedEngines,
    enginesMissing: uniqueMissing(shards.flatMap(({ result: shard }) => shard.enginesMissing)),
    results,
    summary: summarize(results),
  };
  return { result, missing, duplicates, absentShards };
}

function uniqueMissing(missing: RunResult['enginesMissing']): RunResult['enginesMissing'] {
  const seen = new Set<string>();
  return missing.filter((entry) => !seen.has(entry.id) && seen.add(entry.id));
}
