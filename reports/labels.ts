// Shared wording for every renderer, so the reports agree on what a cell says.
import type { MissingEngine } from '../harness/engines/types.ts';
import type { MiddlewareSection } from '../harness/result/middleware.ts';
import type { CellResult, CheckResult, EngineEntry, MatrixResult } from '../harness/result/result.ts';

/** Text inside a Markdown table cell: pipes escaped, one line. */
export function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** How one cell reads in every report. */
export type CellLabel = 'matches' | 'known deviation' | 'cookie policy' | 'new finding' | 'unexpected';

export function verdictOf(cell: CellResult): CellLabel {
  if (cell.verdict === 'known-deviation') return 'known deviation';
  if (cell.verdict === 'cookie-policy') return 'cookie policy';
  if (cell.verdict === 'new-finding') return 'new finding';
  return cell.matchesExpectation ? 'matches' : 'unexpected';
}

/** The mark after an outcome: none, ~ known deviation, ! new finding, ✗ unexpected. */
export const MARKS: Record<CellLabel, string> = { matches: '', 'known deviation': ' ~', 'cookie policy': ' c', 'new finding': ' !', unexpected: ' ✗' };
/** The mark of a cell with the spec's outcome whose request was not made as the spec makes it. */
export const REQUEST_MISMATCH_MARK = ' ?';
export const LEGEND = "~ known deviation from the spec, c cookie withheld by the engine's cookie policy, ! new finding (deviation with no known source), ✗ unexpected, ? the spec's outcome, but the request was not made as the spec makes it (e.g. no CORS request at all)";

/** A cell as the matrix shows it: outcome, verdict mark, and ? for a request made otherwise. */
export function cellText(cell: CellResult): string {
  return `${cell.outcome}${MARKS[verdictOf(cell)]}${cell.requestMismatch ? REQUEST_MISMATCH_MARK : ''}`;
}

/** Cells with the spec's outcome whose request was made otherwise, one line each. */
export function requestMismatchLines(result: MatrixResult): string[] {
  return result.results
    .filter((cell) => cell.requestMismatch !== undefined)
    .map((cell) => `${cell.scenario} in ${cell.variant ? `${cell.variant} · ` : ''}${cell.engine}: ${cell.outcome} as the spec predicts, but ${cell.requestMismatch}`);
}

/** Column heading for an engine: id and exact version. */
export function engineHeading(engine: EngineEntry): string {
  return `${engine.id} ${engine.version}`;
}

/** A matrix column: one engine, or with `run --middleware` one middleware in one engine. */
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
export function matrixColumns(result: MatrixResult): MatrixColumn[] {
  const variants = middlewareOf(result)?.variants.map((variant) => variant.id) ?? [undefined];
  return variants.flatMap((variant) =>
    result.engines.map((engine) => ({
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

/** `run --middleware`: each middleware's version, hygiene findings and Private Network answer, as lines. */
export function middlewareLines(result: MatrixResult): string[] {
  const lines: string[] = [];
  for (const variant of middlewareOf(result)?.variants ?? []) {
    lines.push(`${variant.id}: ${variant.version}; Private Network preflight: ${variant.privateNetwork}`);
    if (variant.hygiene.length === 0) lines.push('  hygiene: no findings');
    for (const finding of variant.hygiene) lines.push(`  hygiene ${finding.rule}, in ${describeScenarios(finding.scenarios)}: ${finding.detail} (first seen in ${finding.scenario}, journal ${finding.evidence})`);
  }
  return lines;
}

export function summaryLine(result: MatrixResult): string {
  const { total, allowed, blocked, error, unexpected, knownDeviations, newFindings } = result.summary;
  // Results written before the field existed have no count.
  const mismatches = result.summary.requestMismatches ?? 0;
  return `${total} cells: ${allowed} allowed, ${blocked} blocked, ${error} error; ${knownDeviations} known deviations, ${newFindings} new findings; ${unexpected} not as expected${mismatches > 0 ? `; ${mismatches} with the request made otherwise (?)` : ''}`;
}

/** Scenarios whose file claims a different spec outcome than the model predicts. */
export function specDisagreements(result: MatrixResult): string[] {
  return result.scenarios
    .filter((scenario) => scenario.specModel.declared !== undefined)
    .map((scenario) => `${scenario.id}: the file says ${scenario.specModel.declared}, the spec model predicts ${scenario.specModel.outcome} (${scenario.specModel.explanation})`);
}

/** An engine as every report describes it: driver, trust and profile. */
export function engineDescription(engine: EngineEntry): string {
  const relaunched = engine.relaunched?.length ? `; RELAUNCHED ${engine.relaunched.length} time(s) during the run: ${engine.relaunched.join('; ')}` : '';
  return `${engine.driver}; trust: ${engine.trust}; profile ${engine.profile}: ${engine.cookieSettings}${relaunched}`;
}

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
  if (check.findings.length > 0) return { headline: `Security findings (${check.findings.length}): real browsers let hostile origins read credentialed responses`, clean: false };
  if (!check.sweep) return { headline: 'Security sweep: off.', clean: true };
  const sweepScenarios = new Set(result.scenarios.filter((scenario) => scenario.tags.includes('sweep')).map((scenario) => scenario.id));
  const cells = result.results.filter((cell) => sweepScenarios.has(cell.scenario));
  const refused = cells.filter((cell) => cell.outcome === 'blocked').length;
  const untested = cells.length - refused;
  if (cells.length === 0) return { headline: 'Security sweep: no hostile origin to try (they are derived from the origins expected to be allowed).', clean: true };
  if (untested === 0) return { headline: 'Security sweep: every hostile origin was refused in every engine that ran.', clean: true };
  if (refused === 0) return { headline: `Security sweep: not tested: all ${cells.length} hostile-origin cells are errors (no answer), so no refusal was seen.`, clean: false };
  return { headline: `Security sweep: ${refused} of ${cells.length} hostile-origin cells refused; the other ${untested} are errors (no answer) and tested nothing.`, clean: false };
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
    const name = registry ? `${registry[1]} — ${registry[2]}` : `declared in the scenario ${cell.scenario}${cell.deviation.note ? ` (${cell.deviation.note})` : ''}`;
    const entry = byBehaviour.get(name) ?? { source: cell.deviation.source, cells: [] };
    entry.cells.push(`${cell.scenario} in ${cell.variant ? `${cell.variant} · ` : ''}${cell.engine}`);
    byBehaviour.set(name, entry);
  }
  return [...byBehaviour].map(([name, { source, cells }]) => `${name}: ${describeScenarios(cells)}. Source: ${source}`);
}
