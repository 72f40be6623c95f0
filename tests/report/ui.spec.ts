// cors-lab ui in a real browser: the form run against a real server in its
// own process, each engine's cell streamed in; and the UI's guards, tried by
// another site in the same browser, a rebinding host name, and no token.
import { expect, test } from '@playwright/test';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startUi, type RunningUi } from '../../harness/ui/server.ts';
import { startFixture, type FixtureServer } from '../check-helpers.ts';
import { tempCertDir, tempDir } from '../helpers.ts';

let ui: RunningUi;
let api: FixtureServer;

test.beforeAll(async () => {
  api = await startFixture('express-cors-server', { ALLOWED_ORIGINS: 'http://app.example.com' });
  ui = await startUi({ certDir: tempCertDir(), timeoutMs: 8000 });
});

test.afterAll(async () => {
  await ui?.close();
  await api?.stop();
});

test('a check from the form: each engine streams its cell, allowed from the listed origin, blocked from another', async ({ page }) => {
  await page.goto(ui.url);
  await page.fill('#url', `http://api.example.com:${api.port}/api/me`);
  await page.fill('#origins', 'http://app.example.com\nhttp://evil.example.com');
  await page.fill('#resolve', `api.example.com:${api.port}:127.0.0.1:${api.port}`);
  await page.click('#run');
  await expect(page.locator('.cell')).toHaveCount(6, { timeout: 120_000 });
  await expect(page.locator('#status')).toContainText('done:', { timeout: 30_000 });
  for (const engine of ['chromium', 'firefox', 'webkit']) {
    const cells = page.locator(`.cell[data-engine=${engine}]`);
    await expect(cells.filter({ hasText: 'from http://app.example.com' }).first()).toHaveAttribute('data-outcome', 'allowed');
    await expect(cells.filter({ hasText: 'from http://evil.example.com' }).first()).toHaveAttribute('data-outcome', 'blocked');
  }
  // The requests each engine made, as the journal saw them.
  await expect(page.locator('.cell[data-engine=chromium] ol.chain').first()).toContainText(`GET http://api.example.com:${api.port}/api/me`);
  await page.screenshot({ path: join(tempDir('ui-shot'), 'ui.png'), fullPage: true });
  await page.screenshot({ path: 'test-results/ui.png', fullPage: true });
});

test('a bad form is answered with the problem, and nothing runs', async ({ page }) => {
  const before = ui.runsStarted();
  await page.goto(ui.url);
  await page.fill('#url', 'not a url');
  await page.fill('#headers', 'no colon here');
  await page.click('#run');
  await expect(page.locator('#problems')).toContainText("'not a url' is not a URL");
  await expect(page.locator('#problems')).toContainText('is not \'Name: value\'');
  expect(ui.runsStarted()).toBe(before);
});

test('refuses another site driving it, a host name that rebinds to it, and a request without the token', async ({ page }) => {
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
  // From Node, with the token but another Origin.
  const foreign = await fetch(`http://127.0.0.1:${ui.port}/api/runs`, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json', 'x-cors-lab-token': ui.token }, body: '{"url":"http://api.example.com/"}' });
  expect(foreign.status).toBe(403);
  expect(ui.runsStarted()).toBe(before);
});
