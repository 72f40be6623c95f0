// WebKitGTK over WebDriver classic deletes only the current document's
// cookies, and a cookie scenario's first-party visit is a top-level load. Both
// happen in a second window of the session, so the runner page stays loaded
// between cookie scenarios: a host a window already shows is cleared there
// without a navigation, any other host loads a blank page in the visit
// window. Checked in the real engine, with the lab's journal as the witness
// of what was loaded and which cookies a request carried.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverForRun } from '../../harness/engines/discovery.ts';
import type { EngineContext, LaunchedEngine } from '../../harness/engines/types.ts';
import { startLab, type Lab } from '../../harness/lab/lab.ts';
import { labLaunchOptions } from '../../harness/session/launch.ts';
import { mintNonce } from '../../harness/session/page.ts';
import { LAB_BLANK_PATH } from '../../servers/lab-origin.ts';
import { scenariosFrom, tempCertDir } from '../helpers.ts';

const [cookieScenario] = scenariosFrom(`
origins: { page: https://app.site-a.localhost, api: https://api.site-b.localhost, other: https://other.site-c.localhost }
scenarios:
  - id: sets-an-api-cookie
    title: sets a cookie on the API's host
    cookies: { on: api, set: ["w1=1; SameSite=None; Secure; Path=/"] }
    request: { target: api, path: /me, credentials: include }
`);
const scenario = cookieScenario!;
/** A lab origin on `host`, served by the same lab server as the page's. */
const origin = (host: string) => ({ ...scenario.page, host });

let lab: Lab;
let engine: LaunchedEngine;
let context: EngineContext;
beforeAll(async () => {
  lab = await startLab({
    hostnames: ['app.site-a.localhost', 'api.site-b.localhost', 'other.site-c.localhost'],
    certDir: tempCertDir(),
  });
  const [webkit] = (await discoverForRun(['webkit'])).runnable;
  // allow-third-party: the page's credentialed request to the API carries whatever cookie the jar holds.
  engine = await webkit!.driver!.launch(labLaunchOptions(lab.certificates, { profile: 'allow-third-party' }));
  context = await engine.newContext();
}, 120_000);
afterAll(async () => {
  await engine?.close();
  await lab?.close();
});

const url = (host: string, path: string) => `${lab.originUrl(origin(host))}${path}`;
const blankLoads = (host: string) =>
  lab.journal.entries.filter((entry) => entry.url === `${url(host, LAB_BLANK_PATH)}`).length;
/** The Cookie header of a credentialed request from the page to the API, as the API's server saw it. */
async function cookieTheApiSees(): Promise<string | undefined> {
  const tag = mintNonce('webkit');
  await context.evaluate(
    `fetch(${JSON.stringify(url('api.site-b.localhost', `/x/${tag}/me`))}, { mode: 'no-cors', credentials: 'include' }).then(() => 1)`,
    8000,
  );
  return lab.journal.forNonce(tag).find((entry) => entry.kind === 'request')?.headers?.cookie;
}

describe('WebKitGTK cookie scenarios', () => {
  it('visit and delete cookies in a second window: the page stays, only an unshown host is loaded', async () => {
    expect(context.visit, 'WebKitGTK has a visit window').toBeDefined();
    await context.goto(url('app.site-a.localhost', '/__lab/runner'), 8000);
    await context.evaluate('(window.__pageMark = 7)', 8000);

    const nonce = mintNonce('webkit');
    lab.register(scenario, nonce);
    await context.visit!(url('api.site-b.localhost', `/__lab/set-cookies/${nonce}`), 8000);
    expect(await context.evaluate('window.__pageMark', 8000), 'the visit left the page loaded').toBe(7);
    expect(await cookieTheApiSees(), 'the visit set the cookie').toBe('w1=1');

    const hosts = ['app.site-a.localhost', 'api.site-b.localhost', 'other.site-c.localhost'];
    const before = hosts.map(blankLoads);
    const replaced = await context.clearCookies!(hosts.map((host) => url(host, LAB_BLANK_PATH)));
    expect(replaced, 'the page was not replaced').toBe(false);
    expect(
      hosts.map((host, index) => blankLoads(host) - before[index]!),
      'the page and the visit window already showed their hosts; only the third was loaded',
    ).toEqual([0, 0, 1]);
    expect(await context.evaluate('window.__pageMark', 8000), 'the page is still the one loaded').toBe(7);
    expect(await cookieTheApiSees(), 'the cookie is gone').toBeUndefined();
  }, 60_000);

  it('a navigation that fails is reported, and the next one is checked as strictly', async () => {
    await context.goto(url('app.site-a.localhost', '/__lab/runner'), 8000);
    // Nothing listens on port 9 (discard): the load fails, and must not pass for the runner page still shown.
    await expect(context.goto('https://app.site-a.localhost:9/', 8000)).rejects.toThrow(/navigation failed/);
    await context.goto(url('api.site-b.localhost', LAB_BLANK_PATH), 8000);
    expect(await context.evaluate('location.hostname', 8000)).toBe('api.site-b.localhost');
    await expect(context.goto('https://api.site-b.localhost:9/', 8000)).rejects.toThrow(/navigation failed/);
  }, 60_000);
});
