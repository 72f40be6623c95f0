// The one page of `cors-lab ui`: the form, the results as they stream in,
// the findings, exports, history and compare. Its script is page-script.js, a plain
// browser file beside this one (copied into the package by the build).
import { readFileSync } from 'node:fs';

const SCRIPT = readFileSync(new URL('./page-script.js', import.meta.url), 'utf8');

export const UI_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>cors-lab ui</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 110rem; padding: 0 1rem; color: #1d2939; }
h1 { font-size: 1.4rem; margin: 0 0 .2rem; }
h2 { font-size: 1.1rem; margin: 1.2rem 0 .4rem; }
.lead { margin: 0 0 1rem; color: #475467; }
.top { display: grid; grid-template-columns: minmax(30rem, 3fr) minmax(20rem, 2fr); gap: 2rem; align-items: start; }
form { display: grid; grid-template-columns: 11rem 1fr; gap: .5rem 1rem; align-items: start; }
label { font-weight: 600; padding-top: .3rem; }
input[type=text], textarea, select { font: inherit; padding: .3rem .4rem; border: 1px solid #98a2b3; border-radius: 4px; width: 100%; box-sizing: border-box; }
textarea { min-height: 3.2rem; font-family: ui-monospace, monospace; font-size: 13px; }
.engines label { font-weight: normal; margin-right: 1rem; display: inline-block; }
.engines label.missing { color: #98a2b3; }
button { font: inherit; padding: .4rem 1.2rem; border-radius: 4px; border: 1px solid #1d4ed8; background: #1d4ed8; color: white; cursor: pointer; margin: 0 .4rem .4rem 0; }
button.secondary { background: white; color: #1d4ed8; }
button.small { padding: .1rem .6rem; font-size: 13px; }
button:disabled { opacity: .6; cursor: wait; }
#problems, .problems { color: #b42318; white-space: pre-wrap; }
#status { color: #475467; margin: 1rem 0 .5rem; }
#history-list { padding-left: 0; list-style: none; margin: 0; }
#history-list li { margin: .2rem 0; font-size: 14px; }
.legend { font-size: 13px; color: #475467; }
.row { border-top: 2px solid #d0d5dd; margin-top: 1rem; }
.row .spec { color: #344054; }
.engines-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(32rem, 1fr)); gap: .8rem; }
.cell { border: 1px solid #d0d5dd; border-radius: 6px; padding: .6rem .8rem; }
.cell.unexpected { border: 2px solid #b42318; }
.not-expected { color: #b42318; font-weight: bold; }
.cell h3 { margin: 0 0 .3rem; font-size: 1rem; }
.verdict { font-weight: normal; color: #475467; }
.allowed { color: #067647; } .blocked { color: #b42318; } .error { color: #b54708; }
.why, .known, .mismatch, .differs-note { margin: .2rem 0; font-size: 14px; }
.mismatch, .differs-note { color: #b54708; }
.step { margin: .1rem 0 .1rem 1rem; font-size: 13px; color: #475467; }
svg.diagram { width: 100%; height: auto; margin-top: .4rem; font-family: ui-monospace, monospace; }
svg.diagram .actor { font: 600 12px system-ui, sans-serif; fill: #1d2939; }
svg.diagram .lifeline { stroke: #98a2b3; stroke-dasharray: 4 3; }
svg.diagram .arrow { stroke: #1d2939; stroke-width: 1.3; }
svg.diagram .arrow.back { stroke-dasharray: 5 3; }
svg.diagram marker path { fill: #1d2939; }
svg.diagram .label { font-size: 12px; fill: #1d2939; }
svg.diagram .detail { font-size: 10.5px; fill: #475467; }
svg.diagram .hop.differs .label, svg.diagram .hop.differs .detail { fill: #b54708; font-weight: 600; }
svg.diagram .hop.differs .arrow { stroke: #f79009; stroke-width: 2.5; }
svg.diagram .outcome { font: 600 12px system-ui, sans-serif; }
svg.diagram .outcome.allowed { fill: #067647; } svg.diagram .outcome.blocked { fill: #b42318; } svg.diagram .outcome.error { fill: #b54708; }
.finding { border-left: 4px solid #f79009; padding: .2rem .8rem; margin: .5rem 0; }
.finding.security { border-color: #b42318; }
.finding h3 { margin: .2rem 0; font-size: 1rem; }
#exported pre { background: #f2f4f7; padding: .6rem; overflow-x: auto; font-size: 13px; max-height: 30rem; }
table.changes { border-collapse: collapse; font-size: 14px; }
table.changes th, table.changes td { border: 1px solid #d0d5dd; padding: .2rem .5rem; text-align: left; vertical-align: top; }
tr.improved td { background: #ecfdf3; } tr.regressed td { background: #fef3f2; } tr.changed td { background: #fffaeb; }
</style>
</head>
<body>
<h1>cors-lab ui</h1>
<p class="lead">The request you describe, made by real browsers from the origins you list; what each engine did, what the server saw, and what the Fetch standard says.</p>
<div class="top">
<form id="form">
  <label for="url">Target URL</label><input type="text" id="url" name="url" placeholder="https://api.example.com/users/me" required>
  <label for="origins">Page origins (one per line; add =blocked to one the server must refuse)</label><textarea id="origins" name="origins" placeholder="https://app.example.com&#10;https://evil.example.net=blocked"></textarea>
  <label for="method">Method</label><input type="text" id="method" name="method" value="GET">
  <label for="headers">Request headers (Name: value, one per line)</label><textarea id="headers" name="headers"></textarea>
  <label for="body">Body</label><textarea id="body" name="body"></textarea>
  <label for="credentials">Credentials</label><select id="credentials" name="credentials"><option>same-origin</option><option>include</option><option>omit</option></select>
  <label for="kind">Request kind</label><select id="kind" name="kind"><option value="fetch">fetch</option><option value="xhr">XMLHttpRequest</option><option value="img-canvas">img drawn to a canvas</option><option value="font">font (FontFace)</option></select>
  <label for="resolve">--resolve (host:port:addr:port, one per line)</label><textarea id="resolve" name="resolve"></textarea>
  <label for="ca">--ca (PEM files to trust for the target)</label><input type="file" id="ca" name="ca" multiple accept=".pem,.crt,.cer">
  <label>Engines</label><div class="engines" id="engines"></div>
  <span></span><div><button type="submit" id="run" class="run-button" disabled>Run in every engine</button><button type="button" id="sweep" class="run-button secondary" disabled>Run the security sweep</button></div>
</form>
<aside>
  <h2>History</h2>
  <ol id="history-list"></ol>
  <button type="button" id="compare-button" class="secondary small">Compare the two checked</button>
</aside>
</div>
<div id="problems" role="alert"></div>
<div id="status" aria-live="polite"></div>
<div id="compare"></div>
<div id="results"></div>
<p class="legend" id="legend" hidden>In the diagrams: ACRM, ACRH: Access-Control-Request-Method, -Headers (what a preflight asks); ACAO, ACAC, ACAM, ACAH, ACEH, ACMA: Access-Control-Allow-Origin, -Allow-Credentials, -Allow-Methods, -Allow-Headers, -Expose-Headers, -Max-Age. Orange: a request this engine made otherwise than the other engines.</p>
<div id="findings"></div>
<div id="exports"></div>
<div id="exported"></div>
<script>
${SCRIPT.replaceAll('</script', '<\\/script')}
</script>
</body>
</html>
`;
