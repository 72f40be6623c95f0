// The terminal matrix: one row per scenario, a "spec" column, then one
// column per engine. It fits the terminal's width: engines headed by their
// major version, check rows by method, path and origin (the whole request is
// in the HTML and JSON), the row name cut to what the other columns leave,
// and every longer line wrapped with its indent. `wide` keeps the full row
// names and versions and one line per item, as before.
import { styleText } from 'node:util';
import type { CellResult, CheckResult, MatrixResult } from '../harness/result/result.ts';
import { cutEnd, cutMiddle, fitLines, terminalWidth, together, unglued } from './fit.ts';
import {
  shortEngineHeading,
  cellIndex,
  counted,
  cellText,
  engineDescription,
  engineSummary,
  interruptionBanner,
  middlewareOf,
  LEGEND,
  matrixColumns,
  knownBehaviourLines,
  requestMismatchLines,
  middlewareLines,
  missingDescription,
  specDisagreements,
  summaryLine,
  sweepVerdict,
  verdictOf,
  findingBlocks,
  findingOfRow,
  findingsHeadline,
  flakyLines,
  sourceLines,
  specColumnText,
} from './labels.ts';

type Style = Parameters<typeof styleText>[0];

export interface TerminalOptions {
  color: boolean;
  /** Columns to fit (default: the terminal's, or 100). */
  width?: number;
  /** Full row names and engine versions, lines not wrapped (--wide). */
  wide?: boolean;
}

/** A check endpoint as a short request: method and path, with the host when the check has more than one; a name the config gave stays. */
function shortRequest(result: CheckResult, endpoint: CheckResult['check']['endpoints'][number]): string {
  const url = safeUrl(endpoint.url);
  if (!url || givenName(endpoint)) return endpoint.name;
  const hosts = new Set(result.check.endpoints.map((one) => safeUrl(one.url)?.host));
  return `${endpoint.method.toUpperCase()} ${hosts.size > 1 ? url.host : ''}${url.pathname}${url.search}`;
}

/** The name a config gave an endpoint; undefined where it has its default name, "METHOD url". */
function givenName(endpoint: CheckResult['check']['endpoints'][number]): string | undefined {
  return endpoint.name !== `${endpoint.method.toUpperCase()} ${endpoint.url}` ? endpoint.name : undefined;
}

/** A table's heading for one endpoint's rows: its request, and the name a config gave it. */
function requestHeading(result: CheckResult, endpoint: CheckResult['check']['endpoints'][number]): string {
  const given = givenName(endpoint);
  const url = safeUrl(endpoint.url);
  const request = url ? `${endpoint.method.toUpperCase()} ${url.pathname}${url.search}` : '';
  // A name that already says the request (an OpenAPI operation's "GET /api/me (getMe)") is not followed by it again.
  return `${given && url ? (given.startsWith(`${request} `) || given === request ? given : `${given} (${request})`) : shortRequest(result, endpoint)}, from`;
}

/** The endpoint a check row belongs to: its id starts with the endpoint's name ("… from <origin>", "…, at <url> from …"). */
function endpointOfRow(result: CheckResult, id: string): CheckResult['check']['endpoints'][number] | undefined {
  return result.check.endpoints.find(
    (candidate) => id.startsWith(`${candidate.name} from `) || id.startsWith(`${candidate.name}, at `),
  );
}

/**
 * A check row's short name: the request (left out when the check has one
 * endpoint: the heading names it), from which origin ("https://" left out,
 * as the usual one), and the rest of its name; cut to `width` in the origin
 * first, so the request and the sweep's attack stay whole. An error-path row
 * is its origin "at" the path it requested instead (the path names itself:
 * `/cors-lab-no-such-path`, or an --error-path), cut in the path first.
 */
function checkRowName(
  result: CheckResult,
  id: string,
  width: number,
  ownTable = false,
  cut: (text: string, width: number) => string = cutMiddle,
): string {
  const endpoint = endpointOfRow(result, id);
  if (!endpoint) return cut(id, width);
  // An error-path row requests another URL beside its endpoint ("GET …/api/me, at …/cors-lab-no-such-path from …").
  const [, at, origin = '', tail = ''] = /^(?:, at (\S+))? from (\S+)(.*)$/.exec(id.slice(endpoint.name.length)) ?? [];
  // Under a heading that names the request (one endpoint, or a table per endpoint), the row is its origin.
  const request = result.check.endpoints.length === 1 || ownTable ? '' : `${shortRequest(result, endpoint)} `;
  const shortOrigin = origin.replace(/^https:\/\//, '');
  if (at) {
    const where = `${request}${request ? 'from ' : ''}${shortOrigin} at `;
    return cutMiddle(`${where}${cut(safeUrl(at)?.pathname ?? at, Math.max(12, width - where.length))}`, width);
  }
  const attack = /^ \(sweep: ([^)]+)\)$/.exec(tail)?.[1];
  const prefix = request ? `${request}from ` : '';
  // A sweep row too narrow for its whole origin is named by its attack first, which says what the origin is.
  if (attack && attack !== 'null' && prefix.length + shortOrigin.length + attack.length + 3 > width) {
    const lead = `${prefix}${attack}: `;
    return cutMiddle(`${lead}${cut(shortOrigin, Math.max(8, width - lead.length))}`, width);
  }
  // The null attack's origin is its name: "null", not "null (null)".
  const shortTail = attack === 'null' && shortOrigin === 'null' ? '' : attack ? ` (${attack})` : tail;
  const room = width - prefix.length - shortTail.length;
  return cutMiddle(`${prefix}${cut(shortOrigin, Math.max(8, room))}${shortTail}`, width);
}

function safeUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** The narrowest a row name is cut to (`preflight-put-…-put-acao` still says which row). */
const MIN_ROW_NAME = 28;

export function renderTerminal(result: MatrixResult, options: TerminalOptions): string {
  const paint = (style: Style, text: string) =>
    options.color ? styleText(style, text, { validateStream: false }) : text;
  const outcomeStyle: Record<string, Style> = { allowed: 'green', blocked: 'yellow', error: 'red' };
  const width = options.width ?? terminalWidth();
  const wide = options.wide === true;
  const index = cellIndex(result);
  const columns = matrixColumns(result);
  // With one endpoint the rows are its origins; the heading says which request.
  const firstHeading =
    !wide && result.kind === 'check' && result.check.endpoints.length === 1
      ? requestHeading(result, result.check.endpoints[0]!)
      : 'scenario';
  // With several, where the rows would be cut, a table per endpoint does the same (parts, below).
  const endpointOf = (id: string) => (result.kind === 'check' ? endpointOfRow(result, id) : undefined);
  const headingOf = (column: (typeof columns)[number], withVariant: boolean) =>
    wide
      ? column.heading
      : `${withVariant && column.variant !== undefined ? `${column.variant} · ` : ''}${shortEngineHeading(column.engine)}`;
  const rowName = (id: string, room = Number.POSITIVE_INFINITY, ownTable = false, cut = cutMiddle) =>
    wide ? id : result.kind === 'check' ? checkRowName(result, id, room, ownTable, cut) : cut(id, room);
  type Cell = { text: string; style: Style };
  const specCells: Cell[] = result.scenarios.map((scenario) => {
    const text = specColumnText(result, scenario);
    return { text, style: (text.includes('hole') ? ['bold', 'red'] : 'dim') as Style };
  });
  const grid: Cell[][] = result.scenarios.map((scenario) =>
    columns.map((column) => {
      const cell = index.get(scenario.id)?.get(column.key);
      if (!cell) return { text: '-', style: 'gray' as Style };
      const label = verdictOf(cell);
      const loud = label === 'unexpected' || label === 'new finding';
      return {
        text: cellText(cell),
        style: (loud ? ['bold', outcomeStyle[cell.outcome]!] : outcomeStyle[cell.outcome]!) as Style,
      };
    }),
  );
  const widest = (texts: string[]) => Math.max(0, ...texts.map((text) => text.length));
  const specWidth = widest(['spec', ...specCells.map((cell) => cell.text)]);
  const columnWidth = (at: number, withVariant: boolean) =>
    widest([headingOf(columns[at]!, withVariant), ...grid.map((row) => row[at]!.text)]);
  /**
   * One table: its rows (every scenario, or one endpoint's) under their
   * heading, and its columns: all of them, or (where they do not fit) each
   * middleware's, cut into parts that fit.
   */
  type Part = {
    title?: string;
    columns: number[];
    withVariant: boolean;
    rows: number[];
    heading: string;
    ownTable: boolean;
  };
  const all = columns.map((_column, at) => at);
  // An interrupted run draws the rows it reached; the others are counted under the tables, not drawn as dashes.
  const everyRow = result.scenarios
    .map((_scenario, at) => at)
    .filter((at) => !result.interrupted || index.has(result.scenarios[at]!.id));
  const notReached = result.scenarios.length - everyRow.length;
  const nameWidthOf = (part: Pick<Part, 'rows' | 'heading' | 'ownTable'>) =>
    widest([
      part.heading,
      ...part.rows.map((row) => rowName(result.scenarios[row]!.id, Number.POSITIVE_INFINITY, part.ownTable)),
    ]);
  const fits = (part: Part) =>
    Math.min(nameWidthOf(part), MIN_ROW_NAME) +
      2 +
      specWidth +
      part.columns.reduce((sum, at) => sum + 2 + columnWidth(at, part.withVariant), 0) <=
    width;
  const whole: Part = { columns: all, withVariant: true, rows: everyRow, heading: firstHeading, ownTable: false };
  let parts: Part[] = [whole];
  // Several endpoints whose rows, request and origin together, do not fit whole: a table per endpoint, headed by its request.
  if (!wide && result.kind === 'check' && result.check.endpoints.length > 1) {
    const others = specWidth + all.reduce((sum, at) => sum + 2 + columnWidth(at, true), 2);
    if (nameWidthOf(whole) + others > width) {
      const byEndpoint = result.check.endpoints.map((endpoint) => ({
        ...whole,
        rows: everyRow.filter((row) => endpointOf(result.scenarios[row]!.id) === endpoint),
        heading: requestHeading(result, endpoint),
        ownTable: true,
      }));
      const strays = everyRow.filter((row) => endpointOf(result.scenarios[row]!.id) === undefined);
      parts = [
        ...byEndpoint.filter((part) => part.rows.length > 0),
        ...(strays.length > 0 ? [{ ...whole, rows: strays }] : []),
      ];
    }
  }
  if (!wide && parts.some((part) => !fits(part))) {
    const variants = [...new Set(columns.map((column) => column.variant))];
    const byVariant: Part[] =
      variants.length > 1
        ? parts.flatMap((part) =>
            variants.map((variant) => ({
              ...part,
              title: variant!,
              columns: all.filter((at) => columns[at]!.variant === variant),
              withVariant: false,
            })),
          )
        : parts;
    // Each part as many columns as fit, at least one.
    parts = byVariant.flatMap((part) => {
      const pieces: Part[] = [];
      for (const at of part.columns) {
        const last = pieces.at(-1);
        if (last && fits({ ...last, columns: [...last.columns, at] })) last.columns.push(at);
        else pieces.push({ ...part, columns: [at] });
      }
      return pieces;
    });
  }
  const tableLines = (part: Part): string[] => {
    const headings = [part.heading, 'spec', ...part.columns.map((at) => headingOf(columns[at]!, part.withVariant))];
    const scenarios = part.rows.map((row) => result.scenarios[row]!);
    const rows = part.rows.map((row) => [
      { text: rowName(result.scenarios[row]!.id, Number.POSITIVE_INFINITY, part.ownTable), style: 'reset' as Style },
      specCells[row]!,
      ...part.columns.map((at) => grid[row]![at]!),
    ]);
    const widths = headings.map((heading, column) =>
      Math.max(heading.length, ...rows.map((row) => row[column]!.text.length)),
    );
    const above: string[] = [];
    if (!wide) {
      // The row names get what the other columns leave, cut in the middle; at least 28 columns, so rows stay told
      // apart where many engine columns leave less (the table is then wider than the terminal, never ambiguous).
      const others = widths.slice(1).reduce((sum, one) => sum + one + 2, 0);
      widths[0] = Math.min(widths[0]!, Math.max(MIN_ROW_NAME, width - others));
      const names = scenarios.map((scenario) => rowName(scenario.id, widths[0]!, part.ownTable));
      // Names the middle cut leaves alike (http://…le.com, for app. and admin.) are cut at their end instead: their starts differ.
      const alike = (name: string) => names.indexOf(name) !== names.lastIndexOf(name);
      scenarios.forEach(
        (scenario, at) =>
          (rows[at]![0]!.text = alike(names[at]!)
            ? rowName(scenario.id, widths[0]!, part.ownTable, cutEnd)
            : names[at]!),
      );
      // A request too long for the column heads the table on a line of its own, whole; the column is then "from".
      if (headings[0]!.length > widths[0]! && headings[0]!.endsWith(', from')) {
        above.push(paint('bold', headings[0]!.slice(0, -', from'.length)));
        headings[0] = 'from';
      }
    }
    // Padding goes outside the colour, and none after the last column: no line ends in spaces.
    const cellAt = (style: Style, text: string, column: number) =>
      paint(style, text) + (column === widths.length - 1 ? '' : ' '.repeat(Math.max(0, widths[column]! - text.length)));
    return [
      ...above,
      headings.map((heading, column) => cellAt('bold', heading, column)).join('  '),
      widths.map((width) => '─'.repeat(width)).join('  '),
      ...rows.map((row) => row.map((cell, column) => cellAt(cell.style, cell.text, column)).join('  ')),
    ];
  };
  const lines: string[] = [];
  const banner = interruptionBanner(result);
  if (banner) lines.push(paint(['bold', 'red'], banner), '');
  parts.forEach((part, at) => {
    if (at > 0) lines.push('');
    const continued = part.title !== undefined && parts[at - 1]?.title === part.title;
    if (part.title !== undefined) lines.push(paint('bold', continued ? `${part.title} (continued)` : part.title));
    lines.push(...tableLines(part));
  });
  if (notReached > 0)
    lines.push(`(${counted(notReached, 'more row', 'more rows')} not reached before the interruption)`);
  // A table is never wrapped (a single column wider than the terminal is left to it); what follows is.
  const tableEnd = lines.length;
  lines.push('');
  for (const engine of result.engines) {
    lines.push(
      `${paint('bold', engine.id)}: ${engine.browser} ${engine.version} — ${wide ? engineDescription(engine) : engineSummary(engine)}`,
    );
  }
  // Drivers, trust and cookie settings matter for reproducing a cell, less for reading one.
  if (!wide && result.engines.length > 0)
    lines.push(paint('dim', "(each engine's driver, trust and cookie settings: --wide, or the HTML report)"));
  for (const missing of result.enginesMissing)
    lines.push(`${paint('bold', missing.id)}: ${paint('red', missingDescription(missing))}`);
  if (result.kind === 'check') lines.push(...checkLines(result, index, paint));
  const middlewares = middlewareLines(result);
  if (middlewares.length > 0)
    lines.push(
      '',
      paint(
        'bold',
        middlewareOf(result) ? 'Middlewares (hygiene judged from the journal, apart from the browsers)' : 'Middlewares',
      ),
      ...middlewares.map((line) => `  ${line}`),
    );
  const unexpected = result.results.filter(
    (cell) => !cell.matchesExpectation && cell.verdict !== 'flaky' && result.kind !== 'check',
  );
  if (unexpected.length > 0) {
    lines.push('', paint('bold', 'Not as expected (new findings and errors):'));
    for (const cell of unexpected) {
      lines.push(
        `  ${cell.scenario} in ${cell.variant ? `${cell.variant} · ` : ''}${cell.engine}: the spec predicts ${cell.spec}${cell.expected !== cell.spec ? ` (expected here: ${cell.expected})` : ''}, measured ${cell.outcome}. ${cell.explanation} Spec: ${cell.specExplanation}`,
      );
    }
  }
  const flaky = flakyLines(result);
  if (flaky.length > 0) {
    lines.push(
      '',
      paint('bold', 'Flaky (--repeat: the attempts disagreed; never counted as passing, never a finding):'),
    );
    for (const line of flaky) lines.push(`  ${line}`);
  }
  const known = knownBehaviourLines(result);
  if (known.length > 0) {
    lines.push('', paint('bold', 'Known engine behaviours (~, c and request shapes):'));
    for (const line of known) lines.push(`  ${line}`);
  }
  const mismatches = requestMismatchLines(result);
  if (mismatches.length > 0) {
    lines.push('', paint('bold', "The spec's outcome, but the request made otherwise (?):"));
    for (const line of mismatches) lines.push(`  ${line}`);
  }
  const disagreements = specDisagreements(result);
  if (disagreements.length > 0) {
    lines.push('', paint('bold', 'Scenario files that disagree with the spec model:'));
    for (const line of disagreements) lines.push(`  ${line}`);
  }
  // A count stays with what it counts, and the run time with "in", where the line wraps.
  const summary = summaryLine(result).replace(/\d+ not as expected/, (count) => together(count));
  lines.push('', `${summary}  ${together(`in ${(result.durationMs / 1000).toFixed(1)} s`)}`, `(${LEGEND})`);
  if (banner) lines.push(paint(['bold', 'red'], banner));
  return (wide ? lines.map(unglued) : [...lines.slice(0, tableEnd), ...fitLines(lines.slice(tableEnd), width)]).join(
    '\n',
  );
}

/**
 * `cors-lab check`: a verdict per origin and engine, with the browser version
 * and why; then the security sweep's findings, loudly.
 */
function checkLines(
  result: CheckResult,
  index: ReturnType<typeof cellIndex>,
  paint: (style: Style, text: string) => string,
): string[] {
  const lines: string[] = [...(result.check.source ? ['', ...sourceLines(result)] : []), '', paint('bold', 'Verdicts')];
  const versions = new Map<string, string>(
    result.engines.map((engine) => [engine.id, `${engine.browser} ${engine.version}`]),
  );
  for (const scenario of result.scenarios) {
    const cells = [...(index.get(scenario.id) ?? new Map()).values()];
    // Sweep rows every engine refused, as they should: the sweep's headline says so, and the matrix shows each.
    if (scenario.tags.includes('sweep') && cells.length > 0 && cells.every((cell) => cell.matchesExpectation)) continue;
    // A row a finding explains: one line pointing at it, not the finding again.
    const finding = findingOfRow(result, scenario.id);
    if (finding) {
      const outcomes = [...new Set(cells.map((cell) => cell.outcome))].map(
        (outcome) =>
          `${outcome} in ${cells
            .filter((cell) => cell.outcome === outcome)
            .map((cell) => cell.engine)
            .join(', ')}`,
      );
      lines.push(
        `  ${scenario.title}: ${paint(['bold', 'red'], `${outcomes.join('; ')} → finding ${finding.number}`)} (${finding.title})`,
      );
      continue;
    }
    // Every engine did the same, as expected: one line, and the spec's reason once.
    if (cells.length > 0 && cells.every((cell) => cell.matchesExpectation && cell.outcome === cells[0]!.outcome)) {
      lines.push(
        `  ${scenario.title}: ${paint('green', `${cells[0]!.outcome} in ${cells.map((cell) => cell.engine).join(', ')}, as expected`)}. Why: ${scenario.specModel.explanation}`,
      );
      continue;
    }
    // Every engine failed alike, for the same reason: one verdict naming them all (each page's own error text is in the HTML report).
    const alike = (cell: CellResult) => cell.explanation.replace(/ ?Page saw ".*?"\.(?= |$)/, '');
    const first = cells[0];
    if (
      first &&
      cells.length > 1 &&
      cells.every(
        (cell) =>
          !cell.matchesExpectation &&
          cell.outcome === first.outcome &&
          cell.expected === first.expected &&
          alike(cell) === alike(first),
      )
    ) {
      lines.push(
        `  ${scenario.title}`,
        `    ${cells.map((cell) => versions.get(cell.engine) ?? cell.engine).join(', ')}: ${first.outcome}, ${paint(['bold', 'red'], together(`NOT AS EXPECTED (expected ${first.expected})`))}. ${alike(first)}`,
      );
      continue;
    }
    lines.push(`  ${scenario.title}`);
    for (const [engine, cell] of index.get(scenario.id) ?? []) {
      const mark = cell.matchesExpectation
        ? paint('green', 'as expected')
        : paint(['bold', 'red'], together(`NOT AS EXPECTED (expected ${cell.expected})`));
      lines.push(`    ${versions.get(engine) ?? engine}: ${cell.outcome}, ${mark}. ${cell.explanation}`);
    }
  }
  const sweep = sweepVerdict(result);
  if (result.check.sweep || !sweep.clean)
    lines.push('', sweep.clean ? paint('green', sweep.headline) : paint(['bold', 'red'], sweep.headline));
  lines.push(
    '',
    result.check.findings.length === 0
      ? paint('green', findingsHeadline(result))
      : paint(['bold', 'red'], findingsHeadline(result)),
  );
  // The terminal shows three cases of a finding; the other reports show all.
  for (const block of findingBlocks(result, 3)) {
    lines.push(paint('red', `  ${block.heading}`));
    for (const detail of block.details) lines.push(`     ${detail}`);
  }
  return lines;
}
