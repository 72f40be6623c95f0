// cors-lab ui used from Firefox and from WebKitGTK, as Playwright Test uses it
// from Chromium (tests/report/ui.spec.ts): Playwright's own Firefox and WebKit
// builds cannot be installed here, so the page is driven with cors-lab's own
// drivers (WebDriver BiDi, WebKitWebDriver). The form is filled and run, the
// streamed cells and their diagrams read, a second run compared with the
// first, and an export shown: the page's script works in each engine.
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverForRun } from '../../harness/engines/discovery.ts';
import type { EngineContext, EngineId } from '../../harness/engines/types.ts';
import { startLab, type Lab } from '../../harness/lab/lab.ts';
import { ProbeSession } from '../../harness/session/session.ts';
import { startUi, type RunningUi } from '../../harness/ui/server.ts';
import { startFixture, type FixtureServer } from '../check-helpers.ts';
import { tempCertDir } from '../helpers.ts';

const APP = 'http://app.example.com';
let ui: RunningUi;
let api: FixtureServer;
let lab: Lab;

beforeAll(async () => {
  api = await startFixture('express-cors-server', { ALLOWED_ORIGINS: APP });
  const certDir = tempCertDir();
  ui = await startUi({ certDir, timeoutMs: 8000 });
  // The driving browser is launched as the lab launches one; it only visits the UI.
  lab = await startLab({ hostnames: [], certDir });
});

afterAll(async () => {
  await ui?.close();
  await lab?.close();
  await api?.stop();
});

/** Waits until `expression` is true in the page, or fails with what the page showed. */
async function until(context: EngineContext, expression: string, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await context.evaluate<boolean>(expression, 5000)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const shown = await context.evaluate<string>(
    "document.getElementById('problems').textContent + ' | ' + document.getElementById('status').textContent",
    5000,
  );
  throw new Error(`${what} did not happen within ${timeoutMs} ms; the page showed: ${shown}`);
}

/** Fills the form in the page (only Chromium runs the probes: the page's script is what is under test) and submits it. */
const submit = (method: string, headers: string) => `(() => {
  const set = (id, value) => { document.getElementById(id).value = value; };
  set('url', 'http://api.example.com:${api.port}/api/me');
  set('origins', '${APP}\\nhttp://evil.example.com');
  set('resolve', 'api.example.com:${api.port}:127.0.0.1:${api.port}');
  set('method', '${method}');
  set('headers', '${headers}');
  for (const box of document.querySelectorAll('input[name=engine]')) box.checked = box.value === 'chromium';
  document.getElementById('run').click();
  return true;
})()`;

describe.each(['firefox', 'webkit'] as EngineId[])('cors-lab ui in %s', (engineId) => {
  it('runs the form, streams the cells with their diagrams, compares two runs and shows an export', async () => {
    const { runnable } = await discoverForRun([engineId]);
    expect(
      runnable.map((engine) => engine.id),
      `${engineId} must be installed for this test`,
    ).toEqual([engineId]);
    const started = await ProbeSession.start(engineId, runnable[0]!.driver!, lab, { timeoutMs: 30_000 });
    if (!('session' in started)) throw new Error(`${engineId} did not start: ${started.notStarted.reason}`);
    const browser = started.session;
    try {
      const page = await browser.context('ui');
      await page.goto(ui.url, 30_000);
      expect(await page.evaluate<string>('document.title', 5000)).toBe('cors-lab ui');
      await until(
        page,
        "document.querySelectorAll('input[name=engine]').length >= 3 && !document.getElementById('run').disabled",
        'the engine list',
        30_000,
      );

      await page.evaluate(submit('GET', ''), 5000);
      await until(page, "document.getElementById('status').textContent.startsWith('done in')", 'the first run');
      const first = await page.evaluate<{ cell: string; outcome: string; hops: number; text: string }[]>(
        `[...document.querySelectorAll('.cell')].map((cell) => ({ cell: cell.closest('.row').dataset.row, outcome: cell.dataset.outcome, hops: cell.querySelectorAll('svg.diagram g.hop').length, text: cell.querySelector('svg.diagram').textContent }))`,
        5000,
      );
      expect(first.map((cell) => [cell.cell.replace(/^.* from /, ''), cell.outcome, cell.hops])).toEqual([
        [APP, 'allowed', 1],
        ['http://evil.example.com', 'blocked', 1],
      ]);
      expect(first[0]!.text).toContain('the page read 200');

      await page.evaluate(submit('PUT', 'X-Token: 1'), 5000);
      await until(
        page,
        "document.getElementById('status').textContent.startsWith('done in') && document.querySelectorAll('#history-list li').length >= 2",
        'the second run',
      );
      const preflighted = await page.evaluate<string>(
        `document.querySelector('.row .cell svg.diagram g.hop[data-kind=preflight]').textContent`,
        5000,
      );
      expect(preflighted).toContain('ACRM: PUT, ACRH: x-token');

      await page.evaluate(
        `(() => { const boxes = document.querySelectorAll('#history-list input[name=compare]'); boxes[0].click(); boxes[1].click(); document.getElementById('compare-button').click(); return true; })()`,
        5000,
      );
      await until(page, "document.querySelector('#compare .form-changes') !== null", 'the compare view', 15_000);
      expect(
        await page.evaluate<string>("document.querySelector('#compare .form-changes').textContent", 5000),
      ).toContain('method: GET → PUT');
      const changed = await page.evaluate<string[]>(
        `[...document.querySelectorAll('#compare table.changes tr')].slice(1).map((row) => row.textContent)`,
        5000,
      );
      expect(
        changed.some((row) => row.includes(`from ${APP}`) && row.includes('allowed') && row.includes('blocked')),
      ).toBe(true);

      await page.evaluate(
        `(() => { [...document.querySelectorAll('#exports button')].find((button) => button.textContent.includes('check config')).click(); return true; })()`,
        5000,
      );
      await until(page, "document.querySelector('#exported pre') !== null", 'the export', 15_000);
      expect(await page.evaluate<string>("document.querySelector('#exported pre').textContent", 5000)).toContain(
        'endpoints:',
      );
      // A picture of the page in this engine, for a person to look at.
      mkdirSync('test-results', { recursive: true });
      writeFileSync(`test-results/ui-${engineId}.png`, await page.screenshot(30_000));
    } finally {
      await browser.close();
    }
  });
});
