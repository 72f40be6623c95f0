// research history: the same scenarios in many builds of an engine, and where
// the behaviour changed between consecutive builds of one family and kind.
// A build's kind matters as much as its version (the headless shell and the
// full browser of one version differ on third-party cookies), so a series
// holds one kind only, and the same major measured in both kinds is reported
// as a kind difference, never as a change of version.
import { listCachedBuilds } from '../engines/builds/cache.ts';
import { majorOf, parseBuildName } from '../engines/builds/names.ts';
import { systemBuild } from '../engines/builds/resolve.ts';
import type { BuildKind, EngineInfo, MissingEngine } from '../engines/types.ts';
import type { CellResult, RunResult } from '../result/result.ts';
import { HISTORY_ASPECTS, type HistoryAspect, type HistoryBuild, type HistorySeries, type HistoryStretch, type HistoryStudy, type HistoryTimeline, type KindDifference } from '../result/research.ts';
import { runScenarios } from '../run/runner.ts';
import type { Scenario } from '../scenario/loader.ts';

/** Numbers of a version string, for ordering builds ("143.0.7499.0" → [143, 0, 7499, 0]; "140.12.0esr" → [140, 12, 0]). */
export function versionParts(version: string): number[] {
  return (version.match(/\d+/g) ?? []).map(Number);
}

export function compareVersions(a: string, b: string): number {
  const [left, right] = [versionParts(a), versionParts(b)];
  for (let i = 0; i < Math.max(left.length, right.length); i += 1) {
    const diff = (left[i] ?? 0) - (right[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

const withoutPort = (origin: string) => origin.replace(/:\d+$/, '');

/**
 * What is compared for one cell, per aspect; undefined where a cell gave no
 * answer (an error is never read as a change of behaviour).
 */
export function cellSignature(cell: CellResult): Record<HistoryAspect, string> | undefined {
  if (cell.outcome === 'error') return undefined;
  const seen = cell.evidence.requestShape?.seen;
  const request = seen ? `mode ${seen.mode ?? '(none)'}, Origin ${seen.origin === null ? '(none)' : withoutPort(seen.origin)}, ${seen.preflight ? 'preflight first' : 'no preflight'}` : 'no request reached the lab';
  const journal = cell.evidence.journal
    .filter((entry) => entry.kind === 'request')
    .map((entry) => {
      const headers = entry.headers ?? {};
      // The probe's nonce and the lab's ports differ from run to run (bisect compares runs): neither is behaviour.
      const path = (entry.url?.replace(/^[a-z]+:\/\/[^/]+/, '').replace(/\?.*$/, '') ?? '').replaceAll(entry.nonce ?? '\u0000', '{nonce}');
      const notes = [
        headers.cookie ? 'cookie' : '',
        headers['access-control-request-private-network'] ? 'ACRPN' : '',
        headers['access-control-request-headers'] ? `ACRH ${headers['access-control-request-headers']}` : '',
        headers.origin !== undefined ? `Origin ${withoutPort(headers.origin)}` : '',
      ].filter(Boolean);
      return `${entry.method ?? '?'} ${path} ${entry.status ?? '-'}${notes.length > 0 ? ` [${notes.join('; ')}]` : ''}`;
    })
    .join(' → ');
  return { outcome: cell.outcome, request, journal: journal || 'nothing reached the lab' };
}

/** The builds a list of names and ranges asks for: a range takes every build on this machine in it (the cache's and the system's). */
export async function expandBuilds(names: readonly string[]): Promise<{ ids: string[]; problems: string[] }> {
  const ids: string[] = [];
  const problems: string[] = [];
  for (const name of names) {
    const parsed = parseBuildName(name);
    if ('error' in parsed) {
      problems.push(parsed.error);
      continue;
    }
    if ('build' in parsed) {
      ids.push(parsed.build.name);
      continue;
    }
    const { range } = parsed;
    const kinds: BuildKind[] = range.kind ? [range.kind] : ['full', 'headless-shell'];
    const found = listCachedBuilds().filter((build) => build.family === range.family && kinds.includes(build.kind) && build.major >= range.from && build.major <= range.to).map((build) => build.name);
    for (const kind of kinds) {
      const system = await systemBuild(range.family, kind);
      const major = system && majorOf(system.version);
      if (major !== undefined && major >= range.from && major <= range.to) found.push(kind === 'headless-shell' ? 'chromium-headless-shell' : range.family);
    }
    if (found.length === 0) problems.push(`${range.name}: no build in that range is on this machine. Fix: cors-lab install-browsers ${range.name}`);
    ids.push(...found);
  }
  return { ids: [...new Set(ids)], problems };
}

function seriesOf(engines: readonly EngineInfo[]): HistorySeries[] {
  const series = new Map<string, HistorySeries>();
  for (const engine of engines) {
    if (engine.remote) continue;
    const kind = engine.build?.kind ?? 'full';
    const key = `${engine.family} ${kind}`;
    if (!series.has(key)) series.set(key, { family: engine.family, kind, builds: [] });
    series.get(key)!.builds.push({ engine: engine.id, version: engine.version });
  }
  for (const each of series.values()) each.builds.sort((a, b) => compareVersions(a.version, b.version));
  return [...series.values()];
}

function describeStretches(stretches: readonly HistoryStretch[]): string {
  return stretches
    .map((stretch, index) => {
      if (stretches.length === 1) return `${stretch.value} in every build`;
      if (index === 0) return `${stretch.value} up to ${stretch.last.version}`;
      if (index === stretches.length - 1) return `${stretch.value} from ${stretch.first.version}`;
      return stretch.first === stretch.last ? `${stretch.value} in ${stretch.first.version} only` : `${stretch.value} from ${stretch.first.version} to ${stretch.last.version}`;
    })
    .join(', ');
}

/** Where each scenario changed between consecutive builds of each series, and where the two kinds of one major disagree. */
export function historyOf(result: RunResult, enginesMissing: MissingEngine[] = result.enginesMissing): HistoryStudy {
  const series = seriesOf(result.engines);
  const cells = new Map(result.results.map((cell) => [`${cell.scenario}\u0000${cell.engine}`, cell]));
  const timelines: HistoryTimeline[] = [];
  const errors = result.results.filter((cell) => cell.outcome === 'error').map((cell) => ({ scenario: cell.scenario, engine: cell.engine, explanation: cell.explanation }));
  for (const scenario of result.scenarios) {
    for (const each of series) {
      for (const aspect of HISTORY_ASPECTS) {
        const stretches: HistoryStretch[] = [];
        for (const build of each.builds) {
          const cell = cells.get(`${scenario.id}\u0000${build.engine}`);
          const value = cell && cellSignature(cell)?.[aspect];
          if (value === undefined) continue;
          const last = stretches.at(-1);
          if (last && last.value === value) last.last = build;
          else stretches.push({ value, first: build, last: build });
        }
        if (stretches.length > 1) timelines.push({ scenario: scenario.id, title: scenario.title, family: each.family, kind: each.kind, aspect, stretches, text: describeStretches(stretches) });
      }
    }
  }
  return { study: 'history', series, scenarios: result.scenarios.length, timelines, kindDifferences: kindDifferencesOf(result, series, cells), errors, cells: result.results.length, durationMs: result.durationMs, enginesMissing };
}

function kindDifferencesOf(result: RunResult, series: readonly HistorySeries[], cells: Map<string, CellResult>): KindDifference[] {
  const differences: KindDifference[] = [];
  for (const full of series.filter((each) => each.kind === 'full')) {
    const shell = series.find((each) => each.family === full.family && each.kind === 'headless-shell');
    if (!shell) continue;
    for (const fullBuild of full.builds) {
      const major = majorOf(fullBuild.version);
      const shellBuild = shell.builds.find((build) => majorOf(build.version) === major);
      if (!shellBuild || major === undefined) continue;
      for (const scenario of result.scenarios) {
        const [a, b] = [cells.get(`${scenario.id}\u0000${fullBuild.engine}`), cells.get(`${scenario.id}\u0000${shellBuild.engine}`)];
        const [left, right] = [a && cellSignature(a), b && cellSignature(b)];
        if (!left || !right) continue;
        for (const aspect of HISTORY_ASPECTS) {
          if (left[aspect] !== right[aspect]) differences.push({ scenario: scenario.id, family: full.family, major, aspect, full: { ...fullBuild, value: left[aspect] }, shell: { ...shellBuild, value: right[aspect] } });
        }
      }
    }
  }
  return differences;
}

export interface HistoryOptions {
  builds: string[];
  scenarios: Scenario[];
  timeoutMs: number;
  onProgress?: (progress: { engine: string; done: number; total: number }) => void;
}

/**
 * Runs the scenarios in every build, two builds at a time (one per core on
 * the machines cors-lab is measured on; each build is launched once), and
 * reads the history off the one result.
 */
export async function studyHistory(options: HistoryOptions): Promise<{ study: HistoryStudy; run: RunResult }> {
  const run = await runScenarios({ scenarios: options.scenarios, engines: options.builds, timeoutMs: options.timeoutMs, isolation: 'group', engineConcurrency: 2, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  return { study: historyOf(run), run };
}

export type { HistoryBuild };
