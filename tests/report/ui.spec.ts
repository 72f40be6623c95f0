// cors-lab ui in a real browser: the form run against a real server in its
// own process, each engine's cell streamed in with its sequence diagram; a
// second run compared with the first; the exports run as a user would run
// them; the sweep; bad input shown as the CLI says it; and the UI's guards,
// tried by another site in the same browser, a rebinding host name, and no token.
import { expect, test, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { CheckResult, RunResult } from '../../harness/result/result.ts';
import { startUi, TOKEN_HEADER, type RunningUi } from '../../harness/ui/server.ts';
import { ownCa, startFixture, type FixtureServer } from '../check-helpers.ts';
import { NODE, tempCertDir, tempDir } from '../helpers.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin', 'cors-lab.js');
const APP = 'http://app.example.com';
const EVIL = 'http://evil.example.com';

let ui: RunningUi;
let api: FixtureServer;
let tlsApi: FixtureServer;
let caFile = '';
let certDir = '';

test.beforeAll(async () => {
  api = await startFixture('express-cors-server', { ALLOWED_ORIGINS: APP });
  // The same app over HTTPS with its own CA, which no browser trusts unless told to.
  const own = ownCa(tempDir('ui-own-ca'));
  caFile = own.caFile;
  tlsApi = await startFixture('express-cors-server', { ALLOWED_ORIGINS: 'https://app.example.com', ...own.tls });
  certDir = tempCertDir();
  ui = await startUi({ certDir, timeoutMs: 8000 });
});

test.afterAll(async () => {
  await ui?.close();
  await api?.stop();
  await tlsApi?.stop();
});

/** Fills the form for the plain-HTTP Express app and runs it; resolves when the run is done. */
async function runForm(page: Page, fields: { method?: string; headers?: string; sweep?: boolean } = {}): Promise<void> {
  await page.fill('#url', `http://api.example.com:${api.port}/api/me`);
  // The second origin is one the server must refuse (as --expect ORIGIN=blocked).
  await page.fill('#origins', `${APP}\n${EVIL}=blocked`);
  await page.fill('#resolve', `api.example.com:${api.port}:127.0.0.1:${api.port}`);
  await page.fill('#method', fields.method ?? 'GET');
  await page.fill('#headers', fields.headers ?? '');
  await page.click(fields.sweep ? '#sweep' : '#run');
  await expect(page.locator('#status')).toContainText('done in', { timeout: 120_000 });
}

const uiGet = async (path: string) =>
  fetch(`http://127.0.0.1:${ui.port}${path}`, { headers: { [TOKEN_HEADER]: ui.token } });

test('a check from the form: each engine streams its cell and draws what the server saw, allowed from the listed origin, blocked from another', async ({
  page,
}) => {
  await page.goto(ui.url);
  // The buttons wait for the engine list (a run before it would have no engine: "choose at least one engine").
  await expect(page.locator('#run')).toBeEnabled({ timeout: 60_000 });
  await expect(page.locator('input[name=engine]:checked')).toHaveCount(3);
  await runForm(page);
  await expect(page.locator('.cell')).toHaveCount(6);
  for (const engine of ['chromium', 'firefox', 'webkit']) {
    const cells = page.locator(`.row[data-row$="from ${APP}"] .cell[data-engine=${engine}]`);
    await expect(cells).toHaveAttribute('data-outcome', 'allowed');
    await expect(page.locator(`.row[data-row$="from ${EVIL}"] .cell[data-engine=${engine}]`)).toHaveAttribute(
      'data-outcome',
      'blocked',
    );
    // The diagram: one GET, the server's answer with its CORS headers, and what the page could read.
    const diagram = cells.locator('svg.diagram');
    await expect(diagram.locator('g.hop')).toHaveCount(1);
    await expect(diagram).toContainText('1. GET /api/me');
    await expect(diagram).toContainText(`Origin: ${APP}`);
    await expect(diagram).toContainText(`ACAO: ${APP}`);
    await expect(diagram).toContainText('the page read 200');
  }
  // cors answers an origin off its list without Access-Control-Allow-Origin (its other headers stay).
  const refused = page.locator(`.row[data-row$="from ${EVIL}"] .cell[data-engine=chromium] svg.diagram`);
  await expect(refused).toContainText('ACAC: true');
  await expect(refused).not.toContainText('ACAO');
  await expect(refused).toContainText('the page saw TypeError');
  // Refused as expected: the why, and no advice to let the hostile origin in.
  for (const engine of ['chromium', 'firefox', 'webkit']) {
    const why = page.locator(`.row[data-row$="from ${EVIL}"] .cell[data-engine=${engine}] .why`);
    await expect(why).toContainText('the browser withheld the response');
    await expect(why).not.toContainText('Fix');
  }
  // Every cell as expected: none is marked.
  await expect(page.locator('.cell.unexpected')).toHaveCount(0);
  await expect(page.locator('.not-expected')).toHaveCount(0);
  await page.screenshot({ path: 'test-results/ui.png', fullPage: true });
});

test('a run changed in one field and compared with the one before; the exports run as check, run and vitest give the same outcomes', async ({
  page,
}) => {
  await page.goto(ui.url);
  await runForm(page);
  const launched = ui.browsersLaunched();
  // One click brings the last run's form back; one field changed: a header the server does not allow.
  await page.fill('#url', '');
  await page.locator('#history-list li').first().getByText('Load into the form').click();
  await expect(page.locator('#url')).toHaveValue(`http://api.example.com:${api.port}/api/me`);
  await page.fill('#method', 'PUT');
  await page.fill('#headers', 'X-Token: 1');
  await page.click('#run');
  await expect(page.locator('#status')).toContainText('done in', { timeout: 120_000 });
  for (const engine of ['chromium', 'firefox', 'webkit']) {
    const cell = page.locator(`.row[data-row$="from ${APP}"] .cell[data-engine=${engine}]`);
    await expect(cell).toHaveAttribute('data-outcome', 'blocked');
    // The preflight asked for x-token, and the answer did not list it: the PUT never went.
    await expect(cell.locator('g.hop[data-kind=preflight]')).toHaveCount(1);
    await expect(cell.locator('svg.diagram')).toContainText('ACRM: PUT, ACRH: x-token');
    await expect(cell.locator('g.hop[data-kind=request]')).toHaveCount(0);
    // The listed origin was refused: not as expected, said as check says it.
    await expect(cell).toHaveClass(/unexpected/);
    await expect(cell.locator('h3')).toContainText('NOT AS EXPECTED (expected allowed)');
  }
  await page.screenshot({ path: 'test-results/ui-preflight.png', fullPage: true });
  // The explore-interactively guide's picture (docs/images/ui.png) is this one, looked at and copied by hand.
  await page.screenshot({
    path: 'test-results/ui-readme.png',
    fullPage: true,
    clip: { x: 0, y: 0, width: 1280, height: 1560 },
  });
  // The same hosts: the browsers of the run before were kept warm, none launched.
  expect(ui.browsersLaunched()).toBe(launched);

  // Compare: the two newest runs.
  const boxes = page.locator('#history-list input[name=compare]');
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  await page.click('#compare-button');
  await expect(page.locator('#compare .form-changes')).toContainText('method: GET → PUT');
  await expect(page.locator('#compare .form-changes')).toContainText('headers: (none) → X-Token: 1');
  const changed = page.locator(`#compare table.changes tr:has(td:text-is("from ${APP}"))`);
  await expect(changed).toHaveCount(3);
  await expect(changed.first()).toContainText('allowed');
  await expect(changed.first()).toContainText('blocked');
  await page.screenshot({ path: 'test-results/ui-compare.png', fullPage: true });

  // The exports of the first (GET) run, as a person would use them.
  const runs = ((await (await uiGet('/api/runs')).json()) as { runs: { id: string; form: { method: string } }[] }).runs;
  const getRun = runs.find((run) => run.form.method === 'GET')!;
  const uiCells = (
    (await (await uiGet(`/api/runs/${getRun.id}`)).json()) as {
      cells: { row: string; engine: string; outcome: string }[];
    }
  ).cells;
  await page.locator('#exports button', { hasText: 'check config' }).waitFor();
  const dir = tempDir('ui-exports');
  const exported = async (as: string) => {
    const answer = await uiGet(`/api/runs/${getRun.id}/export?as=${as}`);
    expect(answer.status).toBe(200);
    return answer.text();
  };

  // The check config: cors-lab check --config gives the same outcomes, cell for cell.
  writeFileSync(join(dir, 'cors-lab.config.yaml'), await exported('config'));
  const check = spawnSync(
    NODE,
    [
      BIN,
      'check',
      '--config',
      join(dir, 'cors-lab.config.yaml'),
      '--out',
      join(dir, 'check'),
      '--reporter',
      'json',
      '--no-color',
    ],
    { encoding: 'utf8', env: { ...process.env, CORS_LAB_CACHE: join(certDir, '..') } },
  );
  expect(check.status, check.stderr).toBe(0);
  const checked = JSON.parse(readFileSync(join(dir, 'check', 'result.json'), 'utf8')) as CheckResult;
  const outcomes = (cells: { row?: string; scenario?: string; engine: string; outcome: string }[]) =>
    cells
      .map((cell) => `${(cell.row ?? cell.scenario)!.replace(/^.* from /, '')} ${cell.engine} ${cell.outcome}`)
      .sort();
  expect(outcomes(checked.results)).toEqual(outcomes(uiCells));

  // The scenario file: the lab answers as the server did, and cors-lab run gives the spec's outcome in every engine.
  const scenarioFile = await exported('scenario');
  // The editor schema from the installed package, where the scenario-writing guide has it (the package is on no registry).
  expect(scenarioFile).toMatch(
    /^# yaml-language-server: \$schema=\.\/node_modules\/cors-lab\/scenarios\/scenario\.schema\.json\n/,
  );
  writeFileSync(join(dir, 'exported.scenarios.yaml'), scenarioFile);
  const run = spawnSync(
    NODE,
    [BIN, 'run', join(dir, 'exported.scenarios.yaml'), '--out', join(dir, 'run'), '--reporter', 'json', '--no-color'],
    { encoding: 'utf8', env: { ...process.env, CORS_LAB_CACHE: join(certDir, '..') } },
  );
  expect(run.status, run.stdout + run.stderr).toBe(0);
  const ran = JSON.parse(readFileSync(join(dir, 'run', 'result.json'), 'utf8')) as RunResult;
  expect(
    ran.results
      .map((cell) => `${cell.scenario.includes('evil') ? 'evil' : 'app'} ${cell.engine} ${cell.outcome}`)
      .sort(),
  ).toEqual(
    ['chromium', 'firefox', 'webkit'].flatMap((engine) => [`app ${engine} allowed`, `evil ${engine} blocked`]).sort(),
  );

  // The vitest test: run by vitest, as in a project that installed cors-lab (here 'cors-lab' is the source).
  const project = mkdtempSync(join(ROOT, 'node_modules', '.cors-lab-ui-export-'));
  try {
    mkdirSync(join(project, 'test'));
    writeFileSync(join(project, 'test', 'cors.test.ts'), await exported('vitest'));
    writeFileSync(
      join(project, 'vitest.config.ts'),
      `export default { resolve: { alias: { 'cors-lab': ${JSON.stringify(join(ROOT, 'harness', 'index.ts'))} } }, test: { include: ['test/**/*.test.ts'], testTimeout: 60000, hookTimeout: 120000 } };\n`,
    );
    const vitest = spawnSync(NODE, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', project], {
      encoding: 'utf8',
      env: { ...process.env, CORS_LAB_CACHE: join(certDir, '..') },
    });
    expect(vitest.status, vitest.stdout + vitest.stderr).toBe(0);
    expect(vitest.stdout).toMatch(/2 passed/);
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});

test('the sweep button runs the security sweep and shows its findings', async ({ page }) => {
  await page.goto(ui.url);
  await page.uncheck('input[name=engine][value=firefox]');
  await page.uncheck('input[name=engine][value=webkit]');
  await runForm(page, { sweep: true });
  await expect(page.locator('.row[data-row*="(sweep: "]').first()).toBeVisible();
  expect(await page.locator('.row[data-row*="(sweep: "]').count()).toBeGreaterThan(3);
  // Express + cors with an allowlist refuses every hostile origin: the sweep says so rather than showing nothing.
  await expect(page.locator('#findings h2')).toHaveText('Findings: none');
  for (const cell of await page.locator('.row[data-row*="(sweep: "] .cell').all())
    await expect(cell).toHaveAttribute('data-outcome', 'blocked');
});

test('bad input is shown as the CLI says it, and the next run works: an unreachable target, an untrusted certificate, then its CA', async ({
  page,
}) => {
  await page.goto(ui.url);
  await page.uncheck('input[name=engine][value=firefox]');
  await page.uncheck('input[name=engine][value=webkit]');
  // Nothing listens on this port.
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  await page.fill('#url', `http://127.0.0.1:${closedPort}/api/me`);
  await page.fill('#origins', APP);
  await page.click('#run');
  await expect(page.locator('#problems')).toContainText('the target could not be reached or trusted', {
    timeout: 60_000,
  });
  await expect(page.locator('#problems')).toContainText('connection refused');
  await expect(page.locator('#run')).toBeEnabled();

  // The HTTPS app's own CA: not trusted, and the message says what to do.
  await page.fill('#url', `https://api.example.com:${tlsApi.port}/api/me`);
  await page.fill('#origins', 'https://app.example.com');
  await page.fill('#resolve', `api.example.com:${tlsApi.port}:127.0.0.1:${tlsApi.port}`);
  await page.click('#run');
  await expect(page.locator('#problems')).toContainText('--ca', { timeout: 60_000 });
  // With the CA chosen, the same run works.
  await page.setInputFiles('#ca', caFile);
  await page.click('#run');
  await expect(page.locator('#status')).toContainText('done in', { timeout: 120_000 });
  await expect(page.locator('#problems')).toHaveText('');
  await expect(page.locator('.cell[data-engine=chromium]')).toHaveAttribute('data-outcome', 'allowed');
  // A file that is not a certificate is refused before anything runs.
  const notPem = join(tempDir('ui-not-pem'), 'notes.pem');
  writeFileSync(notPem, 'not a certificate');
  await page.setInputFiles('#ca', notPem);
  await page.click('#run');
  await expect(page.locator('#problems')).toContainText('notes.pem holds no PEM certificate');
});

test('a bad form is answered with the problem, and nothing runs', async ({ page }) => {
  const before = ui.runsStarted();
  await page.goto(ui.url);
  await page.fill('#url', 'not a url');
  await page.fill('#headers', 'no colon here');
  await page.click('#run');
  await expect(page.locator('#problems')).toContainText("'not a url' is not a URL");
  await expect(page.locator('#problems')).toContainText("is not 'Name: value'");
  expect(ui.runsStarted()).toBe(before);
});

test('refuses another site driving it, a host name that rebinds to it, and a request without the token', async ({
  page,
}) => {
  const before = ui.runsStarted();
  // Another site in the same browser, knowing even the token, tries both ways a page can post.
  const other: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><script>
      const target = 'http://127.0.0.1:${ui.port}/api/runs?token=${ui.token}';
      const body = JSON.stringify({ url: 'http://api.example.com/' });
      window.results = Promise.allSettled([
        fetch(target, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body }),
        fetch(target, { method: 'POST', headers: { 'content-type': 'application/json', 'x-cors-lab-token': '${ui.token}' }, body }),
      ]).then((all) => all.map((one) => one.status));
    </script>`);
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  try {
    await page.goto(`http://localhost:${(other.address() as AddressInfo).port}/`);
    expect(await page.evaluate('window.results')).toEqual(['fulfilled', 'rejected']);
  } finally {
    other.close();
  }
  expect(ui.runsStarted()).toBe(before);
  // A name that resolves to loopback (as a rebinding attack's does) is not the UI's host.
  const rebound = await page.goto(`http://rebind.localhost:${ui.port}/?token=${ui.token}`);
  expect(rebound?.status()).toBe(403);
  // Without the token, nothing.
  const bare = await page.goto(`http://127.0.0.1:${ui.port}/`);
  expect(bare?.status()).toBe(401);
  // Only the icon a browser asks for by itself is answered without it, and with nothing.
  const icon = await fetch(`http://127.0.0.1:${ui.port}/favicon.ico`);
  expect([icon.status, await icon.text()]).toEqual([204, '']);
  expect((await fetch(`http://127.0.0.1:${ui.port}/favicon.ico/../api/runs`)).status).not.toBe(204);
  // From Node, with the token but another Origin.
  const foreign = await fetch(`http://127.0.0.1:${ui.port}/api/runs`, {
    method: 'POST',
    headers: { origin: 'https://evil.example', 'content-type': 'application/json', 'x-cors-lab-token': ui.token },
    body: '{"url":"http://api.example.com/"}',
  });
  expect(foreign.status).toBe(403);
  expect(ui.runsStarted()).toBe(before);
});
