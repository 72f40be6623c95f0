// `npm run bench`, history part: the catalog in many Chromium builds (the
// newest 20 headless-shell builds the registry holds, installed into the
// build cache once and reused), against the same catalog in one of those
// builds alone, as cells per second measured in this run, with the build
// cache's size on disk. Goal (issue 25): history's rate at least 0.9 times
// the single build's. The quick form takes two builds and one file.
import { join } from 'node:path';
import { buildsDir, diskSize, formatBytes } from '../harness/engines/builds/cache.ts';
import { installBuild } from '../harness/engines/builds/install.ts';
import { canonicalName } from '../harness/engines/builds/names.ts';
import { availableBuilds } from '../harness/engines/builds/sources.ts';
import { BUILTIN_CATALOG } from '../harness/package/root.ts';
import { studyHistory } from '../harness/research/history.ts';
import { runScenarios } from '../harness/run/runner.ts';
import { loadScenarios, needsMiddlewareFlag } from '../harness/scenario/loader.ts';
import { seconds, type BenchPart } from './figures.ts';

export const historyPart: BenchPart = async (quick) => {
  const { builds } = await availableBuilds('chromium', 'headless-shell');
  const chosen = builds.filter((build) => build.source.registry === 'npm').slice(quick ? -2 : -20);
  const installStarted = performance.now();
  for (const build of chosen) {
    const outcome = await installBuild(build, () => {});
    if (outcome.status === 'failed') throw new Error(`${outcome.name} could not be installed: ${outcome.reason}`);
  }
  const installMs = performance.now() - installStarted;
  const names = chosen.map((build) => canonicalName(build.family, build.kind, build.major));
  const loaded = loadScenarios(quick ? [join(BUILTIN_CATALOG, 'basics/acao.yaml')] : [BUILTIN_CATALOG]);
  const scenarios = loaded.scenarios.filter((scenario) => !needsMiddlewareFlag(scenario));

  let started = performance.now();
  const single = await runScenarios({ scenarios, engines: [names.at(-1)!], timeoutMs: 10_000, isolation: 'group' });
  const singleRate = single.results.length / ((performance.now() - started) / 1000);

  started = performance.now();
  const { study } = await studyHistory({ builds: names, scenarios, timeoutMs: 10_000 });
  const historyMs = performance.now() - started;
  const historyRate = study.cells / (historyMs / 1000);
  const cacheBytes = await diskSize(buildsDir());

  process.stdout.write(
    `\ncors-lab bench: research history over ${names.length} Chromium builds (${study.series.flatMap((series) => series.builds.map((build) => build.version.split('.')[0])).join(', ')})\n`,
  );
  process.stdout.write(
    `installing or finding them in the cache: ${seconds(installMs)}; build cache on disk: ${formatBytes(cacheBytes)} (${buildsDir()})\n`,
  );
  process.stdout.write(
    `one build (${names.at(-1)}): ${single.results.length} cells, ${singleRate.toFixed(1)} cells/s\n`,
  );
  process.stdout.write(
    `history: ${study.cells} cells in ${seconds(historyMs)}, ${historyRate.toFixed(1)} cells/s; ${study.timelines.length} changes, ${study.errors.length} error cells\n`,
  );
  process.stdout.write(`history rate / single-build rate: ${(historyRate / singleRate).toFixed(2)} (goal: >= 0.9)\n`);
  return {
    ran: study.cells === scenarios.length * names.length && single.results.length === scenarios.length,
    summary: `history: ${names.length} builds, ${(historyRate / singleRate).toFixed(2)}x the single-build rate`,
    figures: {
      builds: names.length,
      singleBuildCellsPerSecond: Number(singleRate.toFixed(2)),
      historyCellsPerSecond: Number(historyRate.toFixed(2)),
      historyOverSingle: Number((historyRate / singleRate).toFixed(2)),
      buildCacheMiB: Math.round(cacheBytes / 1024 / 1024),
    },
  };
};
