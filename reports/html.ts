// A single self-contained HTML file (no network, no external assets). The
// canonical JSON result is embedded and the page renders the matrix from it;
// a cell opens its evidence in a dialog.
import type { RunResult } from '../harness/run/result.ts';
import { maxAgeHtml, pnaHtml } from './research.ts';

/** JSON safe inside a <script> element. */
function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
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
button.cell { border: 0; border-radius: 4px; padding: 3px 8px; cursor: pointer; font: inherit; min-width: 80px; text-align: left; }
.allowed { background: #d9f2e1; color: #125a2b; }
.blocked { background: #fdeccc; color: #744600; }
.error { background: #fbd5d5; color: #8a1414; }
.spec { color: #5b6475; }
.unexpected { outline: 2px solid #c01818; font-weight: bold; }
.known-deviation::after { content: ' ~'; }
.cookie-policy::after { content: ' c'; }
.new-finding { outline: 2px dashed #6a2bd1; font-weight: bold; }
.new-finding::after { content: ' !'; }
.unexpected::after { content: ' ✗'; }
ol.steps { font-size: 12px; color: #3b4250; margin: 4px 0; padding-left: 20px; }
.engines { margin-top: 16px; font-size: 13px; color: #3b4250; }
.missing { color: #8a1414; }
dialog { max-width: 960px; width: 90vw; border: 0; border-radius: 8px; box-shadow: 0 8px 30px #0005; padding: 0; }
dialog header { padding: 12px 16px; background: #eef1f5; display: flex; justify-content: space-between; align-items: center; }
dialog section { padding: 8px 16px; }
dialog h3 { font-size: 14px; margin: 8px 0 4px; }
pre { background: #f2f4f7; padding: 8px; overflow: auto; font-size: 12px; white-space: pre-wrap; word-break: break-all; margin: 0; }
.facts span { display: inline-block; margin-right: 12px; }
.filters { margin-bottom: 12px; font-size: 14px; }

.findings { margin: 1em 0; padding: .5em 1em; border-radius: 6px; }
.findings.bad { background: #fde8e8; border: 2px solid #c62828; }
.findings.bad h2 { color: #b71c1c; }
.findings.good { background: #e8f5e9; border: 1px solid #2e7d32; }

.research-table { border-collapse: collapse; margin: 8px 0; background: #fff; }
.research-table th, .research-table td { border: 1px solid #dde1e8; padding: 6px 8px; vertical-align: top; font-size: 13px; }
.research figure { margin: 12px 0; }
`;

const SCRIPT = `
const result = JSON.parse(document.getElementById('cors-lab-result').textContent);
const $ = (tag, attrs = {}, ...children) => {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'class') el.className = value; else if (key.startsWith('on')) el.addEventListener(key.slice(2), value); else el.setAttribute(key, value);
  }
  for (const child of children) el.append(child);
  return el;
};
const verdict = (cell) => ['known-deviation', 'new-finding', 'cookie-policy'].includes(cell.verdict) ? cell.verdict : !cell.matchesExpectation ? 'unexpected' : '';
const s = result.summary;
document.getElementById('meta').textContent =
  s.total + ' cells: ' + s.allowed + ' allowed, ' + s.blocked + ' blocked, ' + s.error + ' error; ' + s.knownDeviations +
  ' known deviations, ' + s.newFindings + ' new findings; ' + s.unexpected + ' not as expected. Started ' + result.startedAt + ', took ' + (result.durationMs / 1000).toFixed(1) + ' s. ' + result.tool.name + ' ' + result.tool.version + '.';
// Columns: engines, or (run --middleware) each middleware in each engine.
const columnKey = (engineId, variant) => variant === undefined ? engineId : variant + '/' + engineId;
const columns = (result.middleware ? result.middleware.variants.map((variant) => variant.id) : [undefined])
  .flatMap((variant) => result.engines.map((engine) => ({ engine, variant, key: columnKey(engine.id, variant) })));
const cells = new Map(result.results.map((cell) => [cell.scenario + '|' + columnKey(cell.engine, cell.variant), cell]));
const table = document.getElementById('matrix');
const head = $('tr', {}, $('th', {}, 'scenario'), $('th', {}, 'spec'));
for (const column of columns) head.append($('th', {}, (column.variant ? column.variant + ' · ' : '') + column.engine.id, $('small', {}, column.engine.browser + ' ' + column.engine.version)));
table.append($('thead', {}, head));
const body = $('tbody');
for (const scenario of result.scenarios) {
  const row = $('tr', { 'data-scenario': scenario.id },
    $('td', {}, $('code', {}, scenario.id), $('div', { class: 'scenario-title' }, scenario.title)),
    $('td', { class: 'spec', title: scenario.specModel.explanation }, scenario.expected.spec + (scenario.specModel.declared ? ' (file says ' + scenario.specModel.declared + ')' : '')));
  for (const column of columns) {
    const cell = cells.get(scenario.id + '|' + column.key);
    row.append($('td', {}, cell
      ? $('button', { class: 'cell ' + cell.outcome + ' ' + verdict(cell), 'data-engine': column.engine.id, ...(column.variant ? { 'data-variant': column.variant } : {}), title: cell.explanation, onclick: () => openEvidence(scenario, column.engine, cell) }, cell.outcome)
      : '–'));
  }
  body.append(row);
}
table.append(body);
const enginesEl = document.getElementById('engines');
for (const engine of result.engines) {
  enginesEl.append($('div', {}, $('b', {}, engine.id), ': ' + engine.browser + ' ' + engine.version + ' — ' + engine.driver + '; CA trust: ' + engine.trust + '; profile ' + engine.profile + ': ' + engine.cookieSettings + (engine.launchError ? ' — launch failed: ' + engine.launchError : '')));
}
for (const missing of result.enginesMissing) {
  enginesEl.append($('div', { class: 'missing' }, $('b', {}, missing.id), ': not run — ' + missing.reason + '. Fix: ' + missing.fix));
}
document.getElementById('only-unexpected').addEventListener('change', (event) => {
  for (const row of body.rows) {
    const unexpected = row.querySelector('.unexpected, .new-finding');
    row.hidden = event.target.checked && !unexpected;
  }
  document.getElementById('nothing-unexpected').hidden = !event.target.checked || [...body.rows].some((row) => !row.hidden);
});

function pre(text) { return $('pre', {}, text); }
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
// run --middleware: each middleware's version, hygiene findings and Private Network answer.
if (result.middleware) {
  const box = document.getElementById('middleware');
  box.hidden = false;
  box.append($('h2', {}, 'Middlewares compared'));
  for (const variant of result.middleware.variants) {
    const list = $('ul');
    list.append($('li', {}, 'Private Network preflight: ' + variant.privateNetwork));
    if (!variant.hygiene.length) list.append($('li', {}, 'hygiene: no findings'));
    for (const finding of variant.hygiene) list.append($('li', { class: 'hygiene' }, 'hygiene ' + finding.rule + ' (' + finding.scenarios.join(', ') + '): ' + finding.detail + ' — first seen in ' + finding.scenario + ', journal ' + finding.evidence));
    box.append($('h3', {}, variant.id + ': ' + variant.version), list);
  }
}
// cors-lab check: the security sweep's findings, above the matrix.
if (result.check) {
  const box = document.getElementById('findings');
  box.hidden = false;
  const findings = result.check.findings;
  box.className = findings.length ? 'findings bad' : 'findings good';
  box.append($('h2', {}, findings.length ? 'Security findings (' + findings.length + '): real browsers let hostile origins read credentialed responses' : (result.check.sweep ? 'Security sweep: every hostile origin was refused' : 'Security sweep: off')));
  for (const finding of findings) box.append($('p', {}, '✗ ' + finding.summary + ' (attack: ' + finding.attack + ', derived from ' + finding.derivedFrom + ')'));
}
function openEvidence(scenario, engine, cell) {
  const dialog = document.getElementById('evidence');
  const ev = cell.evidence;
  dialog.replaceChildren(
    $('header', {}, $('strong', {}, scenario.id + ' in ' + (cell.variant ? cell.variant + ' · ' : '') + engine.id + ' ' + engine.version + ': ' + cell.outcome), $('button', { onclick: () => dialog.close(), 'aria-label': 'close' }, '×')),
    $('section', { class: 'explanation' }, $('h3', {}, 'What happened'), $('p', {}, cell.explanation),
      $('p', {}, 'Verdict: ' + cell.verdict.replace('-', ' '), ...(cell.deviation ? [' (source: ', ...linked(cell.deviation.source), ')'] : []), '; expected here: ' + cell.expected + (cell.matchesExpectation ? '.' : ' — NOT AS EXPECTED.'))),
    $('section', { class: 'spec-model' }, $('h3', {}, 'What the spec predicts: ' + cell.spec), $('p', {}, cell.specExplanation),
      scenario.specModel.preflightHeaders ? $('p', {}, 'Predicted preflight: Access-Control-Request-Method: ' + scenario.specModel.preflightHeaders.method + (scenario.specModel.preflightHeaders.requestHeaders ? ', Access-Control-Request-Headers: ' + scenario.specModel.preflightHeaders.requestHeaders : '')) : $('p', {}, 'Predicted preflight: ' + (scenario.specModel.preflight ? 'yes' : 'none')),
      $('details', {}, $('summary', {}, 'Spec steps (' + scenario.specModel.steps.length + ')'), $('ol', { class: 'steps' }, ...scenario.specModel.steps.map((step) => $('li', {}, step))))),
    $('section', { class: 'facts' }, $('h3', {}, 'Facts from the journal'),
      $('span', {}, 'preflight sent: ' + ev.preflightSent), $('span', {}, 'request reached server: ' + ev.requestReached),
      $('span', {}, 'cookies sent: ' + (ev.cookiesReceived && ev.cookiesReceived.length ? ev.cookiesReceived.join(', ') : ev.cookiesSent)), $('span', {}, 'page promise: ' + ev.settled),
      ev.status !== undefined ? $('span', {}, 'status: ' + ev.status) : '', ev.tlsErrors ? $('span', {}, 'TLS handshake failures: ' + ev.tlsErrors) : '',
      ev.control ? $('span', {}, 'reachability control (top-level navigation to ' + ev.control.url + '): ' + (ev.control.reached ? 'reached the server' : 'did not reach it' + (ev.control.error ? ' — ' + ev.control.error : ''))) : ''),
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

export function renderHtml(result: RunResult): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cors-lab report</title>
<style>${STYLE}</style></head>
<body>
<h1>cors-lab compatibility matrix</h1>
<div class="meta" id="meta"></div>
<div id="findings" hidden></div>
<div id="middleware" class="middleware" hidden></div>
<div class="filters"><label><input type="checkbox" id="only-unexpected"> only rows with new findings or unexpected results</label>
 — click a cell for its evidence. ~ known deviation from the spec, c cookie withheld by the engine's cookie policy, ! new finding, ✗ unexpected.</div>
<table class="matrix" id="matrix"></table>
<p id="nothing-unexpected" hidden>No new findings and no unexpected results in this run.</p>
<div class="engines" id="engines"></div>
${result.research?.maxAge ? maxAgeHtml(result.research.maxAge) : ''}
${result.research?.pna ? pnaHtml(result.research.pna) : ''}
<dialog id="evidence"></dialog>
<script type="application/json" id="cors-lab-result">${embedJson(result)}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
