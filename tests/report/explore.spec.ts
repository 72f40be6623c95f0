// The HTML matrix as something to explore: rows grouped by topic with
// counts, filters for rows where the engines disagree or deviate from the
// spec, text search, and a per-engine overview. From a real run in Chromium
// and WebKit of scenarios in two files.
import { expect, test } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runScenarios } from '../../harness/run/runner.ts';
import { renderHtml } from '../../reports/html.ts';
import { renderDiffHtml } from '../../reports/diff.ts';
import { diffResults } from '../../harness/diff/diff.ts';
import { scenariosFrom, tempCertDir, tempDir } from '../helpers.ts';

let reportUrl = '';
let diffUrl = '';

test.beforeAll(async () => {
  const basics = scenariosFrom(
    `
origins: { page: https://app.site-a.localhost, api: https://api.site-b.localhost }
scenarios:
  - id: star-allowed
    title: ACAO * allows
    request: { target: api, path: /data }
    server: { api: { /data: { actual: { headers: { Access-Control-Allow-Origin: "*" } } } } }
    expect: { spec: allowed }
  - id: missing-acao
    title: no ACAO is blocked
    request: { target: api, path: /data }
    expect: { spec: blocked }
`,
    'scenarios/basics/acao.yaml',
  );
  const fonts = scenariosFrom(
    `
origins: { page: https://app.site-a.localhost, fonts: https://fonts.site-b.localhost }
scenarios:
  - id: font-without-acao
    title: "@font-face from another site without ACAO"
    request: { kind: font, target: fonts, path: /wide.otf }
    server: { fonts: { /wide.otf: { actual: { asset: otf } } } }
    expect: { spec: blocked }
`,
    'scenarios/font/fonts.yaml',
  );
  const certDir = tempCertDir();
  const result = await runScenarios({
    scenarios: [...basics, ...fonts],
    engines: ['chromium', 'webkit'],
    timeoutMs: 10_000,
    isolation: 'group',
    certDir,
  });
  const dir = tempDir('explore');
  writeFileSync(join(dir, 'report.html'), renderHtml(result));
  reportUrl = pathToFileURL(join(dir, 'report.html')).href;
  // A second run where the server stopped sending ACAO * for one scenario: the diff page shows both side by side.
  const changed = basics.map((scenario) =>
    scenario.id === 'star-allowed' ? { ...scenario, server: { api: { '/data': {} } } } : scenario,
  );
  const later = await runScenarios({
    scenarios: [...changed, ...fonts],
    engines: ['chromium', 'webkit'],
    timeoutMs: 10_000,
    isolation: 'group',
    certDir,
  });
  writeFileSync(
    join(dir, 'diff.html'),
    renderDiffHtml(diffResults(result, later, { before: 'before.json', after: 'after.json' }), result, later),
  );
  diffUrl = pathToFileURL(join(dir, 'diff.html')).href;
});

test('rows are grouped by topic with counts, and the overview counts each engine', async ({ page }) => {
  await page.goto(reportUrl);
  await expect(page.locator('tr.group[data-group="basics"] th')).toHaveText('basics (2 rows)');
  await expect(page.locator('tr.group[data-group="font"] th')).toHaveText('font (1 rows)');
  // WebKitGTK loads fonts in no-cors mode: a known engine behaviour, so the engines disagree there.
  await expect(page.locator('#overview')).toContainText(/chromium \d+[\d.]*\s*3 agrees with the spec \(of 3\)/);
  await expect(page.locator('#overview')).toContainText(
    /webkit [\d.]+\s*2 agrees with the spec, 1 known behaviour \(of 3\)/,
  );
});

test('filters combine: engines disagree, deviates from the spec, and text search', async ({ page }) => {
  await page.goto(reportUrl);
  const visible = () =>
    page
      .locator('tbody tr[data-scenario]:visible')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-scenario')));
  await page.locator('#only-disagree').check();
  expect(await visible()).toEqual(['font-without-acao']);
  await expect(page.locator('tr.group[data-group="basics"]')).toBeHidden();
  await expect(page.locator('tr.group[data-group="font"] th')).toHaveText('font (1 rows)');
  await page.locator('#only-disagree').uncheck();
  await page.locator('#only-deviates').check();
  expect(await visible()).toEqual(['font-without-acao']);
  await page.locator('#only-deviates').uncheck();
  await page.locator('#search').fill('ACAO *');
  expect(await visible()).toEqual(['star-allowed']);
  await expect(page.locator('tr.group[data-group="basics"] th')).toHaveText('basics (1 of 2 rows)');
  await page.locator('#search').fill('nothing like this');
  expect(await visible()).toEqual([]);
  await expect(page.locator('#nothing-unexpected')).toHaveText('No rows match these filters.');
});

test("the diff page: the diff above, both runs' cells side by side with their evidence", async ({ page }) => {
  await page.goto(diffUrl);
  // The scenario changed with the server, so the spec predicts the new outcome too: changed, not regressed, and the runs are not aligned.
  await expect(page.locator('#diff h2')).toHaveText(/^0 regressed, 0 improved, 2 changed/);
  await expect(page.locator('#diff')).toContainText('NOT aligned: scenario set');
  await expect(page.locator('#diff')).toContainText(
    'star-allowed in chromium: allowed (matches-spec) → blocked (matches-spec); cause: server answers',
  );
  await expect(page.locator('table.matrix thead')).toContainText(/before · chromium\s*Chromium/);
  await expect(page.locator('table.matrix thead')).toContainText(/after · webkit\s*WebKitGTK/);
  const row = page.locator('tr[data-scenario="star-allowed"]');
  await expect(row.locator('button[data-variant="before"][data-engine="chromium"]')).toHaveText('allowed');
  await expect(row.locator('button[data-variant="after"][data-engine="chromium"]')).toHaveText('blocked');
  await row.locator('button[data-variant="after"][data-engine="chromium"]').click();
  await expect(page.locator('dialog#evidence section.journal')).toContainText('REQUEST');
});
