// research compat: the measured matrix held against MDN's browser-compat-data.
// For each mapped BCD feature (scenarios/compat.bcd.yaml) and each engine:
// BCD's claim at the measured version, what the cells behind it show, and
// agree / disagree / not comparable. A claim behind a Firefox preference is
// measured a second time with the preference set, so the data's flag is
// checked too; a disagreement gets a diagnosis that says what was tried.
import type { EngineId, EngineInfo, MissingEngine } from '../engines/types.ts';
import type { CellResult, RunResult } from '../result/result.ts';
import { readResult } from '../result/read.ts';
import type { BcdClaim, CompatCell, CompatFeature, CompatStudy, CompatVerdictRow } from '../result/research.ts';
import { runScenarios } from '../run/runner.ts';
import { loadCompatMap, scenariosOf, type CompatFeatureRule } from '../scenario/compat-map.ts';
import { loadScenarios, type Scenario } from '../scenario/loader.ts';
import { BUILTIN_CATALOG } from '../package/root.ts';
import { bcd, BCD_BROWSER, claimAt, compatOf, currentRelease } from './bcd.ts';

export interface CompatOptions {
  engines?: EngineId[];
  timeoutMs: number;
  /** Read the cells from this run result instead of running the scenarios. */
  from?: string;
  onProgress?: (line: string) => void;
}

export interface CompatOutcome {
  study: CompatStudy;
  engines: EngineInfo[];
}

/** The cells of one engine, by scenario. */
type EngineCells = Map<string, CellResult>;

function engineCells(results: CellResult[], engine: EngineId): EngineCells {
  return new Map(results.filter((cell) => cell.engine === engine).map((cell) => [cell.scenario, cell]));
}

export async function studyCompat(options: CompatOptions): Promise<CompatOutcome> {
  const features = loadCompatMap();
  const missingKeys = features.filter((feature) => !compatOf(feature.key)).map((feature) => feature.key);
  if (missingKeys.length > 0)
    throw new Error(`BCD ${bcd().__meta.version} has no ${missingKeys.join(', ')}: update scenarios/compat.bcd.yaml`);
  const wanted = new Set(features.flatMap(scenariosOf));

  let result: RunResult;
  let scenarios: Scenario[] = [];
  if (options.from) {
    result = readRun(options.from);
  } else {
    const loaded = loadScenarios([BUILTIN_CATALOG]);
    scenarios = loaded.scenarios.filter((scenario) => wanted.has(scenario.id));
    options.onProgress?.(`running the ${scenarios.length} catalog scenarios behind ${features.length} BCD features`);
    result = await runScenarios({
      scenarios,
      ...(options.engines ? { engines: options.engines } : {}),
      timeoutMs: options.timeoutMs,
      isolation: 'group',
    });
  }
  const engines = result.engines.filter((engine) => !options.engines || options.engines.includes(engine.id));

  // A BCD claim behind a Firefox preference: the feature's scenarios once more, with it set.
  const flagRuns = new Map<string, { cells?: EngineCells; notRun?: string }>();
  const firefox = engines.find((engine) => engine.family === 'firefox' && !engine.remote);
  for (const feature of features) {
    const claim = firefox && claimFor(feature.key, firefox);
    const pref =
      claim?.status === 'flag'
        ? claim.flags?.find((flag) => flag.type === 'preference' && flag.valueToSet !== undefined)
        : undefined;
    if (!firefox || !pref) continue;
    const setting = `${pref.name}=${pref.valueToSet}`;
    if (flagRuns.has(setting)) continue;
    if (options.from) {
      flagRuns.set(setting, {
        notRun:
          'not run: the cells came from --from; run research compat without it to measure with the preference set',
      });
      continue;
    }
    options.onProgress?.(`running ${feature.key}'s scenarios in Firefox with ${setting}`);
    const flagged = await runScenarios({
      scenarios: scenarios.filter((scenario) => scenariosOf(feature).includes(scenario.id)),
      engines: [firefox.id],
      timeoutMs: options.timeoutMs,
      isolation: 'group',
      firefoxPrefs: { [pref.name]: prefValue(pref.valueToSet!) },
    });
    flagRuns.set(
      setting,
      flagged.engines.length > 0
        ? { cells: engineCells(flagged.results, firefox.id) }
        : { notRun: `not run: Firefox did not start (${flagged.enginesMissing[0]?.reason ?? 'unknown'})` },
    );
  }

  const study = compareCells(
    result,
    engines,
    options.from ? { kind: 'file', file: options.from } : { kind: 'run' },
    features,
    flagRuns,
  );
  return { study, engines };
}

/**
 * A run's cells held against BCD, without running anything (the run's HTML
 * report has this section): undefined when the run holds none of the mapped
 * scenarios.
 */
export function compatOfRun(result: RunResult): CompatStudy | undefined {
  const features = loadCompatMap();
  const measured = new Set(result.results.map((cell) => cell.scenario));
  if (!features.some((feature) => scenariosOf(feature).some((scenario) => measured.has(scenario)))) return undefined;
  const known = features.filter((feature) => compatOf(feature.key) !== undefined);
  return compareCells(
    result,
    result.engines,
    { kind: 'run' },
    known.filter((feature) => scenariosOf(feature).some((scenario) => measured.has(scenario))),
    new Map(),
  );
}

/** Every feature held against every engine's cells. */
function compareCells(
  result: RunResult,
  engines: EngineInfo[],
  source: CompatStudy['source'],
  features: CompatFeatureRule[],
  flagRuns: Map<string, { cells?: EngineCells; notRun?: string }>,
): CompatStudy {
  const cells = new Map(engines.map((engine) => [engine.id, engineCells(result.results, engine.id)]));
  return {
    study: 'compat',
    bcd: { version: bcd().__meta.version, ...(bcd().__meta.timestamp ? { timestamp: bcd().__meta.timestamp } : {}) },
    source,
    features: features.map((feature): CompatFeature => ({
      key: feature.key,
      title: feature.title,
      ...(compatOf(feature.key)?.mdn_url ? { mdnUrl: compatOf(feature.key)!.mdn_url! } : {}),
      scenarios: scenariosOf(feature),
      engines: engines.map((engine) => verdictRow(feature, engine, cells.get(engine.id)!, flagRuns)),
    })),
    enginesMissing: result.enginesMissing as MissingEngine[],
  };
}

function readRun(file: string): RunResult {
  const read = readResult(file);
  if ('problem' in read) throw new Error(`--from ${read.problem}`);
  if (read.result.kind !== 'run')
    throw new Error(
      `--from ${file}: a ${read.result.kind} result; the catalog's cells come from a run. Fix: give the result.json of cors-lab run`,
    );
  return read.result;
}

/** BCD's claim for an engine: its own browser at its version; WebKitGTK at Safari's current release. */
function claimFor(key: string, engine: EngineInfo): BcdClaim {
  const browser = BCD_BROWSER[engine.family];
  const isSafari = engine.remote?.browserName.toLowerCase() === 'safari';
  const version = engine.family === 'webkit' && !isSafari ? (currentRelease('safari') ?? '0') : engine.version;
  return claimAt(key, browser, version);
}

function comparedWith(engine: EngineInfo, claim: BcdClaim): string | undefined {
  if (engine.family === 'webkit' && engine.remote?.browserName.toLowerCase() !== 'safari')
    return `${engine.browser} is not Safari: compared with Safari ${claim.atVersion}'s data (BCD does not track WebKitGTK)`;
  if (engine.family === 'chromium' && !/chrome/i.test(engine.browser))
    return `${engine.browser} is not Chrome: compared with Chrome's data (the same engine and version numbers)`;
  return undefined;
}

/** What the rule reads from one engine's cells: supported, not, or null where a cell is missing or had no answer. */
function measure(
  feature: CompatFeatureRule,
  cells: EngineCells,
): { supported: boolean | null; cells: CompatCell[]; text: string } {
  const rule = feature.supportedWhen;
  if ('requestHeader' in rule) {
    const cell = cells.get(rule.requestHeader.scenario);
    const sent = cell?.evidence.journal.find((entry) => entry.kind === 'request')?.headers?.[rule.requestHeader.header];
    const measured =
      cell === undefined
        ? 'not measured'
        : !cell.evidence.requestReached
          ? 'no request reached the lab'
          : (sent ?? 'absent');
    const supported = cell === undefined || !cell.evidence.requestReached ? null : sent !== undefined;
    return {
      supported,
      cells: [{ scenario: rule.requestHeader.scenario, measured, wanted: `${rule.requestHeader.header} sent` }],
      text: supported === null ? measured : `${rule.requestHeader.header}: ${measured}`,
    };
  }
  const read = Object.entries(rule.outcomes).map(([scenario, wanted]) => ({
    scenario,
    wanted,
    measured: cells.get(scenario)?.outcome ?? 'not measured',
  }));
  if (read.some((cell) => cell.measured === 'not measured' || cell.measured === 'error')) {
    return { supported: null, cells: read, text: read.map((cell) => `${cell.scenario} ${cell.measured}`).join(', ') };
  }
  const supported = read.every((cell) => cell.measured === cell.wanted);
  return { supported, cells: read, text: read.map((cell) => `${cell.scenario} ${cell.measured}`).join(', ') };
}

function verdictRow(
  feature: CompatFeatureRule,
  engine: EngineInfo,
  cells: EngineCells,
  flagRuns: Map<string, { cells?: EngineCells; notRun?: string }>,
): CompatVerdictRow {
  const claim = claimFor(feature.key, engine);
  const against = comparedWith(engine, claim);
  const measured = measure(feature, cells);
  const base = {
    engine: engine.id,
    family: engine.family,
    claim,
    ...(against ? { comparedWith: against } : {}),
    measured,
  };
  const pref = claim.flags?.find((flag) => flag.type === 'preference' && flag.valueToSet !== undefined);
  const setting = pref ? `${pref.name}=${pref.valueToSet}` : undefined;
  const flagged = setting && engine.family === 'firefox' && !engine.remote ? flagRuns.get(setting) : undefined;
  const flagRun = setting && flagged ? flagRunOf(feature, setting, flagged) : undefined;
  const withFlag = flagRun ? { flagRun } : {};

  if (claim.status === 'unknown')
    return { ...base, verdict: 'not comparable', reason: `BCD has no claim (${claim.text})`, ...withFlag };
  if (measured.supported === null)
    return { ...base, verdict: 'not comparable', reason: `not measured: ${measured.text}`, ...withFlag };
  // By default: a claim behind a flag says the feature is off.
  const claimed = claim.status === 'supported' || claim.status === 'partial';
  const words = (supported: boolean) => (supported ? 'supported' : 'not supported');
  if (claimed === measured.supported) {
    const flagWords =
      flagRun && 'supported' in flagRun
        ? `; with ${flagRun.setting} it measures ${words(Boolean(flagRun.supported))}${flagRun.matchesClaim ? ', as BCD says' : ', which BCD does not say'}`
        : '';
    return {
      ...base,
      verdict: 'agree',
      reason: `BCD: ${claim.text}; measured ${words(measured.supported)} by default${flagWords}${claim.status === 'partial' ? ' (BCD calls it partial: see its notes)' : ''}`,
      ...withFlag,
    };
  }
  return {
    ...base,
    verdict: 'disagree',
    reason: `BCD: ${claim.text}; measured ${words(measured.supported)}`,
    ...withFlag,
    diagnosis: diagnose(engine, claim, measured, flagRun, cells, feature),
  };
}

function flagRunOf(
  feature: CompatFeatureRule,
  setting: string,
  run: { cells?: EngineCells; notRun?: string },
): NonNullable<CompatVerdictRow['flagRun']> {
  if (!run.cells) return { setting, notRun: run.notRun ?? 'not run' };
  const measured = measure(feature, run.cells);
  return {
    setting,
    supported: measured.supported,
    cells: measured.cells,
    text: measured.text,
    matchesClaim: measured.supported === true,
  };
}

/** What could explain a disagreement, from the evidence, and what was tried; "unknown" when nothing does. */
function diagnose(
  engine: EngineInfo,
  claim: BcdClaim,
  measured: { supported: boolean | null; text: string },
  flagRun: CompatVerdictRow['flagRun'],
  cells: EngineCells,
  feature: CompatFeatureRule,
): string {
  const evidence = scenariosOf(feature).map((scenario) => {
    const cell = cells.get(scenario);
    if (!cell) return `${scenario}: not measured`;
    return `${scenario}: ${cell.outcome} (preflight ${cell.evidence.preflightSent ? 'sent' : 'not sent'}; request ${cell.evidence.requestReached ? `reached the lab${cell.evidence.status ? `, answered ${cell.evidence.status}` : ''}` : 'did not reach the lab'})`;
  });
  const candidates = [
    claim.flags?.length ? `BCD's flag (${claim.flags.map((flag) => flag.name).join(', ')})` : undefined,
    `the build (${engine.browser} ${engine.version}, not the release BCD describes)`,
    `automation (${engine.driver})`,
    `the profile (${engine.cookieSettings})`,
  ].filter(Boolean);
  const tried = flagRun
    ? 'supported' in flagRun
      ? `Tried: ${flagRun.setting} gives ${flagRun.text}.`
      : `Tried: ${flagRun.setting}: ${flagRun.notRun}.`
    : 'Tried: nothing could be changed and run again for this engine.';
  const explained =
    flagRun &&
    'supported' in flagRun &&
    flagRun.supported === (claim.status === 'supported' || claim.status === 'partial');
  return `The engine did: ${evidence.join('; ')}. BCD says: ${claim.text}${claim.notes.length ? ` (notes: ${claim.notes.join(' ')})` : ''}. Could explain it: ${candidates.join(', ')}. ${tried} ${explained ? 'Explained by the setting above.' : 'Cause unknown.'}`;
}

/** BCD writes preference values as text. */
function prefValue(value: string): string | number | boolean {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^-?\d+$/.test(value) ? Number(value) : value;
}
