// Two matrix results compared cell by cell (scenario, engine, middleware):
// improved, regressed, changed, added, removed, as wpt.fyi's run diff has it,
// with the evidence that changed and its likeliest cause.
//
// A cell's standing, best first: it matches the spec and its expectation (3),
// it matches its expectation through a known engine behaviour or cookie
// policy (2), it does not match its expectation (1). Improved and regressed
// are moves in standing; a cell whose outcome changed at the same standing
// is "changed".
import { responseHeader, type JournalEntry } from '../../servers/journal.ts';
import type { CellChange, CellSide, DiffSide, EngineDiff, RunDiff } from '../result/diff.ts';
import type { CellResult, MatrixResult } from '../result/result.ts';
import { toolVersion } from '../package/root.ts';

function standing(cell: CellResult): number {
  if (!cell.matchesExpectation) return 1;
  return cell.verdict === 'matches-spec' ? 3 : 2;
}

const key = (cell: Pick<CellResult, 'scenario' | 'engine' | 'variant'>) =>
  JSON.stringify([cell.scenario, cell.variant ?? '', cell.engine]);

export function diffResults(
  before: MatrixResult,
  after: MatrixResult,
  files: { before: string; after: string },
): RunDiff {
  const beforeCells = new Map(before.results.map((cell) => [key(cell), cell]));
  const afterCells = new Map(after.results.map((cell) => [key(cell), cell]));
  const versions = (result: MatrixResult) => new Map(result.engines.map((engine) => [engine.id, engine.version]));
  const beforeVersions = versions(before);
  const afterVersions = versions(after);
  const changes: CellChange[] = [];
  let unchanged = 0;
  for (const id of new Set([...beforeCells.keys(), ...afterCells.keys()])) {
    const old = beforeCells.get(id);
    const now = afterCells.get(id);
    const cell = (now ?? old)!;
    const base = {
      scenario: cell.scenario,
      engine: cell.engine,
      ...(cell.variant !== undefined ? { variant: cell.variant } : {}),
    };
    if (!old || !now) {
      const side = sideOf((now ?? old)!, (now ? afterVersions : beforeVersions).get(cell.engine) ?? '');
      changes.push({
        ...base,
        kind: now ? 'added' : 'removed',
        verdictChanged: false,
        ...(now ? { after: side } : { before: side }),
        differences: [now ? `only in the second run: ${now.outcome}` : `only in the first run: ${old!.outcome}`],
        cause: 'added or removed',
      });
      continue;
    }
    const verdictChanged = old.verdict !== now.verdict;
    if (old.outcome === now.outcome && !verdictChanged && old.matchesExpectation === now.matchesExpectation) {
      unchanged++;
      continue;
    }
    const a = sideOf(old, beforeVersions.get(old.engine) ?? '');
    const b = sideOf(now, afterVersions.get(now.engine) ?? '');
    const kind = standing(now) > standing(old) ? 'improved' : standing(now) < standing(old) ? 'regressed' : 'changed';
    const differences = differencesOf(a, b);
    const engineChanged = a.engineVersion !== b.engineVersion;
    const serverChanged = JSON.stringify(a.corsHeaders) !== JSON.stringify(b.corsHeaders) || a.status !== b.status;
    // The engine build first, then the server; cookies the same build sent or withheld point at its cookie policy (a profile).
    const cause =
      engineChanged && serverChanged
        ? 'engine version and server answers'
        : engineChanged
          ? 'engine version'
          : serverChanged
            ? 'server answers'
            : a.cookiesSent !== b.cookiesSent
              ? 'cookies the engine sent'
              : 'not shown by the evidence';
    changes.push({ ...base, kind, verdictChanged, before: a, after: b, differences, cause });
  }
  const count = (kind: CellChange['kind'], of: CellChange[]) => of.filter((change) => change.kind === kind).length;
  const columns = new Map<string, CellChange[]>();
  for (const change of changes) {
    const column = JSON.stringify([change.variant ?? '', change.engine]);
    columns.set(column, [...(columns.get(column) ?? []), change]);
  }
  const engines: EngineDiff[] = [
    ...new Set([...before.results, ...after.results].map((cell) => JSON.stringify([cell.variant ?? '', cell.engine]))),
  ].map((column) => {
    const [variant, engine] = JSON.parse(column) as [string, CellResult['engine']];
    const of = columns.get(column) ?? [];
    return {
      engine,
      ...(variant ? { variant } : {}),
      ...(beforeVersions.has(engine) ? { before: beforeVersions.get(engine)! } : {}),
      ...(afterVersions.has(engine) ? { after: afterVersions.get(engine)! } : {}),
      improved: count('improved', of),
      regressed: count('regressed', of),
      changed: count('changed', of),
      added: count('added', of),
      removed: count('removed', of),
      verdictChanges: of.filter((change) => change.verdictChanged).length,
    };
  });
  const alignment = alignmentOf(before, after);
  return {
    kind: 'diff',
    tool: { name: 'cors-lab', version: toolVersion() },
    before: sideSummary(before, files.before),
    after: sideSummary(after, files.after),
    aligned: alignment.length === 0,
    alignment,
    engines,
    summary: {
      improved: count('improved', changes),
      regressed: count('regressed', changes),
      changed: count('changed', changes),
      added: count('added', changes),
      addedNotAsExpected: changes.filter(
        (change) => change.kind === 'added' && change.after?.matchesExpectation === false,
      ).length,
      removed: count('removed', changes),
      verdictChanges: changes.filter((change) => change.verdictChanged).length,
      unchanged,
    },
    changes,
  };
}

/** What makes two runs measure different things: another set of rows, profile, isolation, timeout or kind. */
function alignmentOf(before: MatrixResult, after: MatrixResult): string[] {
  const differs: string[] = [];
  if (before.kind !== after.kind) differs.push(`kind: ${before.kind} vs ${after.kind}`);
  const hash = (result: MatrixResult) => result.runInfo?.scenarioSet.hash;
  if (!hash(before) || !hash(after))
    differs.push('scenario set: not known for a result written before runInfo existed');
  else if (hash(before) !== hash(after))
    differs.push(
      `scenario set: ${before.runInfo.scenarioSet.rows} rows (${hash(before)!.slice(0, 19)}…) vs ${after.runInfo.scenarioSet.rows} rows (${hash(after)!.slice(0, 19)}…)`,
    );
  for (const option of ['profile', 'isolation', 'timeoutMs'] as const) {
    if (before.options[option] !== after.options[option])
      differs.push(`${option}: ${before.options[option]} vs ${after.options[option]}`);
  }
  return differs;
}

function sideSummary(result: MatrixResult, file: string): DiffSide {
  return {
    file,
    kind: result.kind,
    startedAt: result.startedAt,
    tool: result.tool,
    ...(result.runInfo ? { runInfo: result.runInfo } : {}),
    profile: result.options.profile,
    engines: result.engines.map((engine) => ({
      id: engine.id,
      browser: engine.browser,
      version: engine.version,
      driver: engine.driver,
    })),
  };
}

function sideOf(cell: CellResult, engineVersion: string): CellSide {
  const answered = (kind: JournalEntry['kind']) =>
    cell.evidence.journal.filter((entry) => entry.kind === kind && entry.status !== undefined).at(-1);
  const preflight = answered('preflight');
  const request = answered('request');
  return {
    outcome: cell.outcome,
    verdict: cell.verdict,
    matchesExpectation: cell.matchesExpectation,
    expected: cell.expected,
    engineVersion,
    preflightSent: cell.evidence.preflightSent,
    requestReached: cell.evidence.requestReached,
    cookiesSent: cell.evidence.cookiesSent,
    ...(request?.status !== undefined ? { status: request.status } : {}),
    corsHeaders: {
      ...(preflight ? { preflight: corsHeadersOf(preflight) } : {}),
      ...(request ? { request: corsHeadersOf(request) } : {}),
    },
    console:
      cell.evidence.console === 'not exposed'
        ? 'not exposed'
        : cell.evidence.console.map((entry) => withoutRunDetails(entry.text)),
  };
}

/** The answer's access-control-* and vary headers, names lower-case, sorted, values without run-specific ports and nonces. */
function corsHeadersOf(entry: JournalEntry): Record<string, string> {
  const names = Object.keys(entry.responseHeaders ?? {})
    .filter((name) => name.startsWith('access-control-') || name === 'vary')
    .sort();
  return Object.fromEntries(names.map((name) => [name, withoutRunDetails(responseHeader(entry, name) ?? '')]));
}

/**
 * The lab's servers listen on new ports each run and every probe has its own
 * nonce: neither is a change between two runs.
 */
export function withoutRunDetails(text: string): string {
  return text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/(?:\[[0-9a-f:]+\]|[^\s/:'"]+)):\d+/gi, '$1:<port>')
    .replace(/\bnonce=[\w-]+/g, 'nonce=<nonce>');
}

function differencesOf(a: CellSide, b: CellSide): string[] {
  const lines: string[] = [];
  const was = (label: string, x: unknown, y: unknown) => {
    if (JSON.stringify(x) !== JSON.stringify(y)) lines.push(`${label}: ${format(x)} → ${format(y)}`);
  };
  was('outcome', a.outcome, b.outcome);
  was('verdict', a.verdict, b.verdict);
  was('as expected', a.matchesExpectation, b.matchesExpectation);
  was('expected', a.expected, b.expected);
  was('engine version', a.engineVersion, b.engineVersion);
  was('preflight sent', a.preflightSent, b.preflightSent);
  was('request reached the server', a.requestReached, b.requestReached);
  was('cookies sent', a.cookiesSent, b.cookiesSent);
  was('status', a.status, b.status);
  for (const kind of ['preflight', 'request'] as const) {
    const x = a.corsHeaders[kind] ?? {};
    const y = b.corsHeaders[kind] ?? {};
    for (const name of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort())
      was(`${kind} ${name}`, x[name], y[name]);
  }
  was('console', a.console, b.console);
  return lines;
}

/** A value as the difference line shows it: whole, since a console message's useful part (the header it names) is often at its end; the terminal view wraps it. */
function format(value: unknown): string {
  if (value === undefined) return '(none)';
  if (Array.isArray(value))
    return value.length === 0 ? '(nothing)' : value.map((line) => `'${String(line)}'`).join(' | ');
  return typeof value === 'string' ? `'${value}'` : String(value);
}
