// The canonical JSON result (ARCHITECTURE.md, "The JSON result"). Every report is
// rendered from this shape. Fields may be added; a change of meaning bumps
// SCHEMA_VERSION.
import type { JournalEntry } from '../../servers/journal.ts';
import type { CompatStudy, HistoryStudy, MaxAgeStudy, PnaStudy } from './research.ts';
import type { CorsPolicy } from '../scenario/policy.ts';
import type { CheckSection, Replay } from './check.ts';
import type { MiddlewareSection, ScenarioMiddleware } from './middleware.ts';
import {
  compareEngineIds,
  type ConsoleEntry,
  type EngineFamily,
  type EngineId,
  type EngineInfo,
  type MissingEngine,
} from '../engines/types.ts';
import type { Deviation, Outcome } from '../scenario/schema.ts';
import { toolVersion } from '../package/root.ts';
import type { FirstRequest } from '../spec/first-request.ts';
import type { Hop } from '../spec/types.ts';
import type { Behaviour, ShapeDeparture, ShapeField } from '../scenario/behaviours.ts';
import { runInfo, type RowDefinition, type RunInfo } from './run-info.ts';

/**
 * 2: `kind` added, and the result is one of three shapes told apart by it
 * (a research result has no scenarios, results or summary); an engine that
 * was found but did not start is listed in enginesMissing (found: true)
 * instead of a column of error cells, so EngineEntry.launchError and the
 * middleware variants' launchErrors are gone.
 * 3: check.findings holds one finding per cause (CheckFinding: cause, kind,
 * cases with their origins, engines and evidence, why, fix), where it held
 * one entry per hostile origin. (runInfo was added later in 3: a result
 * without it was written before it existed.)
 */
export const SCHEMA_VERSION = 3;

/** What produced the result: a catalog run (with or without --middleware), a check, or a research study (no scenarios or cells). */
export type ResultKind = 'run' | 'check' | 'research';

export interface RequestSent {
  url: string;
  method: string;
  headers: Record<string, string>;
  mode: string;
  credentials: string;
  body?: string;
}

export interface ReachabilityControl {
  /** The top-level URL the engine navigated to. */
  url: string;
  /** A lab server journaled the navigation and answered it. */
  reached: boolean;
  /** The navigation's own failure, if any (for example net::ERR_CONNECTION_REFUSED). */
  error?: string;
}

export interface Evidence {
  /** The request the page made. */
  request: RequestSent;
  /** How the page-side promise ended. */
  settled: 'resolved' | 'rejected' | 'timeout' | 'not-run';
  preflightSent: boolean;
  requestReached: boolean;
  cookiesSent: boolean;
  /** Cookie names the (last) actual request carried, from the journal. */
  cookiesReceived: string[];
  /** Readable status when the response was readable; otherwise the status the server sent. */
  status?: number;
  readableHeaders?: Record<string, string>;
  body?: string;
  responseType?: string;
  /** With request.repeat: how the earlier requests of the probe ended. */
  earlier?: { settled: string; status?: number; error?: string }[];
  errorMessage?: string;
  /** Console text where the engine exposes it; the string "not exposed" where it does not. */
  console: ConsoleEntry[] | 'not exposed';
  /** TLS handshakes the target's server saw fail while the probe ran. */
  tlsErrors: number;
  /**
   * For a rejected probe that reached no server: a top-level navigation of the
   * same engine to the target's origin, and whether it reached the lab server
   * (reached: the browser refused the request itself, so "blocked").
   */
  control?: ReachabilityControl;
  /** The engine's first request to the probe URL, from the journal, held against how the spec makes it; absent when nothing reached the server. */
  requestShape?: RequestShape;
  journal: JournalEntry[];
}

/** How a request was made: its mode (as Sec-Fetch-Mode names it), its Origin header, and whether a preflight went first. */
export interface RequestMade {
  /** Absent where the engine sent no Sec-Fetch-Mode. */
  mode?: string;
  /** null: no Origin header. */
  origin: string | null;
  preflight: boolean;
  /** The spec's side only: false where the spec sends no request at all, only a preflight that fails (origin and mode then describe nothing). */
  sent?: false;
}

export interface RequestShape {
  expected: RequestMade;
  seen: RequestMade;
  /** Each way the engine's request differs from the spec's, as a sentence; empty when they agree. */
  differences: string[];
  /** The whole chain, hop by hop: the spec's and the engine's (from the journal), and where they first part. */
  chain?: RequestChain;
  /** Where the engine's requests first part from the spec's, as fields an engine-behaviour registry entry can name; absent when they agree. */
  departs?: ShapeDeparture;
}

export type { ShapeDeparture, ShapeField } from '../scenario/behaviours.ts';

/** One preflight or request as the journal shows it, in the terms of the spec's hops. */
export interface HopSeen {
  url: string;
  kind: 'preflight' | 'request';
  method: string;
  status?: number;
  /** null: no Origin header. */
  origin: string | null;
  /** Sec-Fetch-Mode; absent where the engine sent none. */
  mode?: string;
  /** A preflight's Access-Control-Request-Method and -Headers as sent ('' for no -Headers). */
  asks?: { method: string; headers: string };
  /** A Cookie header was sent. */
  cookies: boolean;
}

export interface RequestChain {
  expected: Hop[];
  seen: HopSeen[];
  /** Where the engine's chain first parts from the spec's, as a sentence ("hop 3, the preflight after the 307: ..."); absent when they agree. */
  firstDifference?: string;
  /** The same, as the hop (1-based) and the field that differs. */
  firstDifferenceAt?: { hop: number; field: ShapeField };
}

/** The spec model's prediction for a scenario, shown beside every engine. */
export interface SpecView {
  outcome: Outcome;
  explanation: string;
  /** Blocked by the server's answer: what the server changes so the request passes (the spec model's, from the answers it was given). */
  fix?: string;
  preflight: boolean;
  /** Access-Control-Request-Method / -Headers the spec sends, for comparison with the journal. */
  preflightHeaders?: { method: string; requestHeaders: string };
  /** The spec steps taken, each citing its section. */
  steps: string[];
  /** How the spec makes the first request (its first attempt, with repeat): what each engine's request is held against. */
  firstRequest?: FirstRequest;
  /** Every preflight and request the spec sends, in order, over every attempt (redirect hops included): what each engine's journal is held against, hop by hop. */
  chain?: Hop[];
  /** The engine-behaviour registry's entries whose conditions hold for this request and its answers (scenarios/engines.behaviours.yaml). */
  knownBehaviours?: Behaviour[];
  /** Set when the scenario file declares a different spec outcome than the model predicts. */
  declared?: Outcome;
}

/**
 * How a cell relates to the spec:
 * - matches-spec: the engine did what the standard predicts;
 * - known-deviation: it differs, as a deviation with a source says it does;
 * - cookie-policy: only a cookie was withheld, by the engine's third-party
 *   cookie policy (which the standard leaves to the browser);
 * - new-finding: it differs and no known deviation covers it;
 * - error: no answer at all where the spec predicts one.
 */
export type CellVerdict = 'matches-spec' | 'known-deviation' | 'cookie-policy' | 'new-finding' | 'error' | 'flaky';

export function verdictFor(
  outcome: Outcome,
  spec: Outcome,
  deviation: Deviation | undefined,
  withheldByCookiePolicy = false,
): CellVerdict {
  if (outcome === spec) return 'matches-spec';
  if (withheldByCookiePolicy) return 'cookie-policy';
  if (deviation && deviation.outcome === outcome) return 'known-deviation';
  return outcome === 'error' ? 'error' : 'new-finding';
}

export interface CellResult {
  scenario: string;
  engine: EngineId;
  /** With `run --middleware`: which middleware answered (one column group per middleware). */
  variant?: string;
  outcome: Outcome;
  /** The spec model's predicted outcome. */
  spec: Outcome;
  /** The outcome this engine was expected to give: the spec's, or a known deviation's. */
  expected: Outcome;
  matchesExpectation: boolean;
  verdict: CellVerdict;
  /** Set when the expectation came from a known per-engine deviation. */
  deviation?: Deviation;
  /**
   * Set when the outcome is the spec's but the engine made the request
   * otherwise than the spec makes it (evidence.requestShape): the right
   * answer for the wrong reason, e.g. a CORS request sent as no-cors.
   */
  requestMismatch?: string;
  /** The request differed from the spec's as an engine-behaviour registry entry says this engine's does: the entry, and the difference it explains (no ? then). */
  knownRequestShape?: { id: string; title: string; source: string; difference: string };
  evidence: Evidence;
  /** With --repeat: how many attempts the cell had (its evidence is the first's). */
  attempts?: number;
  /** With --repeat, when the attempts disagreed (verdict "flaky"): each attempt's outcome and evidence. */
  flaky?: FlakyAttempt[];
  /** What happened, from the page's result and the journal. */
  explanation: string;
  /** Why the spec predicts what it does. */
  specExplanation: string;
  durationMs: number;
}

/** One attempt of a flaky cell: what the engine did that time, with its journal entries (by seq). */
export interface FlakyAttempt {
  outcome: Outcome;
  verdict: CellVerdict;
  explanation: string;
  preflightSent: boolean;
  requestReached: boolean;
  status?: number;
  console?: string[];
  durationMs: number;
  journal: number[];
}

export interface ScenarioSummary {
  /** With `run --middleware`: the scenario's policy, its templates filled in for this run. */
  middlewarePolicy?: CorsPolicy;
  /** `cors-lab check` only: the server's answers to cors-lab's own replay of the request (never what a browser saw). */
  replay?: Replay;
  id: string;
  title: string;
  file: string;
  kind: string;
  description?: string;
  tags: string[];
  expected: { spec: Outcome; deviations?: Partial<Record<EngineFamily, Deviation>> };
  specModel: SpecView;
}

/** An engine that ran, as the result names it. */
export interface EngineEntry extends EngineInfo {
  /** When and why its browser was relaunched: it crashed or was killed during the run (the page it died in is errors), or a launch attempt failed. */
  relaunched?: string[];
}

/** The fields every result has, whatever made it. */
interface ResultBase {
  schemaVersion: number;
  kind: ResultKind;
  tool: { name: string; version: string };
  /** What two results need to be compared: the cors-lab commit, the machine, a hash of the rows measured. */
  runInfo: RunInfo;
  startedAt: string;
  durationMs: number;
  /** repeat: with --repeat N, each cell's attempts; shard: with --shard i/n, which part of the cells this result holds. */
  options: {
    isolation: string;
    timeoutMs: number;
    profile: string;
    repeat?: number;
    shard?: { index: number; total: number };
    merged?: { shards: number[]; total: number };
  };
  engines: EngineEntry[];
  /** Engines asked for (or looked for) and not run: never run, never invented. */
  enginesMissing: MissingEngine[];
}

/** What a run or a check measured: a matrix of scenarios by engine. */
interface MatrixBase extends ResultBase {
  scenarios: ScenarioSummary[];
  results: CellResult[];
  summary: Summary;
  /** Set when a signal stopped the run: `results` holds the cells completed before it; the others were not run (never counted as errors). */
  interrupted?: InterruptionRecord;
}

export interface InterruptionRecord {
  signal: string;
  /** When the signal came (ISO 8601). */
  at: string;
  /** Cells completed before the signal (all of `results`). */
  completed: number;
  /** Cells planned for the engines that were to run and not run. */
  notRun: number;
}

/** The interruption record of a run that planned `planned` cells and completed `completed`, if a signal stopped it. */
export function interruptionRecord(
  stop: { signal: string; at: Date } | undefined,
  planned: number,
  completed: number,
): { interrupted: InterruptionRecord } | Record<string, never> {
  return stop
    ? {
        interrupted: {
          signal: stop.signal,
          at: stop.at.toISOString(),
          completed,
          notRun: Math.max(0, planned - completed),
        },
      }
    : {};
}

export interface Summary {
  total: number;
  allowed: number;
  blocked: number;
  error: number;
  unexpected: number;
  knownDeviations: number;
  newFindings: number;
  /** Cells with the spec's outcome whose request the engine made otherwise than the spec makes it (CellResult.requestMismatch); absent in results from before the check. */
  requestMismatches?: number;
  /** With --repeat: cells whose attempts disagreed, and each engine's share of flaky cells. */
  flaky?: number;
  flakeRate?: Partial<Record<EngineId, number>>;
}

/** `cors-lab run` (and the vitest API's cells): the catalog or the user's scenarios. */
export interface RunResult extends MatrixBase {
  kind: 'run';
  /** Present for `run --middleware`: one column group per middleware (CellResult.variant), with its findings. */
  middleware?: MiddlewareSection;
  /** Present when scenarios named their own middleware (`middleware.use`) and no --middleware was given: each one, its version and the scenarios it served. */
  scenarioMiddlewares?: ScenarioMiddleware[];
  /** The CLI's run of catalog scenarios behind BCD features: their cells held against MDN browser-compat-data (research compat's comparison, without its preference runs). */
  compat?: CompatStudy;
}

/** `cors-lab check`: the user's server, with the endpoints, how they were reached, and the security sweep's findings. */
export interface CheckResult extends MatrixBase {
  kind: 'check';
  check: CheckSection;
}

/** `cors-lab research`: the studies measured here, each with its own shape. It has no scenarios or cells. */
export interface ResearchResult extends ResultBase {
  kind: 'research';
  research: { maxAge?: MaxAgeStudy; pna?: PnaStudy; compat?: CompatStudy; history?: HistoryStudy };
}

/** A result with a matrix: what the matrix reports (terminal, JUnit, the HTML table) render. */
export type MatrixResult = RunResult | CheckResult;

/** Every result.json, told apart by `kind`. */
export type CorsLabResult = RunResult | CheckResult | ResearchResult;

/** Results written before remote engines name no family: a local engine's id is its family. */
export function withEngineFamilies<T extends CorsLabResult>(result: T): T {
  if (result.kind !== 'research')
    for (const engine of result.engines ?? []) engine.family ??= engine.id as EngineFamily;
  return result;
}

/** Engines in result order (compareEngineIds); results by row (as `rowOrder` lists them), then engine. */
export function sortForReport(engines: EngineEntry[], results: CellResult[], rowOrder: string[]): void {
  engines.sort((a, b) => compareEngineIds(a.id, b.id));
  const rows = new Map(rowOrder.map((id, index) => [id, index]));
  results.sort((a, b) => rows.get(a.scenario)! - rows.get(b.scenario)! || compareEngineIds(a.engine, b.engine));
}

export function summarize(results: CellResult[]): Summary {
  return {
    total: results.length,
    allowed: results.filter((result) => result.outcome === 'allowed').length,
    blocked: results.filter((result) => result.outcome === 'blocked').length,
    error: results.filter((result) => result.outcome === 'error').length,
    unexpected: results.filter((result) => !result.matchesExpectation).length,
    knownDeviations: results.filter((result) => result.verdict === 'known-deviation').length,
    newFindings: results.filter((result) => result.verdict === 'new-finding').length,
    requestMismatches: results.filter((result) => result.requestMismatch !== undefined).length,
    ...flakes(results),
  };
}

/** With --repeat (any cell has attempts): the flaky cells, and per engine the share of its cells that were flaky. */
function flakes(results: CellResult[]): Pick<Summary, 'flaky' | 'flakeRate'> {
  if (!results.some((result) => result.attempts !== undefined)) return {};
  const engines = [...new Set(results.map((result) => result.engine))];
  const rate = (engine: EngineId) => {
    const cells = results.filter((result) => result.engine === engine);
    return Math.round((cells.filter((result) => result.verdict === 'flaky').length / cells.length) * 10_000) / 10_000;
  };
  return {
    flaky: results.filter((result) => result.verdict === 'flaky').length,
    flakeRate: Object.fromEntries(engines.map((engine) => [engine, rate(engine)])),
  };
}

/** The fields every result starts with: format, tool, what was measured (`rows`), and when it ran (`startedMs` from performance.now()). */
export function resultHeader<K extends ResultKind>(
  kind: K,
  startedAt: Date,
  startedMs: number,
  rows: RowDefinition[],
): Pick<ResultBase, 'schemaVersion' | 'tool' | 'runInfo' | 'startedAt' | 'durationMs'> & { kind: K } {
  return {
    schemaVersion: SCHEMA_VERSION,
    kind,
    tool: { name: 'cors-lab', version: toolVersion() },
    runInfo: runInfo(rows),
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - startedMs),
  };
}
