// The browser side of `cors-lab ui` (served inline by page.ts): the form,
// each engine's cell as its event arrives with a sequence diagram of what the
// server saw, the history of runs, compare, exports. Plain DOM, no build step;
// the token comes from the URL the person opened and goes with every request.
const token = new URLSearchParams(location.search).get('token') || '';
/** Engine ids in the order the server lists them: cells are shown in it. */
let engineOrder = [];
const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
let current = null; // the run on screen: { id, rows: Map<row, Map<engine, cell>> }

const api = async (path, init = {}) => {
  const answer = await fetch(path, { ...init, headers: { ...(init.headers || {}), 'x-cors-lab-token': token } });
  const type = answer.headers.get('content-type') || '';
  const body = type.includes('json') ? await answer.json() : await answer.text();
  return { ok: answer.ok, status: answer.status, body };
};
const lines = (id) =>
  $(id)
    .value.split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
const text = (tag, content, className) => {
  const node = document.createElement(tag);
  node.textContent = content;
  if (className) node.className = className;
  return node;
};
const button = (label, onClick, className) => {
  const node = text('button', label, className);
  node.type = 'button';
  node.addEventListener('click', onClick);
  return node;
};

/** The engines this machine has, as the server found them: system engines checked, builds and remote engines to pick. */
async function listEngines() {
  const answer = await api('/api/engines');
  engineOrder = answer.body.engines.map((engine) => engine.id);
  for (const engine of answer.body.engines) {
    const label = document.createElement('label');
    const box = document.createElement('input');
    Object.assign(box, {
      type: 'checkbox',
      name: 'engine',
      value: engine.id,
      checked: engine.found && engine.detail === 'system',
      disabled: !engine.found,
    });
    label.title = engine.detail;
    label.append(box, ' ' + engine.id);
    if (!engine.found) label.className = 'missing';
    $('engines').append(label);
  }
  // The buttons wait for the engines: a run started before they are listed would have none to run in.
  for (const node of document.querySelectorAll('.run-button')) node.disabled = false;
}

/** The CA files the person chose, read as text: the server gets their PEM, never a path. */
async function chosenCas() {
  return Promise.all([...$('ca').files].map(async (file) => ({ name: file.name, pem: await file.text() })));
}

async function readForm() {
  return {
    url: $('url').value.trim(),
    origins: lines('origins'),
    method: $('method').value.trim() || 'GET',
    headers: lines('headers'),
    body: $('body').value,
    credentials: $('credentials').value,
    kind: $('kind').value,
    resolve: lines('resolve'),
    ca: await chosenCas(),
    engines: [...document.querySelectorAll('input[name=engine]:checked')].map((box) => box.value),
  };
}

function fillForm(form) {
  $('url').value = form.url;
  $('origins').value = form.origins.join('\n');
  $('method').value = form.method;
  $('headers').value = form.headers.join('\n');
  $('body').value = form.body || '';
  $('credentials').value = form.credentials;
  $('kind').value = form.kind;
  $('resolve').value = form.resolve.join('\n');
  for (const box of document.querySelectorAll('input[name=engine]'))
    box.checked = !box.disabled && form.engines.includes(box.value);
}

// The sequence diagram: the page on the left, the server on the right, each request and its answer's CORS headers.
const WIDTH = 560;
const PAGE_X = 70;
const SERVER_X = WIDTH - 70;
/** Characters of 10.5px monospace that fit between the lifelines. */
const LINE_CHARS = 62;
const LINE_HEIGHT = 13;

function svg(tag, attributes, content) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (content !== undefined) node.textContent = content;
  return node;
}

/** The usual short names of the CORS headers, which the legend spells out. */
const SHORT = {
  'access-control-allow-origin': 'ACAO',
  'access-control-allow-credentials': 'ACAC',
  'access-control-allow-methods': 'ACAM',
  'access-control-allow-headers': 'ACAH',
  'access-control-expose-headers': 'ACEH',
  'access-control-max-age': 'ACMA',
  'access-control-allow-private-network': 'ACAPN',
};
const headerName = (name) =>
  SHORT[name] || name.replace(/(^|-)([a-z])/g, (_, dash, letter) => dash + letter.toUpperCase());
const pathOf = (url) => {
  try {
    const parsed = new URL(url);
    return parsed.pathname + parsed.search;
  } catch {
    return url;
  }
};
const hopSignature = (hop) =>
  [
    hop.kind,
    hop.method,
    hop.url,
    hop.origin,
    hop.status,
    hop.asks ? hop.asks.method + '|' + hop.asks.headers : '',
    hop.cookies,
  ].join(' ');

/** Parts joined with " · ", broken into lines that fit between the lifelines. */
function wrap(parts) {
  const out = [];
  let line = '';
  for (const part of parts) {
    const next = line ? line + ' · ' + part : part;
    if (next.length <= LINE_CHARS || !line) line = next;
    else {
      out.push(line);
      line = part;
    }
  }
  if (line) out.push(line);
  return out.flatMap((one) => (one.length <= LINE_CHARS ? [one] : one.match(new RegExp(`.{1,${LINE_CHARS}}`, 'g'))));
}

function diagram(cell, differs) {
  const root = svg('svg', {
    class: 'diagram',
    role: 'img',
    'aria-label': `${cell.engine}: ${cell.hops.length} requests reached the server`,
  });
  const defs = svg('defs', {});
  const marker = svg('marker', {
    id: 'head',
    viewBox: '0 0 8 8',
    refX: 7,
    refY: 4,
    markerWidth: 8,
    markerHeight: 8,
    orient: 'auto-start-reverse',
  });
  marker.append(svg('path', { d: 'M0,0 L8,4 L0,8 z' }));
  defs.append(marker);
  const server = cell.hops[0] ? new URL(cell.hops[0].url).host : 'server';
  root.append(
    defs,
    svg(
      'text',
      { x: 4, y: 16, class: 'actor' },
      'page ' + (cell.hops[0] && cell.hops[0].origin ? cell.hops[0].origin : ''),
    ),
    svg('text', { x: WIDTH - 4, y: 16, 'text-anchor': 'end', class: 'actor' }, server),
  );
  let y = 44;
  cell.hops.forEach((hop, index) => {
    const group = svg('g', { class: 'hop' + (differs.has(index) ? ' differs' : ''), 'data-kind': hop.kind });
    const asked = [hop.origin === null ? 'no Origin' : 'Origin: ' + hop.origin];
    if (hop.asks) asked.push('ACRM: ' + hop.asks.method + (hop.asks.headers ? ', ACRH: ' + hop.asks.headers : ''));
    if (hop.cookies) asked.push('cookies');
    group.append(
      svg(
        'text',
        { x: PAGE_X + 8, y: y - 6, class: 'label' },
        `${index + 1}. ${hop.kind === 'preflight' ? 'preflight ' : ''}${hop.method} ${pathOf(hop.url)}`,
      ),
    );
    group.append(
      svg('line', { x1: PAGE_X, y1: y, x2: SERVER_X - 4, y2: y, class: 'arrow', 'marker-end': 'url(#head)' }),
    );
    for (const line of wrap(asked))
      group.append(svg('text', { x: PAGE_X + 8, y: (y += LINE_HEIGHT) - 1, class: 'detail' }, line));
    y += 22;
    const answered =
      hop.status !== undefined ? String(hop.status) : hop.error ? 'no answer: ' + hop.error : 'no answer';
    group.append(svg('text', { x: SERVER_X - 8, y: y - 5, 'text-anchor': 'end', class: 'label' }, answered));
    group.append(
      svg('line', { x1: SERVER_X, y1: y, x2: PAGE_X + 4, y2: y, class: 'arrow back', 'marker-end': 'url(#head)' }),
    );
    const headers = hop.answer.map(([name, value]) => headerName(name) + ': ' + value);
    for (const line of wrap(headers.length > 0 ? headers : ['no CORS headers']))
      group.append(
        svg('text', { x: SERVER_X - 8, y: (y += LINE_HEIGHT) - 1, 'text-anchor': 'end', class: 'detail' }, line),
      );
    y += 30;
    root.append(group);
  });
  if (cell.hops.length === 0) y += 10;
  const saw =
    cell.hops.length === 0
      ? 'nothing reached the server'
      : cell.outcome === 'allowed'
        ? `the page read ${cell.page.status ?? 'the response'}`
        : `the page saw ${cell.page.error || cell.outcome}`;
  for (const line of wrap([saw]))
    root.append(svg('text', { x: 10, y: (y += LINE_HEIGHT + 2) - 2, class: 'outcome ' + cell.outcome }, line));
  const height = y + 10;
  root.setAttribute('viewBox', `0 0 ${WIDTH} ${height}`);
  root.prepend(
    svg('line', { x1: PAGE_X, y1: 24, x2: PAGE_X, y2: height - 30, class: 'lifeline' }),
    svg('line', { x1: SERVER_X, y1: 24, x2: SERVER_X, y2: height - 30, class: 'lifeline' }),
  );
  return root;
}

/** The hops of one engine that no other engine of the row made the same way (by index): what the diagram highlights. */
function differingHops(row, engine) {
  const mine = row.get(engine).hops.map(hopSignature);
  const others = [...row.entries()]
    .filter(([other]) => other !== engine)
    .map(([, cell]) => cell.hops.map(hopSignature));
  const differs = new Set();
  if (others.length === 0) return differs;
  mine.forEach((signature, index) => {
    if (others.some((theirs) => theirs[index] !== signature)) differs.add(index);
  });
  return differs;
}

function cellBox(cell, differs) {
  const box = document.createElement('section');
  box.className = 'cell';
  box.dataset.engine = cell.engine;
  box.dataset.outcome = cell.outcome;
  const title = text('h3', cell.engine + ': ');
  title.append(
    text('span', cell.outcome, cell.outcome),
    text('span', ` (the spec: ${cell.spec}; ${cell.verdict})`, 'verdict'),
  );
  // As check says it: an origin marked =blocked that got through, or a listed one refused, is a failure.
  if (cell.matchesExpectation === false) {
    box.classList.add('unexpected');
    title.append(text('span', ` NOT AS EXPECTED (expected ${cell.expected})`, 'not-expected'));
  }
  box.append(title, text('p', cell.explanation, 'why'));
  if (cell.knownBehaviour)
    box.append(
      text(
        'p',
        'Known engine behaviour: ' + cell.knownBehaviour.note + ' (' + cell.knownBehaviour.source + ')',
        'known',
      ),
    );
  if (cell.knownRequestShape)
    box.append(
      text('p', 'Known request shape ' + cell.knownRequestShape.id + ': ' + cell.knownRequestShape.difference, 'known'),
    );
  if (cell.requestMismatch) box.append(text('p', '? ' + cell.requestMismatch, 'mismatch'));
  if (differs.size > 0)
    box.append(text('p', 'Highlighted: requests this engine made otherwise than the others.', 'differs-note'));
  box.append(diagram(cell, differs));
  if (cell.specSteps) {
    const steps = document.createElement('details');
    steps.append(text('summary', "the spec's steps"), ...cell.specSteps.map((step) => text('p', step, 'step')));
    box.append(steps);
  }
  return box;
}

/** Draws every row of the run on screen again: a cell's highlights depend on the other engines' cells. */
function render() {
  const results = $('results');
  results.textContent = '';
  for (const [row, cells] of current.rows) {
    const section = document.createElement('section');
    section.className = 'row';
    section.dataset.row = row;
    section.append(text('h2', row));
    const first = cells.values().next().value;
    section.append(text('p', `The spec: ${first.spec}. ${first.specExplanation || ''}`, 'spec'));
    const grid = document.createElement('div');
    grid.className = 'engines-grid';
    for (const engine of [...cells.keys()].sort((a, b) => engineOrder.indexOf(a) - engineOrder.indexOf(b)))
      grid.append(cellBox(cells.get(engine), differingHops(cells, engine)));
    section.append(grid);
    results.append(section);
  }
  $('legend').hidden = current.rows.size === 0;
}

function addCell(cell) {
  if (!current.rows.has(cell.row)) current.rows.set(cell.row, new Map());
  current.rows.get(cell.row).set(cell.engine, cell);
  render();
}

function showFindings(findings) {
  const box = $('findings');
  box.textContent = '';
  if (!findings) return;
  box.append(text('h2', findings.length === 0 ? 'Findings: none' : `Findings: ${findings.length}`));
  for (const finding of findings) {
    const item = document.createElement('div');
    item.className = 'finding ' + finding.kind;
    item.append(
      text('h3', `${finding.kind}: ${finding.title}`),
      text('p', finding.why),
      text('p', 'Fix: ' + finding.fix, 'fix'),
    );
    box.append(item);
  }
}

function showExports(id) {
  const box = $('exports');
  box.textContent = '';
  box.append(text('h2', 'Keep it'));
  for (const [as, label] of [
    ['config', 'check config (YAML)'],
    ['scenario', 'scenario file'],
    ['vitest', 'vitest test'],
  ]) {
    box.append(
      button(
        'Show ' + label,
        safely(async () => {
          const answer = await api(`/api/runs/${id}/export?as=${as}`);
          const link = text('a', 'download');
          link.href = `/api/runs/${id}/export?as=${as}&token=${encodeURIComponent(token)}`;
          $('exported').textContent = '';
          $('exported').append(link, text('pre', answer.ok ? answer.body : (answer.body.problems || []).join('\n')));
          $('exported').dataset.as = as;
        }),
        'secondary',
      ),
    );
  }
}

async function start(sweep) {
  $('problems').textContent = '';
  $('results').textContent = '';
  $('findings').textContent = '';
  $('exports').textContent = '';
  $('exported').textContent = '';
  const form = { ...(await readForm()), sweep };
  for (const node of document.querySelectorAll('.run-button')) node.disabled = true;
  $('status').textContent = 'starting…';
  const answer = await api('/api/runs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(form),
  });
  if (!answer.ok) {
    $('problems').textContent = (answer.body.problems || ['the UI answered ' + answer.status]).join('\n');
    $('status').textContent = '';
    for (const node of document.querySelectorAll('.run-button')) node.disabled = false;
    return;
  }
  current = { id: answer.body.id, rows: new Map() };
  $('status').textContent = `running in ${form.engines.join(', ')}${sweep ? ', with the security sweep' : ''}…`;
  const stream = new EventSource(`/api/runs/${answer.body.id}/events?token=${encodeURIComponent(token)}`);
  stream.addEventListener('cell', (message) => addCell(JSON.parse(message.data)));
  stream.addEventListener('done', (message) => {
    const done = JSON.parse(message.data);
    current.rows = new Map();
    for (const cell of done.cells) addCell(cell);
    $('status').textContent =
      `done in ${done.seconds} s: ` +
      done.engines.map((engine) => engine.browser + ' ' + engine.version).join(', ') +
      (done.missing.length
        ? '; not run: ' + done.missing.map((missing) => missing.id + ' (' + missing.reason + ')').join(', ')
        : '');
    showFindings(done.findings);
    showExports(current.id);
  });
  stream.addEventListener('failed', (message) => {
    $('problems').textContent = JSON.parse(message.data).message;
    $('status').textContent = '';
  });
  stream.addEventListener('end', () => {
    stream.close();
    for (const node of document.querySelectorAll('.run-button')) node.disabled = false;
    safely(refreshHistory)();
  });
}

async function refreshHistory() {
  const answer = await api('/api/runs');
  const list = $('history-list');
  list.textContent = '';
  for (const run of answer.body.runs) {
    const item = document.createElement('li');
    item.dataset.id = run.id;
    const pick = document.createElement('input');
    Object.assign(pick, { type: 'checkbox', name: 'compare', value: run.id, disabled: !run.done });
    const counts =
      Object.entries(run.outcomes)
        .map(([outcome, count]) => `${count} ${outcome}`)
        .join(', ') || (run.done ? 'no cells' : 'running');
    item.append(
      pick,
      text(
        'span',
        ` ${new Date(run.startedAt).toLocaleTimeString()} ${run.form.method} ${run.form.url}${run.form.sweep ? ' (sweep)' : ''}: ${counts} `,
      ),
      button('Load into the form', () => fillForm(run.form), 'secondary small'),
    );
    list.append(item);
  }
}

async function compareChecked() {
  const checked = [...document.querySelectorAll('input[name=compare]:checked')].map((box) => box.value);
  const box = $('compare');
  box.textContent = '';
  if (checked.length !== 2) {
    box.append(text('p', 'Check two finished runs in the history to compare them.', 'problems'));
    return;
  }
  // The history lists newest first: the older run is "before".
  const answer = await api(`/api/compare?a=${checked[1]}&b=${checked[0]}`);
  if (!answer.ok) {
    box.append(text('p', (answer.body.problems || []).join('\n'), 'problems'));
    return;
  }
  const diff = answer.body;
  box.append(
    text('h2', 'Compared'),
    text('p', 'What changed in the form: ' + (diff.formChanges.join('; ') || 'nothing'), 'form-changes'),
  );
  if (diff.changes.length === 0) {
    box.append(text('p', `No cell changed (${diff.summary.unchanged} the same).`, 'no-change'));
    return;
  }
  const table = document.createElement('table');
  table.className = 'changes';
  const head = document.createElement('tr');
  for (const name of ['row', 'engine', 'before', 'after', 'what differs', 'likeliest cause'])
    head.append(text('th', name));
  table.append(head);
  for (const change of diff.changes) {
    const tr = document.createElement('tr');
    tr.className = change.kind;
    tr.dataset.engine = change.engine;
    tr.append(
      text('td', change.scenario),
      text('td', change.engine),
      text('td', change.before ? change.before.outcome : '—'),
      text('td', change.after ? change.after.outcome : '—'),
      text('td', change.differences.join('; ')),
      text('td', change.cause),
    );
    table.append(tr);
  }
  box.append(table);
}

/** Runs `work`, showing whatever goes wrong (the UI stopped, the network) where the page shows problems. */
function safely(work) {
  return (...args) => {
    work(...args).catch((error) => {
      $('problems').textContent =
        `the UI could not be reached: ${error instanceof Error ? error.message : String(error)}`;
      for (const node of document.querySelectorAll('.run-button')) node.disabled = false;
    });
  };
}

$('form').addEventListener('submit', (event) => {
  event.preventDefault();
  safely(start)(false);
});
$('sweep').addEventListener('click', () => safely(start)(true));
$('compare-button').addEventListener('click', safely(compareChecked));
safely(listEngines)();
safely(refreshHistory)();
