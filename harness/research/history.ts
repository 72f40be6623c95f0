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
import {
  HISTORY_ASPECTS,
  PAGE_MECHANISMS,
  PAGE_SECURITIES,
  PERMISSION_CASES,
  PNA_REQUESTS,
  TARGET_SPACES,
  type PnaObservation,
  type HistoryAspect,
  type HistorySeries,
  type HistoryStretch,
  type HistoryStudy,
  type HistoryTimeline,
  type KindDifference,
  type MaxAgeEngineResult,
  type PnaEngineResult,
} from '../result/research.ts';
import { runScenarios } from '../run/runner.ts';
import { compareVersions } from '../scenario/behaviours.ts';
import { studyMaxAge } from './max-age.ts';
import { studyPna } from './pna.ts';
import type { Scenario } from '../scenario/loader.ts';

const withoutPort = (origin: string) => origin.replace(/:\d+$/, '');

/**
 * What is compared for one cell, per aspect; undefined where a cell gave no
 * answer (an error is never read as a change of behaviour).
 */
export function cellSignature(cell: CellResult): Record<HistoryAspect, string> | undefined {
  if (cell.outcome === 'error') return undefined;
  const seen = cell.evidence.requestShape?.seen;
  const request = seen
    ? `mode ${seen.mode ?? '(none)'}, Origin ${seen.origin === null ? '(none)' : withoutPort(seen.origin)}, ${seen.preflight ? 'preflight first' : 'no preflight'}`
    : 'no request reached the lab';
  // Preflights too: a change between builds may be in the preflight alone (its Access-Control-Request-* headers).
  const journal = cell.evidence.journal
    .filter((entry) => entry.kind === 'preflight' || entry.kind === 'request')
    .map((entry) => {
      const headers = entry.headers ?? {};
      // The probe's nonce and the lab's ports differ from run to run (bisect compares runs): neither is behaviour.
      const path = (entry.url?.replace(/^[a-z]+:\/\/[^/]+/, '').replace(/\?.*$/, '') ?? '').replaceAll(
        entry.nonce ?? '\u0000',
        '{nonce}',
      );
      const notes = [
        headers.cookie ? 'cookie' : '',
        headers['access-control-request-private-network'] ? 'ACRPN' : '',
        headers['access-control-request-method'] ? `ACRM ${headers['access-control-request-method']}` : '',
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
    const found = listCachedBuilds()
      .filter(
        (build) =>
          build.family === range.family &&
          kinds.includes(build.kind) &&
          build.major >= range.from &&
          build.major <= range.to,
      )
      .map((build) => build.name);
    for (const kind of kinds) {
      const system = await systemBuild(range.family, kind);
      const major = system && majorOf(system.version);
      if (major !== undefined && major >= range.from && major <= range.to)
        found.push(kind === 'headless-shell' ? 'chromium-headless-shell' : range.family);
    }
    if (found.length === 0)
      problems.push(
        `${range.name}: no build in that range is on this machine. Fix: cors-lab install-browsers ${range.name}`,
      );
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
  const when = (stretch: HistoryStretch, index: number) =>
    stretches.length === 1
      ? 'in every build'
      : index === 0
        ? `up to ${stretch.last.version}`
        : index === stretches.length - 1
          ? `from ${stretch.first.version}`
          : stretch.first === stretch.last
            ? `in ${stretch.first.version} only`
            : `from ${stretch.first.version} to ${stretch.last.version}`;
  // A value that is itself a list (a journal, a study's cases) is bracketed by its builds, so the two kinds of comma do not mix.
  if (stretches.some((stretch) => /[,;]/.test(stretch.value)))
    return stretches.map((stretch, index) => `[${when(stretch, index)}] ${stretch.value}`).join(' → ');
  return stretches.map((stretch, index) => `${stretch.value} ${when(stretch, index)}`).join(', ');
}

/** A row of the history: a catalog scenario, or one case of a study (research pna, research max-age), with its value per aspect in each build. */
export interface HistoryRow {
  id: string;
  title: string;
  /** Per engine id: the row's value per aspect, or undefined where that build gave no answer or did not measure it. */
  valueIn: (engine: string) => Partial<Record<HistoryAspect, string>> | undefined;
}

/** Where each row changed between consecutive builds of each series. */
export function timelinesOf(rows: readonly HistoryRow[], series: readonly HistorySeries[]): HistoryTimeline[] {
  const timelines: HistoryTimeline[] = [];
  for (const row of rows) {
    for (const each of series) {
      for (const aspect of HISTORY_ASPECTS) {
        const stretches: HistoryStretch[] = [];
        for (const build of each.builds) {
          const value = row.valueIn(build.engine)?.[aspect];
          if (value === undefined) continue;
          const last = stretches.at(-1);
          if (last && last.value === value) last.last = build;
          else stretches.push({ value, first: build, last: build });
        }
        if (stretches.length > 1)
          timelines.push({
            scenario: row.id,
            title: row.title,
            family: each.family,
            kind: each.kind,
            aspect,
            stretches,
            text: describeStretches(stretches),
          });
      }
    }
  }
  return timelines;
}

/** The catalog's rows: each scenario's cells, compared by cellSignature. */
function scenarioRows(result: RunResult): HistoryRow[] {
  const cells = new Map(result.results.map((cell) => [`${cell.scenario}\u0000${cell.engine}`, cell]));
  return result.scenarios.map((scenario) => ({
    id: scenario.id,
    title: scenario.title,
    valueIn: (engine: string) => {
      const cell = cells.get(`${scenario.id}\u0000${engine}`);
      return cell && cellSignature(cell);
    },
  }));
}

function kindDifferencesOf(
  result: RunResult,
  series: readonly HistorySeries[],
  cells: Map<string, CellResult>,
): KindDifference[] {
  const differences: KindDifference[] = [];
  for (const full of series.filter((each) => each.kind === 'full')) {
    const shell = series.find((each) => each.family === full.family && each.kind === 'headless-shell');
    if (!shell) continue;
    for (const fullBuild of full.builds) {
      const major = majorOf(fullBuild.version);
      const shellBuild = shell.builds.find((build) => majorOf(build.version) === major);
      if (!shellBuild || major === undefined) continue;
      for (const scenario of result.scenarios) {
        const [a, b] = [
          cells.get(`${scenario.id}\u0000${fullBuild.engine}`),
          cells.get(`${scenario.id}\u0000${shellBuild.engine}`),
        ];
        const [left, right] = [a && cellSignature(a), b && cellSignature(b)];
        if (!left || !right) continue;
        for (const aspect of HISTORY_ASPECTS) {
          if (left[aspect] !== right[aspect])
            differences.push({
              scenario: scenario.id,
              family: full.family,
              major,
              aspect,
              full: { ...fullBuild, value: left[aspect] },
              shell: { ...shellBuild, value: right[aspect] },
            });
        }
      }
    }
  }
  return differences;
}

/** What a history runs in every build: the scenarios, and the research studies whose findings are about versions. */
export const HISTORY_STUDIES = ['catalog', 'pna', 'max-age'] as const;
export type HistoryStudyName = (typeof HISTORY_STUDIES)[number];

export interface HistoryOptions {
  builds: string[];
  scenarios: Scenario[];
  timeoutMs: number;
  /** Default: the catalog (the scenarios) only. */
  studies?: HistoryStudyName[];
  onProgress?: (progress: { engine: string; done: number; total: number }) => void;
  onStudy?: (line: string) => void;
}

/** Builds two at a time: a study runs its engines side by side, and this machine has two cores. */
async function inPairs<T>(builds: readonly string[], study: (pair: string[]) => Promise<T>): Promise<T[]> {
  const outcomes: T[] = [];
  for (let index = 0; index < builds.length; index += 2) outcomes.push(await study(builds.slice(index, index + 2)));
  return outcomes;
}

/** ✓ allowed, o opaque (no-cors), ✗ blocked, - not sent, … held (a prompt nobody answers). */
const PNA_MARKS: Record<PnaObservation['outcome'], string> = {
  allowed: '✓',
  opaque: 'o',
  blocked: '✗',
  'not-sent': '-',
  timeout: '…',
};

/** research pna's rows: per page (secure or not, made public by override or CSP) and target, what each permission case gave, and the preflight's PNA/LNA headers. */
function pnaRows(engines: readonly PnaEngineResult[]): HistoryRow[] {
  const byId = new Map(engines.map((engine) => [engine.engine.id, engine]));
  return PAGE_MECHANISMS.flatMap((mechanism) =>
    PAGE_SECURITIES.flatMap((page) =>
      TARGET_SPACES.map((target) => ({
        id: `pna: ${page} page (${mechanism}) → ${target}`,
        title: `research pna: a ${page} public page (made public by ${mechanism === 'csp' ? 'CSP treat-as-public-address' : 'the engine override'}) calling a ${target} target`,
        valueIn: (engine: string) => {
          const result = byId.get(engine);
          const measured = result?.pages.find((entry) => entry.mechanism === mechanism && entry.page === page);
          if (!result || !measured || measured.skipped) return undefined;
          const observations = result.observations.filter(
            (entry) =>
              entry.mechanism === mechanism && entry.page === page && entry.target === target && !entry.allowHeader,
          );
          if (observations.length === 0) return undefined;
          // Per permission case, one mark per request kind (preflighted, simple, no-cors), as research pna's terminal view marks them.
          const outcome = PERMISSION_CASES.flatMap((permission) => {
            const chosen = PNA_REQUESTS.map((request) =>
              observations.find((entry) => entry.permission === permission && entry.request === request),
            );
            return chosen.every((entry) => entry === undefined)
              ? []
              : [
                  `${permission.replace(/^only (.*) granted$/, '$1 alone')} ${chosen.map((entry) => (entry ? PNA_MARKS[entry.outcome] : ' ')).join('')}`,
                ];
          }).join('; ');
          const headers = [...new Set(observations.flatMap((entry) => entry.pnaHeaders))];
          return {
            outcome,
            request: headers.length > 0 ? `preflight header ${headers.join(', ')}` : 'no PNA/LNA preflight header',
          };
        },
      })),
    ),
  );
}

/** research max-age's rows: the preflight-cache lifetime per Access-Control-Max-Age value. */
function maxAgeRows(engines: readonly MaxAgeEngineResult[]): HistoryRow[] {
  const byId = new Map(engines.map((engine) => [engine.engine.id, engine]));
  return (engines[0]?.cases ?? []).map((entry) => ({
    id: `max-age: ${entry.label}`,
    title: `research max-age: the preflight-cache lifetime for Access-Control-Max-Age ${entry.value ?? '(absent)'}`,
    valueIn: (engine: string) => {
      const lifetime = byId.get(engine)?.cases.find((each) => each.label === entry.label)?.lifetime;
      if (!lifetime || lifetime.kind === 'error') return undefined;
      return {
        outcome:
          lifetime.kind === 'bracket'
            ? `${lifetime.cachedAt}–${lifetime.refetchedAt} s`
            : lifetime.kind === 'not-cached'
              ? 'not cached'
              : `at least ${lifetime.cachedAt} s (${lifetime.time} time)`,
      };
    },
  }));
}

/**
 * Runs the scenarios in every build, two builds at a time (each build is
 * launched once), and with `studies`, research pna and max-age in every build
 * too, and reads the history off the results.
 */
export async function studyHistory(
  options: HistoryOptions,
): Promise<{ study: HistoryStudy; run?: RunResult; engines: EngineInfo[] }> {
  const studies = options.studies ?? ['catalog'];
  const started = performance.now();
  const run = studies.includes('catalog')
    ? await runScenarios({
        scenarios: options.scenarios,
        engines: options.builds,
        timeoutMs: options.timeoutMs,
        isolation: 'group',
        engineConcurrency: 2,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      })
    : undefined;
  const rows = run ? scenarioRows(run) : [];
  const engines = [...(run?.engines ?? [])];
  const missing = [...(run?.enginesMissing ?? [])];
  const add = (found: readonly EngineInfo[], notRun: readonly MissingEngine[]) => {
    for (const engine of found) if (!engines.some((known) => known.id === engine.id)) engines.push(engine);
    for (const each of notRun) if (!missing.some((known) => known.id === each.id)) missing.push(each);
  };
  if (studies.includes('pna')) {
    options.onStudy?.(`research pna in ${options.builds.length} builds, two at a time`);
    const parts = await inPairs(options.builds, (pair) => studyPna({ engines: pair, timeoutMs: 4000 }));
    const measured = parts.flatMap((part) => part.engines);
    add(
      measured.map((engine) => engine.engine),
      parts.flatMap((part) => part.enginesMissing),
    );
    rows.push(...pnaRows(measured));
  }
  if (studies.includes('max-age')) {
    options.onStudy?.(`research max-age in ${options.builds.length} builds, two at a time`);
    const parts = await inPairs(options.builds, (pair) =>
      studyMaxAge({ engines: pair, maxWaitSeconds: 30, timeoutMs: 8000 }),
    );
    const measured = parts.flatMap((part) => part.engines);
    add(
      measured.map((engine) => engine.engine),
      parts.flatMap((part) => part.enginesMissing),
    );
    rows.push(...maxAgeRows(measured));
  }
  const series = seriesOf(engines);
  const cells = new Map((run?.results ?? []).map((cell) => [`${cell.scenario}\u0000${cell.engine}`, cell]));
  const study: HistoryStudy = {
    study: 'history',
    studies: [...studies],
    rows: rows.length,
    series,
    scenarios: run?.scenarios.length ?? 0,
    timelines: timelinesOf(rows, series),
    kindDifferences: run ? kindDifferencesOf(run, series, cells) : [],
    errors: (run?.results ?? [])
      .filter((cell) => cell.outcome === 'error')
      .map((cell) => ({ scenario: cell.scenario, engine: cell.engine, explanation: cell.explanation })),
    cells: run?.results.length ?? 0,
    durationMs: performance.now() - started,
    enginesMissing: missing,
  };
  return { study, run, engines };
}
