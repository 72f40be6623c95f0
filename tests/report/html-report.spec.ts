// Opens a real HTML report (from a real Chromium run) and checks that a
// cell's evidence is shown when it is clicked.
import { expect, test } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { CheckResult } from '../../harness/result/result.ts';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runScenarios } from '../../harness/run/runner.ts';
import { renderHtml } from '../../reports/html.ts';
import { scenariosFrom, tempCertDir, tempDir } from '../helpers.ts';

let reportUrl = '';

test.beforeAll(async () => {
  const scenarios = scenariosFrom(`
origins: { page: https://app.site-a.localhost, api: https://api.site-b.localhost }
scenarios:
  - id: star-allowed
    title: ACAO * allows
    request: { target: api, path: /data }
    server: { api: { /data: { actual: { headers: { Access-Control-Allow-Origin: "*" } } } } }
    expect: { spec: allowed }
  - id: header-refused
    title: a custom header without ACAH is refused
    request: { target: api, path: /data, headers: { X-Api-Key: "k" } }
    server: { api: { /data: { preflight: { headers: { Access-Control-Allow-Origin: "{{origin.page}}" } } } } }
    expect: { spec: blocked }
  - id: authorization-under-star
    title: Authorization under ACAH *
    request: { target: api, path: /data, headers: { Authorization: "Bearer t" } }
    server: { api: { /data: { preflight: { headers: { Access-Control-Allow-Origin: "*", Access-Control-Allow-Headers: "*" } }, actual: { headers: { Access-Control-Allow-Origin: "*" } } } } }
    expect: { spec: blocked, deviations: { chromium: { outcome: allowed, source: "all three allow it: https://github.com/whatwg/fetch/issues/1919 (measured)" } } }
  - id: refused-before-sending
    title: no-cors PUT is refused by fetch()
    request: { target: api, path: /data, method: PUT, mode: no-cors }
    expect: { spec: blocked }
`);
  const result = await runScenarios({
    scenarios,
    engines: ['chromium'],
    timeoutMs: 10_000,
    isolation: 'group',
    certDir: tempCertDir(),
  });
  const file = join(tempDir('report'), 'report.html');
  writeFileSync(file, renderHtml(result));
  reportUrl = pathToFileURL(file).href;
});

test('the matrix shows engine versions and a cell opens its evidence', async ({ page }) => {
  await page.goto(reportUrl);
  await expect(page.locator('#needs-script')).toHaveCount(0); // the no-JavaScript notice goes once the page draws itself
  await expect(page.locator('table.matrix thead')).toContainText(/chromium\s*Chromium \d+\.\d+/);
  const cell = page.locator('tr[data-scenario="header-refused"] button[data-engine="chromium"]');
  await expect(cell).toHaveText('blocked');
  await cell.click();

  const dialog = page.locator('dialog#evidence');
  await expect(dialog).toBeVisible();
  await expect(dialog.locator('section.explanation')).toContainText('refused the preflight answer');
  await expect(dialog.locator('section.facts')).toContainText('preflight sent: true');
  // The preflight was refused: no request went, in the browser as in the spec, and the facts describe none on either side.
  await expect(dialog.locator('section.facts')).toContainText(
    'request made: a preflight only, the request itself never sent (spec: a preflight only, the request itself never sent)',
  );
  await expect(dialog.locator('section.request')).toContainText('X-Api-Key: k');
  await expect(dialog.locator('section.journal')).toContainText('PREFLIGHT');
  await expect(dialog.locator('section.journal')).toContainText('access-control-request-headers: x-api-key');
  await expect(dialog.locator('section.console')).toContainText(
    'x-api-key is not allowed by Access-Control-Allow-Headers',
  );
  // The request chain, the spec's beside the engine's: one preflight asking for x-api-key, the same in both columns.
  const chain = dialog.locator('section.chain');
  await expect(chain).toContainText('Every hop as the spec makes it.');
  await expect(chain.locator('tbody tr')).toHaveCount(1);
  await expect(chain.locator('tbody tr td').nth(1)).toContainText(
    /preflight OPTIONS https:\/\/api\.site-b\.localhost:\d+\/x\/spec\/data → 204/,
  );
  await expect(chain.locator('tbody tr td').nth(2)).toContainText('asks GET + x-api-key');

  await dialog.getByRole('button', { name: 'close' }).click();
  await expect(dialog).toBeHidden();
});

test('a known deviation links its source, and a request refused before sending shows its reachability control', async ({
  page,
}) => {
  await page.goto(reportUrl);
  await page.locator('tr[data-scenario="authorization-under-star"] button[data-engine="chromium"]').click();
  const dialog = page.locator('dialog#evidence');
  await expect(dialog.locator('section.explanation')).toContainText('Verdict: known deviation');
  await expect(dialog.locator('section.explanation a')).toHaveAttribute(
    'href',
    'https://github.com/whatwg/fetch/issues/1919',
  );
  await dialog.getByRole('button', { name: 'close' }).click();

  await page.locator('tr[data-scenario="refused-before-sending"] button[data-engine="chromium"]').click();
  await expect(dialog.locator('section.explanation')).toContainText('blocked before sending');
  await expect(dialog.locator('section.facts')).toContainText(
    /reachability control \(top-level navigation to https:\/\/api\.site-b\.localhost:\d+\/__lab\/control\/\w+\): reached the server/,
  );
  await expect(dialog.locator('section.journal')).toContainText('CONTROL');
});

test('a check report counts each engine against what was expected, and is titled by what was checked', async ({
  page,
}) => {
  // A real check's result (tests/fixtures/results): two allowed origins refused, seven hostile ones refused as expected.
  const result = JSON.parse(
    gunzipSync(readFileSync(new URL('../fixtures/results/check-not-allowed.json.gz', import.meta.url))).toString(
      'utf8',
    ),
  ) as CheckResult;
  const file = join(tempDir('check-report'), 'report.html');
  writeFileSync(file, renderHtml(result));
  await page.goto(pathToFileURL(file).href);
  await expect(page).toHaveTitle(`cors-lab check: ${result.check.endpoints[0]!.name}`);
  await expect(page.locator('#overview')).toContainText(/chromium [\d.]+\s*7 as expected, 2 not as expected \(of 9\)/);
  await expect(page.locator('#overview')).not.toContainText('agrees with the spec');
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });
  test('the report says where the cells are instead of showing an empty page', async ({ page }) => {
    await page.goto(reportUrl);
    await expect(page.locator('body')).toContainText('This report is drawn by JavaScript, which is off here.');
    await expect(page.locator('body')).toContainText('result.json');
  });
});
