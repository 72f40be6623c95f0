// Shared wording for every renderer, so the reports agree on what a cell says.
import type { MissingEngine } from '../harness/engines/types.ts';
import type { MiddlewareSection } from '../harness/result/middleware.ts';
import type {
  CellResult,
  CheckResult,
  EngineEntry,
  MatrixResult,
  RequestMade,
  RequestShape,
} from '../harness/result/result.ts';

/** Text inside a Markdown table cell: pipes escaped, one line. */
export function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** How one cell reads in every report. */
export type CellLabel = 'matches' | 'known deviation' | 'cookie policy' | 'new finding' | 'flaky' | 'unexpected';

export function verdictOf(cell: CellResult): CellLabel {
  if (cell.verdict === 'known-deviation') return 'known deviation';
  if (cell.verdict === 'cookie-policy') return 'cookie policy';
  if (cell.verdict === 'new-finding') return 'new finding';
  if (cell.verdict === 'flaky') return 'flaky';
  return cell.matchesExpectation ? 'matches' : 'unexpected';
}

/** The mark after an outcome: none, ~ known deviation, ! new finding, ✗ unexpected. */
export const MARKS: Record<CellLabel, string> = {
  matches: '',
  'known deviation': ' ~',
  'cookie policy': ' c',
  'new finding': ' !',
  flaky: ' ≈',
  unexpected: ' ✗',
};
/** The mark of a cell with the spec's outcome whose request was not made as the spec makes it. */
export const REQUEST_MISMATCH_MARK = ' ?';
export const LEGEND =
  "~ known deviation from the spec, c cookie withheld by the engine's cookie policy, ! new finding (deviation with no known source), ≈ flaky (--repeat: the attempts disagreed; the first attempt's outcome is shown), ✗ unexpected, ? the spec's outcome, but the request was not made as the spec makes it (e.g. no CORS request at all)";

/** A cell as the matrix shows it: outcome, verdict mark, and ? for a request made otherwise. */
export function cellText(cell: CellResult): string {
  return `${cell.outcome}${MARKS[verdictOf(cell)]}${cell.requestMismatch ? REQUEST_MISMATCH_MARK : ''}`;
}

/** Cells with the spec's outcome whose request was made otherwise, one line each. */
export function requestMismatchLines(result: MatrixResult): string[] {
  return result.results
    .filter((cell) => cell.requestMismatch !== undefined)
    .map(
      (cell) =>
        `${cell.scenario} in ${cell.variant ? `${cell.variant} · ` : ''}${cell.engine}: ${cell.outcome} as the spec predicts, but ${cell.requestMismatch}`,
    );
}

/** Column heading for an engine: id and exact version. */
export function engineHeading(engine: EngineEntry): string {
  return `${engine.id} ${engine.version}`;
}

/** The short heading terminal views use: id and major version (two parts where the first is small, as WebKitGTK's 2.50). */
export function shortEngineHeading(engine: Pick<EngineEntry, 'id' | 'version'>): string {
  return `${engine.id} ${majorVersion(engine.version)}`;
}

/** "156.0.8078.129" → "156", "2.50.6" → "2.50", "153.8.0esr" → "153". */
export function majorVersion(version: string): string {
  const parts = version.split('.');
  return parts.slice(0, Number(parts[0]) < 10 ? 2 : 1).join('.');
}

/** A matrix column: one engine, or with `run --middleware` one middleware in one engine. */
/** A group of columns: a middleware's, or one side of a diff, with the engine builds it ran. */
export interface ColumnGroup {
  id: string | undefined;
  engines: EngineEntry[];
}

export interface MatrixColumn {
  key: string;
  engine: EngineEntry;
  variant?: string;
  heading: string;
}

export function columnKey(cell: Pick<CellResult, 'engine' | 'variant'>): string {
  return cell.variant === undefined ? cell.engine : `${cell.variant}/${cell.engine}`;
}

/** `run --middleware`'s section, if this result has one. */
export function middlewareOf(result: MatrixResult): MiddlewareSection | undefined {
  return result.kind === 'run' ? result.middleware : undefined;
}

/** The matrix columns, in order: engines, or middlewares × engines. */
/**
 * The matrix's columns: each engine, once per middleware with `run
 * --middleware`, or once per given column group (the diff page's "before"
 * and "after", each with its own engine builds).
 */
export function matrixColumns(result: MatrixResult, groups?: ColumnGroup[]): MatrixColumn[] {
  const variants: ColumnGroup[] = groups ??
    middlewareOf(result)?.variants.map((variant) => ({ id: variant.id, engines: result.engines })) ?? [
      { id: undefined, engines: result.engines },
    ];
  return variants.flatMap(({ id: variant, engines }) =>
    engines.map((engine) => ({
      key: columnKey({ engine: engine.id, variant }),
      engine,
      ...(variant !== undefined ? { variant } : {}),
      heading: variant === undefined ? engineHeading(engine) : `${variant} · ${engineHeading(engine)}`,
    })),
  );
}

/** Cells indexed by scenario id, then column key (see columnKey). */
export function cellIndex(result: MatrixResult): Map<string, Map<string, CellResult>> {
  const index = new Map<string, Map<string, CellResult>>();
  for (const cell of result.results) {
    if (!index.has(cell.scenario)) index.set(cell.scenario, new Map());
    index.get(cell.scenario)!.set(columnKey(cell), cell);
  }
  return index;
}

function describeScenarios(ids: string[]): string {
  return ids.length <= 3 ? ids.join(', ') : `${ids.length} scenarios (${ids.slice(0, 3).join(', ')}, ...)`;
}

/**
 * `run --middleware`: each middleware's version, hygiene findings and Private
 * Network answer; and each middleware scenarios named themselves, with its
 * version and the scenarios it served; as lines (none when the run had no middleware).
 */
export function middlewareLines(result: MatrixResult): string[] {
  const lines: string[] = [];
  if (result.kind === 'run')
    for (const named of result.scenarioMiddlewares ?? [])
      lines.push(`${named.id}: ${named.version}; named by ${describeScenarios(named.scenarios)}`);
  for (const variant of middlewareOf(result)?.variants ?? []) {
    lines.push(`${variant.id}: ${variant.version}; Private Network preflight: ${variant.privateNetwork}`);
    if (variant.hygiene.length === 0) lines.push('  hygiene: no findings');
    for (const finding of variant.hygiene)
      lines.push(
        `  hygiene ${finding.rule}, in ${describeScenarios(finding.scenarios)}: ${finding.detail} (first seen in ${finding.scenario}, journal ${finding.evidence})`,
      );
  }
  return lines;
}

/** "1 build", "2 builds": a count with its noun in the number it takes. */
export function counted(count: number, noun: string, plural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : plural}`;
}

export function summaryLine(result: MatrixResult): string {
  const { total, allowed, blocked, error, unexpected, knownDeviations, newFindings } = result.summary;
  // Results written before the field existed have no count.
  const mismatches = result.summary.requestMismatches ?? 0;
  const { flaky, flakeRate } = result.summary;
  const flakes =
    flaky === undefined
      ? ''
      : `; ${flaky} flaky (${Object.entries(flakeRate ?? {})
          .map(([engine, rate]) => `${engine} ${((rate ?? 0) * 100).toFixed(1)}%`)
          .join(', ')}; ${result.options.repeat ?? 1} attempts each)`;
  return `${total} cells: ${allowed} allowed, ${blocked} blocked, ${error} error; ${counted(knownDeviations, 'known deviation')}, ${counted(newFindings, 'new finding')}; ${unexpected} not as expected${mismatches > 0 ? `; ${mismatches} with the request made otherwise (?)` : ''}${flakes}`;
}

/** Scenarios whose file claims a different spec outcome than the model predicts. */
export function specDisagreements(result: MatrixResult): string[] {
  return result.scenarios
    .filter((scenario) => scenario.specModel.declared !== undefined)
    .map(
      (scenario) =>
        `${scenario.id}: the file says ${scenario.specModel.declared}, the spec model predicts ${scenario.specModel.outcome} (${scenario.specModel.explanation})`,
    );
}

/** An engine as every report describes it: driver, trust and profile. */
export function engineDescription(engine: EngineEntry): string {
  const build = buildText(engine);
  return `${build ? `${build}; ` : ''}${engine.driver}; trust: ${engine.trust}; profile ${engine.profile}: ${engine.cookieSettings}${relaunchedText(engine)}`;
}

/** An engine in a line: its build (its driver where no build is recorded) and any relaunch, without trust and cookie settings (the fitted terminal view; --wide and the HTML have them). */
export function engineSummary(engine: EngineEntry): string {
  return `${buildText(engine) || engine.driver}${relaunchedText(engine)}`;
}

const buildText = (engine: EngineEntry) =>
  engine.build
    ? `${engine.build.kind === 'headless-shell' ? 'headless shell' : 'full browser'} from ${engine.build.source}`
    : '';
const relaunchedText = (engine: EngineEntry) =>
  engine.relaunched?.length
    ? `; RELAUNCHED ${engine.relaunched.length} time(s) during the run: ${engine.relaunched.join('; ')}`
    : '';

/** An engine that was asked for and not found: never run, never invented. */
export function missingDescription(missing: MissingEngine): string {
  return `not run — ${missing.reason}. Fix: ${missing.fix}`;
}

/**
 * `cors-lab check`: the security sweep's outcome in one line, and whether it
 * is clean. A refusal is only claimed where one was seen: a sweep cell that
 * is an error (no answer) tested nothing.
 */
export function sweepVerdict(result: CheckResult): { headline: string; clean: boolean } {
  const { check } = result;
  const holes = check.findings.filter((finding) => finding.kind === 'security');
  if (holes.length > 0) {
    const origins = new Set(
      holes.flatMap((finding) => finding.cases.map((found) => `${found.endpoint} ${found.origin}`)),
    ).size;
    return {
      headline: `Security sweep: real browsers let ${origins} hostile origin(s) read credentialed responses, from ${holes.length} cause(s) (findings below)`,
      clean: false,
    };
  }
  if (!check.sweep) return { headline: 'Security sweep: off.', clean: true };
  const sweepScenarios = new Set(
    result.scenarios.filter((scenario) => scenario.tags.includes('sweep')).map((scenario) => scenario.id),
  );
  const cells = result.results.filter((cell) => sweepScenarios.has(cell.scenario));
  const refused = cells.filter((cell) => cell.outcome === 'blocked').length;
  const untested = cells.length - refused;
  if (cells.length === 0)
    return {
      headline: 'Security sweep: no hostile origin to try (they are derived from the origins expected to be allowed).',
      clean: true,
    };
  if (untested === 0) {
    // Each attack once, with how many rows tried it (two allowed origins give two prefix rows), so the list adds up to the rows.
    const attacks = new Map<string, number>();
    for (const scenario of result.scenarios)
      if (sweepScenarios.has(scenario.id)) {
        const attack = scenario.tags.at(-1) ?? 'sweep';
        attacks.set(attack, (attacks.get(attack) ?? 0) + 1);
      }
    const named = [...attacks].map(([attack, rows]) => (rows > 1 ? `${attack} ×${rows}` : attack));
    return {
      headline: `Security sweep: every hostile origin was refused in every engine that ran (${sweepScenarios.size} rows: ${named.join(', ')}).`,
      clean: true,
    };
  }
  if (refused === 0)
    return {
      headline: `Security sweep: not tested: all ${cells.length} hostile-origin cells are errors (no answer), so no refusal was seen.`,
      clean: false,
    };
  return {
    headline: `Security sweep: ${refused} of ${cells.length} hostile-origin cells refused; the other ${untested} are errors (no answer) and tested nothing.`,
    clean: false,
  };
}

/** `cors-lab check`: each finding (one per cause) as a heading and its details (at most `maxCases` cases, then how many more), numbered as every report numbers them. */
export function findingBlocks(
  result: CheckResult,
  maxCases = Number.POSITIVE_INFINITY,
): { kind: string; heading: string; details: string[] }[] {
  return result.check.findings.map((finding, at) => {
    const engines = finding.engines.length > 0 ? ` — ${finding.engines.join(', ')}` : " — in the server's answers";
    const hostile = finding.cases.every((found) => found.attack !== undefined);
    const details = hostile
      ? [hostileOriginsLine(finding.cases), `evidence: ${finding.cases[0]!.evidence}`]
      : [
          // Several endpoints may share one error path (/api/cors-lab-no-such-path beside /api/items and /api/me): each line names its endpoint.
          ...finding.cases
            .slice(0, maxCases)
            .map((found) => (finding.endpoints.length > 1 ? `${found.endpoint}: ${found.evidence}` : found.evidence)),
          ...(finding.cases.length > maxCases
            ? [
                `… and ${finding.cases.length - maxCases} more alike (all ${finding.cases.length} are in the HTML report and result.json)`,
              ]
            : []),
        ];
    return {
      kind: finding.kind,
      heading: `${at + 1}. [${finding.kind}] ${finding.title}${engines}; ${finding.endpoints.length === 1 ? finding.endpoints[0] : `${finding.endpoints.length} endpoints: ${finding.endpoints.join(', ')}`}`,
      details: [...details, `why it matters: ${finding.why}`, `fix: ${finding.fix}`],
    };
  });
}

/** "origins derived from https://app.example.com: null, http://… (suffix)", the source named once when all share it. */
function hostileOriginsLine(cases: CheckResult['check']['findings'][number]['cases']): string {
  const sources = new Set(cases.map((found) => found.derivedFrom));
  const one = sources.size === 1 ? [...sources][0] : undefined;
  const described = (found: (typeof cases)[number]) => {
    const from = !one && found.derivedFrom ? `from ${found.derivedFrom}` : '';
    // The null attack's origin is its name: "null", not "null (null)".
    const notes = [found.attack === found.origin ? '' : found.attack, from].filter(Boolean);
    return notes.length > 0 ? `${found.origin} (${notes.join(', ')})` : found.origin;
  };
  return `origins${one ? ` derived from ${one}` : ''}: ${cases.map(described).join(', ')}`;
}

/** Where the endpoints came from (--har, --openapi): what was read, checked and left out, as lines. */
export function sourceLines(result: CheckResult): string[] {
  const source = result.check.source;
  if (!source) return [];
  const what = source.kind === 'har' ? 'HAR entries' : 'OpenAPI operations';
  return [
    `Read ${source.read} ${what} from ${source.file}: checked ${source.taken} endpoint(s).`,
    ...source.skipped.map((entry) => `  left out ${entry.count}: ${entry.reason} (e.g. ${entry.examples.join('; ')})`),
    ...(source.covered ?? []).map(
      (entry) =>
        `  ${entry.row}: checked with ${entry.checked}, covering ${entry.count} other request(s) of the same shape (e.g. ${entry.examples.join('; ')})`,
    ),
  ];
}

/** With --repeat: each flaky cell, with every attempt's outcome and what the journal showed (listed apart, never a finding). */
export function flakyLines(result: MatrixResult): string[] {
  return result.results
    .filter((cell) => cell.verdict === 'flaky')
    .flatMap((cell) => [
      `${cell.scenario} in ${cell.variant ? `${cell.variant} · ` : ''}${cell.engine}: ${cell.flaky!.map((attempt) => attempt.outcome).join(', ')}`,
      ...cell.flaky!.map(
        (attempt, at) =>
          `  attempt ${at + 1}: ${attempt.outcome} (${attempt.verdict}); preflight ${attempt.preflightSent ? 'sent' : 'not sent'}, request ${attempt.requestReached ? `reached the server${attempt.status !== undefined ? ` (${attempt.status})` : ''}` : 'did not reach the server'}${attempt.console?.length ? `; console: ${attempt.console[0]!.slice(0, 160)}` : ''}`,
      ),
    ]);
}

/** The finding (by its number in findingBlocks) that a check row shows, if any. */
export function findingOfRow(result: CheckResult, scenario: string): { number: number; title: string } | undefined {
  const at = result.check.findings.findIndex(
    (finding) => finding.kind !== 'hygiene' && finding.cases.some((found) => found.scenario === scenario),
  );
  return at === -1 ? undefined : { number: at + 1, title: result.check.findings[at]!.title };
}

/** The findings' one-line count, e.g. "Findings: 2 security, 1 cors, 0 hygiene". */
export function findingsHeadline(result: CheckResult): string {
  const count = (kind: string) => result.check.findings.filter((finding) => finding.kind === kind).length;
  return result.check.findings.length === 0
    ? 'Findings: none.'
    : `Findings (one per cause): ${count('security')} security, ${count('cors')} cors, ${count('hygiene')} hygiene`;
}

/** The spec column: a hostile origin the spec lets read the answer is a hole, never a bare "allowed". */
export function specColumnText(result: MatrixResult, scenario: MatrixResult['scenarios'][number]): string {
  const hole = result.kind === 'check' && scenario.tags.includes('sweep') && scenario.expected.spec === 'allowed';
  return `${scenario.expected.spec}${hole ? ' (hole)' : ''}${scenario.specModel.declared ? ` (file says ${scenario.specModel.declared})` : ''}`;
}

/** A run a signal stopped, in one line every report leads with; undefined for a run that completed. */
export function interruptionBanner(result: MatrixResult): string | undefined {
  const stop = result.interrupted;
  if (!stop) return undefined;
  return `INTERRUPTED by ${stop.signal} at ${stop.at}: this report is incomplete. ${stop.completed} cells completed before the signal and are shown; ${stop.notRun} were not run (they are not errors).`;
}

/** The known engine behaviours (registry entries or a scenario's own deviations) this result's cells were held to, one line each with its cells and source. */
export function knownBehaviourLines(result: MatrixResult): string[] {
  const byBehaviour = new Map<string, { source: string; cells: string[] }>();
  for (const cell of result.results) {
    if (!cell.deviation || (cell.verdict !== 'known-deviation' && cell.verdict !== 'cookie-policy')) continue;
    // A registry entry's note reads "known engine behaviour ID (FILE): TITLE"; shown as "ID — TITLE".
    const registry = /^known engine behaviour (\S+) \([^)]*\): (.*)$/.exec(cell.deviation.note ?? '');
    const name = registry
      ? `${registry[1]} — ${registry[2]}`
      : `declared in the scenario ${cell.scenario}${cell.deviation.note ? ` (${cell.deviation.note})` : ''}`;
    const entry = byBehaviour.get(name) ?? { source: cell.deviation.source, cells: [] };
    entry.cells.push(`${cell.scenario} in ${cell.variant ? `${cell.variant} · ` : ''}${cell.engine}`);
    byBehaviour.set(name, entry);
  }
  // Request-shape entries: the outcome is the spec's, the request was made the way the entry says.
  for (const cell of result.results) {
    const known = cell.knownRequestShape;
    if (!known) continue;
    const name = `${known.id} — ${known.title} (request shape)`;
    const entry = byBehaviour.get(name) ?? { source: known.source, cells: [] };
    entry.cells.push(`${cell.scenario} in ${cell.variant ? `${cell.variant} · ` : ''}${cell.engine}`);
    byBehaviour.set(name, entry);
  }
  return [...byBehaviour].map(([name, { source, cells }]) => `${name}: ${describeScenarios(cells)}. Source: ${source}`);
}

/** One side of a shape in words: "cors mode, Origin: https://app.test, after a preflight", or the preflight alone where no request went. */
function madeText(made: RequestMade, sent: boolean): string {
  if (sent)
    return `${made.mode ? `${made.mode} mode, ` : ''}${made.origin === null ? 'no Origin header' : `Origin: ${made.origin}`}${made.preflight ? ', after a preflight' : ''}`;
  return made.preflight ? 'a preflight only, the request itself never sent' : 'nothing reached the server';
}

/** The evidence's "request made" line: the engine's first request as the server saw it (or did not), then the spec's. */
export function requestMadeText(shape: RequestShape, requestReached: boolean): string {
  return `request made: ${madeText(shape.seen, requestReached)} (spec: ${madeText(shape.expected, shape.expected.sent !== false)})`;
}
