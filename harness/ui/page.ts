// The one page of `cors-lab ui`: the form, and each engine's cell as its
// event arrives. Plain DOM, no build step; the token comes from the URL the
// person opened and goes with every request.
export const UI_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>cors-lab ui</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 70rem; padding: 0 1rem; color: #1d2939; }
h1 { font-size: 1.4rem; margin: 0 0 1rem; }
form { display: grid; grid-template-columns: 12rem 1fr; gap: .5rem 1rem; align-items: start; }
label { font-weight: 600; padding-top: .3rem; }
input[type=text], textarea, select { font: inherit; padding: .3rem .4rem; border: 1px solid #98a2b3; border-radius: 4px; width: 100%; box-sizing: border-box; }
textarea { min-height: 3.2rem; font-family: ui-monospace, monospace; font-size: 13px; }
.engines label { font-weight: normal; margin-right: 1rem; }
button { font: inherit; padding: .4rem 1.2rem; border-radius: 4px; border: 1px solid #1d4ed8; background: #1d4ed8; color: white; cursor: pointer; }
button:disabled { opacity: .6; cursor: wait; }
#problems { color: #b42318; white-space: pre-wrap; }
#status { color: #475467; margin: 1rem 0 .5rem; }
.cell { border: 1px solid #d0d5dd; border-radius: 6px; padding: .6rem .8rem; margin: .6rem 0; }
.cell h3 { margin: 0 0 .3rem; font-size: 1rem; }
.allowed { color: #067647; } .blocked { color: #b42318; } .error { color: #b54708; }
.why { margin: .2rem 0; }
ol.chain { margin: .3rem 0 0; padding-left: 1.4rem; font-family: ui-monospace, monospace; font-size: 13px; }
</style>
</head>
<body>
<h1>cors-lab ui</h1>
<form id="form">
  <label for="url">Target URL</label><input type="text" id="url" name="url" placeholder="https://api.example.com/users/me" required>
  <label for="origins">Page origins (one per line)</label><textarea id="origins" name="origins" placeholder="https://app.example.com"></textarea>
  <label for="method">Method</label><input type="text" id="method" name="method" value="GET">
  <label for="headers">Request headers (Name: value, one per line)</label><textarea id="headers" name="headers"></textarea>
  <label for="body">Body</label><textarea id="body" name="body"></textarea>
  <label for="credentials">Credentials</label><select id="credentials" name="credentials"><option>same-origin</option><option>include</option><option>omit</option></select>
  <label for="kind">Request kind</label><select id="kind" name="kind"><option value="fetch">fetch</option><option value="xhr">XMLHttpRequest</option><option value="img-canvas">img drawn to a canvas</option><option value="font">font (FontFace)</option></select>
  <label for="resolve">--resolve (host:port:addr:port, one per line)</label><textarea id="resolve" name="resolve"></textarea>
  <label>Engines</label><div class="engines" id="engines"></div>
  <span></span><div><button type="submit" id="run">Run in every engine</button></div>
</form>
<div id="problems" role="alert"></div>
<div id="status" aria-live="polite"></div>
<div id="cells"></div>
<script>
const token = new URLSearchParams(location.search).get('token') || '';
const ENGINES = ['chromium', 'firefox', 'webkit'];
const $ = (id) => document.getElementById(id);
for (const engine of ENGINES) {
  const label = document.createElement('label');
  label.innerHTML = '<input type="checkbox" name="engine" checked> ';
  label.firstChild.value = engine;
  label.append(engine);
  $('engines').append(label);
}
const lines = (id) => $(id).value.split('\\n').map((line) => line.trim()).filter(Boolean);
const text = (tag, content, className) => { const node = document.createElement(tag); node.textContent = content; if (className) node.className = className; return node; };
function showCell(cell) {
  const box = document.createElement('section');
  box.className = 'cell';
  box.dataset.engine = cell.engine;
  box.dataset.outcome = cell.outcome;
  const title = text('h3', cell.engine + ': ');
  title.append(text('span', cell.outcome, cell.outcome));
  title.append(' (the spec: ' + cell.spec + '; ' + cell.verdict + ')');
  box.append(title, text('p', cell.row, 'row'), text('p', cell.explanation, 'why'));
  if (cell.knownBehaviour) box.append(text('p', 'Known engine behaviour: ' + cell.knownBehaviour.note + ' (' + cell.knownBehaviour.source + ')', 'known'));
  if (cell.requestMismatch) box.append(text('p', '? ' + cell.requestMismatch, 'mismatch'));
  const chain = document.createElement('ol');
  chain.className = 'chain';
  for (const hop of cell.journal) chain.append(text('li', hop.method + ' ' + hop.url + ' (' + (hop.origin === null ? 'no Origin' : 'Origin ' + hop.origin) + ') -> ' + (hop.status ?? 'no answer')));
  if (cell.journal.length === 0) chain.append(text('li', 'nothing reached the server'));
  box.append(chain);
  $('cells').append(box);
}
$('form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('problems').textContent = '';
  $('cells').textContent = '';
  const form = { url: $('url').value.trim(), origins: lines('origins'), method: $('method').value.trim() || 'GET', headers: lines('headers'), body: $('body').value, credentials: $('credentials').value, kind: $('kind').value, resolve: lines('resolve'), engines: [...document.querySelectorAll('input[name=engine]:checked')].map((box) => box.value) };
  $('run').disabled = true;
  $('status').textContent = 'starting…';
  const answer = await fetch('/api/runs', { method: 'POST', headers: { 'content-type': 'application/json', 'x-cors-lab-token': token }, body: JSON.stringify(form) });
  const reply = await answer.json().catch(() => ({ problems: ['the UI answered ' + answer.status] }));
  if (!answer.ok) {
    $('problems').textContent = (reply.problems || []).join('\\n');
    $('status').textContent = '';
    $('run').disabled = false;
    return;
  }
  $('status').textContent = 'running in ' + form.engines.join(', ') + '…';
  const stream = new EventSource('/api/runs/' + reply.id + '/events?token=' + encodeURIComponent(token));
  stream.addEventListener('cell', (message) => showCell(JSON.parse(message.data)));
  stream.addEventListener('done', (message) => {
    const done = JSON.parse(message.data);
    $('status').textContent = 'done: ' + done.engines.map((engine) => engine.browser + ' ' + engine.version).join(', ') + (done.missing.length ? '; not run: ' + done.missing.map((missing) => missing.id + ' (' + missing.reason + ')').join(', ') : '');
  });
  stream.addEventListener('failed', (message) => { $('problems').textContent = JSON.parse(message.data).message; $('status').textContent = ''; });
  stream.addEventListener('end', () => { stream.close(); $('run').disabled = false; });
});
</script>
</body>
</html>
`;
