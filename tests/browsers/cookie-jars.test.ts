// Cookie scenarios share one browser context where the engine can delete
// every cookie, each starting with an empty jar: Chromium and Firefox delete
// the whole jar at once; WebKit over WebDriver classic deletes the current
// page's cookies only, so it deletes on a document of each host the jar
// reached (a window that shows one already, else a blank page loaded in its
// visit window; webkit-windows.test.ts).
// Either way a scenario sees only the cookies it set: none set first-party by
// an earlier scenario, none its server set in a third-party response, and no
// partitioned one. allow-third-party makes every engine send third-party
// cookies, so a leaked one would reach the journal.
import { describe, expect, it } from 'vitest';
import { ENGINE_IDS } from '../../harness/engines/types.ts';
import { planBatches, runScenarios } from '../../harness/run/runner.ts';
import { scenariosFrom, tempCertDir } from '../helpers.ts';

const scenarios = scenariosFrom(`
origins: { page: https://app.site-a.localhost, api: https://api.site-b.localhost }
scenarios:
  - id: sets-every-kind
    title: sets cookies first-party, partitioned, and in its third-party answer
    cookies: { on: api, set: ["a1=1; SameSite=None; Secure; Path=/", "a2=1; SameSite=None; Secure; Path=/; Partitioned"] }
    request: { target: api, path: /me, credentials: include, requireCookie: a1 }
    server: { api: { /me: { actual: { headers: { Access-Control-Allow-Origin: "{{origin.page}}", Access-Control-Allow-Credentials: "true", Set-Cookie: ["a3=1; SameSite=None; Secure; Path=/", "a4=1; SameSite=None; Secure; Path=/; Partitioned"] } } } } }
  - id: sets-page-cookies
    title: sets cookies on the page's own origin
    cookies: { on: page, set: ["a5=1; SameSite=Strict; Secure; Path=/"] }
    request: { target: page, path: /me, credentials: include, requireCookie: a5 }
    server: { page: { /me: { actual: { headers: { Set-Cookie: "a6=1; Secure; Path=/" } } } } }
  - id: api-sees-its-own
    title: the API sees only this scenario's cookie
    cookies: { on: api, set: ["b1=1; SameSite=None; Secure; Path=/"] }
    request: { target: api, path: /me, credentials: include, requireCookie: b1 }
    server: { api: { /me: { actual: { headers: { Access-Control-Allow-Origin: "{{origin.page}}", Access-Control-Allow-Credentials: "true" } } } } }
  - id: page-sees-its-own
    title: the page's origin sees only this scenario's cookie
    cookies: { on: page, set: ["c1=1; SameSite=Strict; Secure; Path=/"] }
    request: { target: page, path: /me, credentials: include, requireCookie: c1 }
`);

/** The cookie each later scenario set, and nothing else may reach its server. (The first one's own request may carry its partitioned a2 too, in WebKit, which has no CHIPS.) */
const OWN: Record<string, string> = {
  'sets-page-cookies': 'a5=1',
  'api-sees-its-own': 'b1=1',
  'page-sees-its-own': 'c1=1',
};

describe('cookie scenarios', () => {
  it('share one context, each with a jar of its own, in scenario order', () => {
    const batches = planBatches(scenarios, 'group');
    expect(new Set(batches.map((batch) => batch.contextKey)).size).toBe(1);
    expect(batches.map((batch) => batch.cookieJar)).toEqual(scenarios.map((scenario) => `cookies:${scenario.id}`));
  });

  it('see only the cookies they set, in every engine', async () => {
    const result = await runScenarios({
      scenarios,
      profile: 'allow-third-party',
      timeoutMs: 8000,
      isolation: 'group',
      certDir: tempCertDir(),
    });
    expect(result.engines.map((engine) => engine.id).sort()).toEqual([...ENGINE_IDS].sort());
    expect(result.results).toHaveLength(scenarios.length * ENGINE_IDS.length);
    for (const cell of result.results.filter((cell) => cell.scenario in OWN)) {
      const cookies = cell.evidence.journal
        .filter((entry) => entry.kind === 'request')
        .map((entry) => entry.headers?.cookie);
      expect(cookies, `${cell.engine} ${cell.scenario}`).toEqual([OWN[cell.scenario]]);
      expect(cell.outcome, `${cell.engine} ${cell.scenario}`).toBe('allowed');
    }
  }, 180_000);
});
