// A single self-contained HTML file (no network, no external assets). What
// the page shows is worked out here, in Node, with the wording every report
// shares (labels.ts): the view below. The page's script only draws it,
// filters rows, and shows a cell's evidence from the embedded JSON result.
import type {
  CellResult,
  CheckResult,
  CorsLabResult,
  MatrixResult,
  ResearchResult,
  ScenarioSummary,
} from '../harness/result/result.ts';
import {
  cellIndex,
  cellText,
  columnKey,
  engineDescription,
  interruptionBanner,
  LEGEND,
  matrixColumns,
  middlewareLines,
  missingDescription,
  requestMadeText,
  summaryLine,
  sweepVerdict,
  verdictOf,
  findingBlocks,
  findingsHeadline,
  sourceLines,
  specColumnText,
  type CellLabel,
  type ColumnGroup,
} from './labels.ts';
import { escapeHtml, maxAgeHtml, pnaHtml } from './research.ts';
import { historyHtml } from './history.ts';
import { compatAnchor, compatHtml } from './compat.ts';
import type { CompatStudy } from '../harness/result/research.ts';

/** CSS class of each cell label. */
const LABEL_CLASS: Record<CellLabel, string> = {
  matches: '',
  'known deviation': 'known-deviation',
  'cookie policy': 'cookie-policy',
  'new finding': 'new-finding',
  flaky: 'flaky',
  unexpected: 'unexpected',
};

/** What the page draws; cells point into result.scenarios and result.results for their evidence. */
export interface HtmlView {
  meta: string;
  legend: string;
  columns: { engine: string; heading: string; subheading: string; variant?: string }[];
  /**
   * `loud`: a cell in the row is a new finding, flaky or not as expected;
   * `disagree`: the engines' outcomes differ; `deviates`: an engine's outcome
   * is not the spec's; `group`: the row's topic (the catalog folder or
   * scenario file, or a check's endpoint). The filters keep rows by these.
   */
  rows: {
    scenario: number;
    group: string;
    spec: string;
    loud: boolean;
    disagree: boolean;
    deviates: boolean;
    cells: ({
      result: number;
      text: string;
      classes: string;
      verdict: CellLabel;
      expectation: string;
      /** The evidence's line on how the request was made, beside the spec's (requestMadeText). */
      requestMade?: string;
    } | null)[];
    bcd?: { key: string; anchor: string }[];
  }[];
  /** What the page says when the filters leave no row: with only the first filter on, and otherwise. */
  empty: { unexpected: string; filtered: string };
  /** Per engine column: how many cells agree with the spec, follow a known behaviour, are new findings, flaky, errors. */
  overview: { heading: string; counts: { label: string; count: number; css: string }[]; total: number }[];
  engines: { id: string; text: string; failed: boolean }[];
  middleware: string[];
  sweep?: { bad: boolean; headline: string; lines: string[] };
  /** The banner of a run a signal stopped. */
  interrupted?: string;
}

export function htmlView(result: MatrixResult, groups?: ColumnGroup[], compat?: CompatStudy): HtmlView {
  const index = cellIndex(result);
  const position = new Map(result.results.map((cell, at) => [cell, at]));
  const columns = matrixColumns(result, groups);
  return {
    meta: `${summaryLine(result)}. Started ${result.startedAt}, took ${(result.durationMs / 1000).toFixed(1)} s. ${result.tool.name} ${result.tool.version}.`,
    legend: LEGEND,
    columns: columns.map((column) => ({
      engine: column.engine.id,
      heading: column.variant === undefined ? column.engine.id : `${column.variant} · ${column.engine.id}`,
      subheading: `${column.engine.browser} ${column.engine.version}`,
      ...(column.variant !== undefined ? { variant: column.variant } : {}),
    })),
    rows: groupedInOrder(
      result.scenarios.map((scenario, at) => {
        const measured = columns.map((column) => index.get(scenario.id)?.get(column.key));
        const cells = measured.map((cell) => {
          if (!cell) return null;
          const verdict = verdictOf(cell);
          const expectation = `expected here: ${cell.expected}${cell.matchesExpectation ? '.' : ' — NOT AS EXPECTED.'}`;
          return {
            result: position.get(cell)!,
            text: cellText(cell),
            classes: `cell ${cell.outcome} ${LABEL_CLASS[verdict]}`.trim(),
            verdict,
            expectation,
            ...(cell.evidence.requestShape
              ? { requestMade: requestMadeText(cell.evidence.requestShape, cell.evidence.requestReached) }
              : {}),
          };
        });
        const outcomes = new Set(measured.flatMap((cell) => (cell ? [cell.outcome] : [])));
        return {
          scenario: at,
          group: topicOf(result, scenario),
          spec: specColumnText(result, scenario),
          loud: cells.some(
            (cell) => cell?.verdict === 'new finding' || cell?.verdict === 'unexpected' || cell?.verdict === 'flaky',
          ),
          disagree: outcomes.size > 1,
          deviates: measured.some((cell) => cell !== undefined && cell.outcome !== cell.spec),
          cells,
          // The BCD features this row decides, linked to their section below the matrix.
          ...bcdLinks(compat, scenario.id),
        };
      }),
    ),
    empty: {
      unexpected: 'No new findings and no unexpected results in this run.',
      filtered: 'No rows match these filters.',
    },
    overview: columns.map((column) => {
      const cells = result.results.filter((cell) => columnKey(cell) === column.key);
      const count = (test: (cell: CellResult) => boolean) => cells.filter(test).length;
      return {
        heading:
          column.variant === undefined
            ? `${column.engine.id} ${column.engine.version}`
            : `${column.variant} · ${column.engine.id}`,
        total: cells.length,
        // A check is held to what you expect of your server; the catalog to the spec and the known behaviours.
        counts:
          result.kind === 'check'
            ? [
                { label: 'as expected', css: 'agrees', count: count((cell) => cell.matchesExpectation) },
                {
                  label: 'not as expected',
                  css: 'finding',
                  count: count((cell) => !cell.matchesExpectation && cell.outcome !== 'error'),
                },
                {
                  label: 'error',
                  css: 'errors',
                  count: count((cell) => !cell.matchesExpectation && cell.outcome === 'error'),
                },
              ]
            : [
                {
                  label: 'agrees with the spec',
                  css: 'agrees',
                  count: count((cell) => cell.verdict === 'matches-spec'),
                },
                {
                  label: 'known behaviour',
                  css: 'known',
                  count: count((cell) => cell.verdict === 'known-deviation' || cell.verdict === 'cookie-policy'),
                },
                { label: 'new finding', css: 'finding', count: count((cell) => cell.verdict === 'new-finding') },
                { label: 'flaky', css: 'flakes', count: count((cell) => cell.verdict === 'flaky') },
                { label: 'error', css: 'errors', count: count((cell) => cell.verdict === 'error') },
              ],
      };
    }),
    engines: [
      ...result.engines.map((engine) => ({
        id: engine.id,
        text: `${engine.browser} ${engine.version} — ${engineDescription(engine)}`,
        failed: false,
      })),
      ...result.enginesMissing.map((missing) => ({ id: missing.id, text: missingDescription(missing), failed: true })),
    ],
    middleware: middlewareLines(result),
    ...(result.interrupted ? { interrupted: interruptionBanner(result)! } : {}),
    ...(result.kind === 'check' ? { sweep: findingsBox(result) } : {}),
  };
}

/**
 * A check's box of findings. Its heading is the worst news: the sweep's
 * where it found a hole (or tested nothing), else the findings' count where
 * there are any, with the sweep's clean result below, not in red above them.
 */
function findingsBox(result: CheckResult): NonNullable<HtmlView['sweep']> {
  const sweep = sweepVerdict(result);
  const findingsLead = sweep.clean && result.check.findings.length > 0;
  return {
    bad: !sweep.clean || result.check.findings.length > 0,
    headline: findingsLead ? findingsHeadline(result) : sweep.headline,
    lines: [
      ...(findingsLead ? [sweep.headline] : []),
      ...sourceLines(result),
      ...(findingsLead ? [] : [findingsHeadline(result)]),
      ...findingBlocks(result).flatMap((block) => [
        `✗ ${block.heading}`,
        ...block.details.map((detail) => `  ${detail}`),
      ]),
    ],
  };
}

/**
 * A row's topic: the catalog folder (scenarios/cookies/… → cookies) or the
 * scenario file; for a check, the endpoint (its error path and sweep rows
 * beside it).
 */
function topicOf(result: MatrixResult, scenario: ScenarioSummary): string {
  if (result.kind === 'check') return scenario.id.split(' from ')[0]!.split(', at ')[0]!;
  const parts = scenario.file.split(/[\\/]/);
  return parts.length > 1 ? parts.at(-2)! : parts[0]!;
}

/** Rows of one topic together, topics in order of first appearance, rows in order within each. */
function groupedInOrder<T extends { group: string }>(rows: T[]): T[] {
  const order = new Map<string, number>();
  for (const row of rows) if (!order.has(row.group)) order.set(row.group, order.size);
  return rows
    .map((row, at) => ({ row, at }))
    .sort((a, b) => order.get(a.row.group)! - order.get(b.row.group)! || a.at - b.at)
    .map(({ row }) => row);
}

/** JSON safe inside a <script> element. */
function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const STYLE = `
:root { font-family: system-ui, sans-serif; color: #1d2330; background: #f7f8fa; }
body { margin: 24px; }
h1 { font-size: 20px; margin: 0 0 4px; }
.meta { color: #5b6475; margin-bottom: 16px; font-size: 14px; }
table.matrix { border-collapse: collapse; background: #fff; box-shadow: 0 1px 2px #0002; }
.matrix th, .matrix td { border: 1px solid #dde1e8; padding: 6px 10px; text-align: left; font-size: 14px; vertical-align: top; }
.matrix th { background: #eef1f5; position: sticky; top: 0; }
.matrix th small { display: block; font-weight: normal; color: #5b6475; }
.scenario-title { color: #5b6475; font-size: 12px; }
.bcd-link { font-size: 11px; }
button.cell { border: 0; border-radius: 4px; padding: 3px 8px; cursor: pointer; font: inherit; min-width: 80px; text-align: left; }
.allowed { background: #d9f2e1; color: #125a2b; }
.blocked { background: #fdeccc; color: #744600; }
.error { background: #fbd5d5; color: #8a1414; }
.spec { color: #5b6475; }
.spec.hole { color: #b71c1c; font-weight: bold; }
.unexpected { outline: 2px solid #c01818; font-weight: bold; }
.new-finding { outline: 2px dashed #6a2bd1; font-weight: bold; }
.flaky { outline: 2px dotted #b26a00; }
ol.steps { font-size: 12px; color: #3b4250; margin: 4px 0; padding-left: 20px; }
.engines { margin-top: 16px; font-size: 13px; color: #3b4250; }
.failed { color: #8a1414; }
.middleware li.detail { margin-left: 1.5em; }
.findings p.detail { margin: .2em 0 .2em 1.5em; font-size: 14px; }
dialog { max-width: 960px; width: 90vw; border: 0; border-radius: 8px; box-shadow: 0 8px 30px #0005; padding: 0; }
dialog header { padding: 12px 16px; background: #eef1f5; display: flex; justify-content: space-between; align-items: center; }
dialog section { padding: 8px 16px; }
dialog h3 { font-size: 14px; margin: 8px 0 4px; }
pre { background: #f2f4f7; padding: 8px; overflow: auto; font-size: 12px; white-space: pre-wrap; word-break: break-all; margin: 0; }
table.chain { border-collapse: collapse; width: 100%; } table.chain td, table.chain th { border: 1px solid #d0d5dd; padding: 4px; vertical-align: top; text-align: left; }
.facts span { display: inline-block; margin-right: 12px; }
.filters { margin-bottom: 12px; font-size: 14px; }
.filters label { margin-right: 14px; }
.filters input[type=search] { font: inherit; padding: 2px 6px; min-width: 220px; }
tr.group th { background: #e3e8f0; text-align: left; font-size: 13px; }
#overview { display: grid; grid-template-columns: max-content 320px max-content; gap: 4px 12px; align-items: center; font-size: 13px; margin: 8px 0 14px; }
.bar { display: flex; height: 14px; border-radius: 3px; overflow: hidden; background: #e5e8ee; }
.bar span { display: block; height: 100%; }
.agrees { background: #4caf50; } .known { background: #f0ad3d; } .finding { background: #7e3fd6; } .flakes { background: #b26a00; } .errors { background: #d64545; }

.findings { margin: 1em 0; padding: .5em 1em; border-radius: 6px; }
.findings.bad { background: #fde8e8; border: 2px solid #c62828; }
.findings.bad h2 { color: #b71c1c; }
.findings.good { background: #e8f5e9; border: 1px solid #2e7d32; }

.research-table { border-collapse: collapse; margin: 8px 0; background: #fff; }
.research-table th, .research-table td { border: 1px solid #dde1e8; padding: 6px 8px; vertical-align: top; font-size: 13px; }
.research figure { margin: 12px 0; }
`;

const SCRIPT = `
// Shown by the page itself, for a reader without JavaScript (a <noscript> is not shown where scripts are merely disabled).
document.getElementById('needs-script')?.remove();
const result = JSON.parse(document.getElementById('cors-lab-result').textContent);
const $ = (tag, attrs = {}, ...children) => {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'class') el.className = value; else if (key.startsWith('on')) el.addEventListener(key.slice(2), value); else el.setAttribute(key, value);
  }
  for (const child of children) el.append(child);
  return el;
};
const view = JSON.parse(document.getElementById('cors-lab-view').textContent);
document.getElementById('meta').textContent = view.meta;
document.getElementById('legend').textContent = view.legend;
const table = document.getElementById('matrix');
const head = $('tr', {}, $('th', {}, 'scenario'), $('th', {}, 'spec'));
for (const column of view.columns) head.append($('th', {}, column.heading, $('small', {}, column.subheading)));
table.append($('thead', {}, head));
const body = $('tbody');
const groupRows = new Map();
for (const row of view.rows) {
  if (!groupRows.has(row.group)) {
    const heading = $('th', { colspan: String(2 + view.columns.length) }, row.group);
    const tr = $('tr', { class: 'group', 'data-group': row.group }, heading);
    groupRows.set(row.group, { tr, heading, rows: [] });
    body.append(tr);
  }
  const scenario = result.scenarios[row.scenario];
  const tr = $('tr', { 'data-scenario': scenario.id, 'data-search': (scenario.id + ' ' + scenario.title).toLowerCase(), ...(row.loud ? { 'data-loud': '' } : {}), ...(row.disagree ? { 'data-disagree': '' } : {}), ...(row.deviates ? { 'data-deviates': '' } : {}) },
    $('td', {}, $('code', {}, scenario.id), $('div', { class: 'scenario-title' }, scenario.title), ...(row.bcd || []).map((feature) => $('div', { class: 'bcd-link' }, $('a', { href: '#' + feature.anchor }, 'BCD: ' + feature.key)))),
    $('td', { class: row.spec.includes('(hole)') ? 'spec hole' : 'spec', title: scenario.specModel.explanation }, row.spec));
  row.cells.forEach((cell, at) => {
    const column = view.columns[at];
    const measured = cell && result.results[cell.result];
    tr.append($('td', {}, cell
      ? $('button', { class: cell.classes, 'data-engine': column.engine, ...(column.variant ? { 'data-variant': column.variant } : {}), title: measured.explanation, onclick: () => openEvidence(scenario, column, measured, cell) }, cell.text)
      : '–'));
  });
  body.append(tr);
  groupRows.get(row.group).rows.push(tr);
}
table.append(body);
const overview = document.getElementById('overview');
for (const engine of view.overview) {
  const bar = $('div', { class: 'bar', title: engine.counts.map((part) => part.label + ': ' + part.count).join(', ') });
  for (const part of engine.counts) if (part.count) bar.append($('span', { class: part.css, style: 'width:' + (100 * part.count / engine.total) + '%' }));
  overview.append($('b', {}, engine.heading), bar, $('span', {}, engine.counts.filter((part) => part.count).map((part) => part.count + ' ' + part.label).join(', ') + ' (of ' + engine.total + ')'));
}
const enginesEl = document.getElementById('engines');
for (const engine of view.engines) enginesEl.append($('div', engine.failed ? { class: 'failed' } : {}, $('b', {}, engine.id), ': ' + engine.text));
// The filters combine: a row shows when it passes every one that is on.
const filters = { unexpected: document.getElementById('only-unexpected'), disagree: document.getElementById('only-disagree'), deviates: document.getElementById('only-deviates'), search: document.getElementById('search') };
function applyFilters() {
  const words = filters.search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  let shown = 0;
  for (const [group, entry] of groupRows) {
    let inGroup = 0;
    for (const row of entry.rows) {
      row.hidden = (filters.unexpected.checked && !row.hasAttribute('data-loud')) || (filters.disagree.checked && !row.hasAttribute('data-disagree')) ||
        (filters.deviates.checked && !row.hasAttribute('data-deviates')) || !words.every((word) => row.dataset.search.includes(word));
      if (!row.hidden) inGroup++;
    }
    shown += inGroup;
    entry.tr.hidden = inGroup === 0;
    entry.heading.textContent = group + ' (' + (inGroup === entry.rows.length ? entry.rows.length + ' rows' : inGroup + ' of ' + entry.rows.length + ' rows') + ')';
  }
  const onlyUnexpected = filters.unexpected.checked && !filters.disagree.checked && !filters.deviates.checked && !words.length;
  const nothing = document.getElementById('nothing-unexpected');
  nothing.hidden = shown > 0;
  nothing.textContent = onlyUnexpected ? view.empty.unexpected : view.empty.filtered;
}
for (const input of Object.values(filters)) input.addEventListener('input', applyFilters);
applyFilters();

function pre(text) { return $('pre', {}, text); }
function hopText(hop) {
  if (!hop) return '(nothing)';
  return (hop.kind === 'preflight' ? 'preflight OPTIONS' : hop.method) + ' ' + hop.url + (hop.status !== undefined ? ' → ' + hop.status : '') +
    '\\n' + (hop.origin === null || hop.origin === undefined ? 'no Origin' : 'Origin: ' + hop.origin) + (hop.mode ? ', mode ' + hop.mode : '') +
    (hop.asks ? ', asks ' + hop.asks.method + (hop.asks.headers ? ' + ' + hop.asks.headers : '') : '') +
    ('cookies' in hop ? (hop.cookies ? ', Cookie sent' : '') : (hop.credentials ? ', with credentials' : ''));
}
function chainTable(chain) {
  const rows = [];
  for (let index = 0; index < Math.max(chain.expected.length, chain.seen.length); index++) {
    rows.push($('tr', {}, $('td', {}, String(index + 1)), $('td', {}, pre(hopText(chain.expected[index]))), $('td', {}, pre(hopText(chain.seen[index])))));
  }
  return $('table', { class: 'chain' }, $('thead', {}, $('tr', {}, $('th', {}, 'hop'), $('th', {}, 'the spec'), $('th', {}, 'the engine (journal)'))), $('tbody', {}, ...rows));
}
// Deviation sources are prose with bug-tracker and spec URLs in it.
function linked(text) {
  return text.split(/(https?:[^ ;,)]+)/).map((part, index) => index % 2 ? $('a', { href: part, target: '_blank', rel: 'noopener' }, part) : part);
}
function headersText(headers) {
  return Object.entries(headers || {}).map(([name, value]) => name + ': ' + (Array.isArray(value) ? value.join('\\n' + name + ': ') : value)).join('\\n') || '(none)';
}
// Only fetch and XHR expose a status and headers; for images, fonts, scripts
// and the rest the page sees the content alone (ev.status is then the server's).
function pageRead(ev) {
  if (!ev.readableHeaders) return 'type: ' + ev.responseType + '\\n\\n' + (ev.body ?? '');
  return 'type: ' + ev.responseType + ', status: ' + ev.status + '\\n' + headersText(ev.readableHeaders) + '\\n\\n' + (ev.body ?? '');
}
function journalText(entries) {
  if (!entries.length) return '(no request with this probe\\'s nonce reached a lab server)';
  return entries.map((entry) =>
    '#' + entry.seq + ' ' + entry.time + ' [' + entry.server + '] ' + entry.kind.toUpperCase() + '\\n' +
    entry.method + ' ' + entry.url + '\\n' + headersText(entry.headers) +
    '\\n→ ' + (entry.status === undefined ? 'no answer' : entry.status) + '\\n' + headersText(entry.responseHeaders)
  ).join('\\n\\n');
}
function replayText(replay) {
  const lines = replay.exchanges.map((exchange) => exchange.kind.toUpperCase() + ' ' + exchange.method + ' ' + exchange.url + '\\n' +
    exchange.sent.map(([name, value]) => name + ': ' + value).join('\\n') + '\\n→ ' +
    (exchange.error ? 'no answer: ' + exchange.error : exchange.status + '\\n' + exchange.headers.map(([name, value]) => name + ': ' + value).join('\\n')));
  return (lines.join('\\n\\n') || '(nothing replayed)') + (replay.error ? '\\n\\n' + replay.error : '');
}
if (view.middleware.length) {
  const box = document.getElementById('middleware');
  box.hidden = false;
  box.append($('h2', {}, 'Middlewares'), $('ul', {}, ...view.middleware.map((line) => $('li', line.startsWith('  ') ? { class: 'detail' } : {}, line.trim()))));
}
if (view.interrupted) {
  const box = document.getElementById('interrupted');
  box.hidden = false;
  box.append($('h2', {}, view.interrupted));
}
if (view.sweep) {
  const box = document.getElementById('findings');
  box.hidden = false;
  box.className = view.sweep.bad ? 'findings bad' : 'findings good';
  box.append($('h2', {}, view.sweep.headline), ...view.sweep.lines.map((line) => $('p', line.startsWith('  ') ? { class: 'detail' } : {}, line.trim())));
}
function openEvidence(scenario, column, cell, shown) {
  const dialog = document.getElementById('evidence');
  const ev = cell.evidence;
  dialog.replaceChildren(
    $('header', {}, $('strong', {}, scenario.id + ' in ' + column.heading + ' (' + column.subheading + '): ' + cell.outcome), $('button', { onclick: () => dialog.close(), 'aria-label': 'close' }, '×')),
    $('section', { class: 'explanation' }, $('h3', {}, 'What happened'), $('p', {}, cell.explanation),
      $('p', {}, 'Verdict: ' + shown.verdict, ...(cell.deviation ? [' (' + (cell.deviation.note ? cell.deviation.note + '; ' : '') + 'source: ', ...linked(cell.deviation.source), ')'] : []), '; ' + shown.expectation),
      cell.requestMismatch ? $('p', { class: 'request-mismatch' }, '? ' + cell.requestMismatch) : '',
      cell.knownRequestShape ? $('p', { class: 'known-request-shape' }, 'Known request-shape behaviour ' + cell.knownRequestShape.id + ': ' + cell.knownRequestShape.title + ' (' + cell.knownRequestShape.difference + '); source: ', ...linked(cell.knownRequestShape.source)) : ''),
    $('section', { class: 'spec-model' }, $('h3', {}, 'What the spec predicts: ' + cell.spec), $('p', {}, cell.specExplanation),
      scenario.specModel.preflightHeaders ? $('p', {}, 'Predicted preflight: Access-Control-Request-Method: ' + scenario.specModel.preflightHeaders.method + (scenario.specModel.preflightHeaders.requestHeaders ? ', Access-Control-Request-Headers: ' + scenario.specModel.preflightHeaders.requestHeaders : '')) : $('p', {}, 'Predicted preflight: ' + (scenario.specModel.preflight ? 'yes' : 'none')),
      $('details', {}, $('summary', {}, 'Spec steps (' + scenario.specModel.steps.length + ')'), $('ol', { class: 'steps' }, ...scenario.specModel.steps.map((step) => $('li', {}, step))))),
    $('section', { class: 'facts' }, $('h3', {}, 'Facts from the journal'),
      $('span', {}, 'preflight sent: ' + ev.preflightSent), $('span', {}, 'request reached server: ' + ev.requestReached),
      $('span', {}, 'cookies sent: ' + (ev.cookiesReceived && ev.cookiesReceived.length ? ev.cookiesReceived.join(', ') : ev.cookiesSent)), $('span', {}, 'page promise: ' + ev.settled),
      ev.status !== undefined ? $('span', {}, 'status: ' + ev.status) : '', ev.tlsErrors ? $('span', {}, 'TLS handshake failures: ' + ev.tlsErrors) : '',
      shown.requestMade ? $('span', {}, shown.requestMade) : '',
      ev.control ? $('span', {}, 'reachability control (top-level navigation to ' + ev.control.url + '): ' + (ev.control.reached ? 'reached the server' : 'did not reach it' + (ev.control.error ? ' — ' + ev.control.error : ''))) : ''),
    ev.requestShape && ev.requestShape.chain ? $('section', { class: 'chain' }, $('h3', {}, 'Request chain, hop by hop'), $('p', {}, ev.requestShape.chain.firstDifference ? 'Parts from the spec at ' + ev.requestShape.chain.firstDifference : 'Every hop as the spec makes it.'), chainTable(ev.requestShape.chain)) : '',
    $('section', { class: 'request' }, $('h3', {}, 'Request sent'), pre(ev.request.method + ' ' + ev.request.url + '\\nmode: ' + ev.request.mode + ', credentials: ' + ev.request.credentials + '\\n' + headersText(ev.request.headers) + (ev.request.body !== undefined ? '\\n\\n' + ev.request.body : ''))),
    $('section', { class: 'response' }, $('h3', {}, 'What the page could read'),
      pre(ev.errorMessage ? ev.errorMessage : pageRead(ev))),
    $('section', { class: 'journal' }, $('h3', {}, 'Journal lines (' + ev.journal.length + ')'), pre(journalText(ev.journal))),
    $('section', { class: 'console' }, $('h3', {}, 'Browser console'),
      pre(ev.console === 'not exposed' ? 'not exposed by this engine\\'s driver' : (ev.console.map((entry) => entry.level + ': ' + entry.text).join('\\n') || '(no messages)'))),
    scenario.replay ? $('section', { class: 'replay' }, $('h3', {}, 'Replayed from Node — not what the browser saw'), $('p', {}, scenario.replay.label), pre(replayText(scenario.replay))) : '',
  );
  dialog.showModal();
}
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style></head>
<body>
${body}
</body></html>
`;
}

export function renderHtml(result: CorsLabResult): string {
  return result.kind === 'research' ? researchHtml(result) : matrixHtml(result);
}

/** A research result: the studies' own sections (static HTML), and the engines behind them. */
function researchHtml(result: ResearchResult): string {
  const engines = [
    ...result.engines.map(
      (engine) =>
        `<div><b>${engine.id}</b>: ${escapeHtml(`${engine.browser} ${engine.version} — ${engineDescription(engine)}`)}</div>`,
    ),
    ...result.enginesMissing.map(
      (missing) => `<div class="failed"><b>${missing.id}</b>: ${escapeHtml(missingDescription(missing))}</div>`,
    ),
  ];
  return page(
    'cors-lab research',
    `<h1>cors-lab research</h1>
<div class="meta">Started ${result.startedAt}, took ${(result.durationMs / 1000).toFixed(1)} s. ${result.tool.name} ${result.tool.version}.</div>
${engines.length > 6 ? `<details class="engines"><summary>${result.engines.length} engines ran${result.enginesMissing.length > 0 ? `, ${result.enginesMissing.length} did not` : ''}: the builds, drivers and trust</summary>${engines.join('\n')}</details>` : `<div class="engines">${engines.join('\n')}</div>`}
${result.research.maxAge ? maxAgeHtml(result.research.maxAge) : ''}
${result.research.pna ? pnaHtml(result.research.pna) : ''}
${result.research.compat ? compatHtml(result.research.compat) : ''}
${result.research.history ? historyHtml(result.research.history) : ''}
<script type="application/json" id="cors-lab-result">${embedJson(result)}</script>`,
  );
}

function matrixHtml(result: MatrixResult): string {
  // A run of catalog scenarios behind BCD features holds them against the data too (research compat's section, from this run's cells).
  const compat = result.kind === 'run' ? result.compat : undefined;
  // A check is about the user's own server: its title names what was checked.
  const title =
    result.kind === 'check'
      ? `cors-lab check: ${result.check.endpoints.length === 1 ? result.check.endpoints[0]!.name : `${result.check.endpoints.length} endpoints`}`
      : 'cors-lab compatibility matrix';
  return matrixPage(result, { title, ...(compat ? { compat } : {}) });
}

function bcdLinks(compat: CompatStudy | undefined, scenario: string): { bcd?: { key: string; anchor: string }[] } {
  const features = compat?.features.filter((feature) => feature.scenarios.includes(scenario)) ?? [];
  return features.length > 0
    ? { bcd: features.map((feature) => ({ key: feature.key, anchor: compatAnchor(feature.key) })) }
    : {};
}

/**
 * The matrix page: overview, filters, grouped rows, evidence on click. The
 * diff's page is the same, with "before" and "after" column groups and the
 * diff itself above the matrix (`intro`, HTML).
 */
export function matrixPage(
  result: MatrixResult,
  options: { title: string; groups?: ColumnGroup[]; intro?: string; compat?: CompatStudy },
): string {
  return page(
    options.title,
    `<p id="needs-script"><b>This report is drawn by JavaScript, which is off here.</b> Every cell, with its evidence, is in the result JSON inside this page's source (the script element cors-lab-result), and in result.json where the json reporter wrote one.</p>
<h1>${escapeHtml(options.title)}</h1>
<div class="meta" id="meta"></div>
${options.intro ?? ''}
<div id="interrupted" class="findings bad" hidden></div>
<div id="findings" hidden></div>
<div id="middleware" class="middleware" hidden></div>
<div id="overview" aria-label="per engine: agrees with the spec, known behaviour, new finding, flaky, error"></div>
<div class="filters"><label><input type="checkbox" id="only-unexpected"> only rows with new findings or unexpected results</label>
<label><input type="checkbox" id="only-disagree"> only rows where the engines disagree</label>
<label><input type="checkbox" id="only-deviates"> only rows where an engine deviates from the spec</label>
<label>search <input type="search" id="search" placeholder="id or title"></label>
 — click a cell for its evidence. <span id="legend"></span></div>
<table class="matrix" id="matrix"></table>
<p id="nothing-unexpected" hidden></p>
<div class="engines" id="engines"></div>
${options.compat ? compatHtml(options.compat) : ''}
<dialog id="evidence"></dialog>
<script type="application/json" id="cors-lab-result">${embedJson(result)}</script>
<script type="application/json" id="cors-lab-view">${embedJson(htmlView(result, options.groups, options.compat))}</script>
<script>${SCRIPT}</script>`,
  );
}
