// Engine profiles change the engines' third-party cookie settings, and the
// results name the profile and the settings behind it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { EngineId, EngineProfile } from '../../harness/engines/types.ts';
import { runScenarios } from '../../harness/run/runner.ts';
import { scenariosFrom, tempCertDir } from '../helpers.ts';

const file = 'scenarios/cookies/credentialed.yaml';
const catalog = scenariosFrom(readFileSync(file, 'utf8'), file);
const pick = (...ids: string[]) => catalog.filter((scenario) => ids.includes(scenario.id));

async function run(engine: EngineId, profile: EngineProfile, ...ids: string[]) {
  const result = await runScenarios({
    scenarios: pick(...ids),
    engines: [engine],
    profile,
    timeoutMs: 8000,
    isolation: 'group',
    certDir: tempCertDir(),
  });
  expect(result.options.profile).toBe(profile);
  expect(result.engines[0]).toMatchObject({ id: engine, profile });
  return result;
}

describe('engine profiles', () => {
  it('chromium: as launched it withholds a SameSite=None cookie cross-site; shipping and allow-third-party send it', async () => {
    const defaults = await run('chromium', 'defaults', 'cookie-samesite-none-cross-site-fetch');
    expect(defaults.engines[0]!.cookieSettings).toMatch(/cookie_controls_mode not set/);
    expect(defaults.results[0]).toMatchObject({
      verdict: 'cookie-policy',
      evidence: { requestReached: true, cookiesSent: false },
    });

    const shipping = await run('chromium', 'shipping', 'cookie-samesite-none-cross-site-fetch');
    expect(shipping.engines[0]!.cookieSettings).toMatch(/cookie_controls_mode=2/);
    expect(shipping.results[0]).toMatchObject({
      outcome: 'allowed',
      verdict: 'matches-spec',
      evidence: { cookiesReceived: ['sid'] },
    });

    const open = await run('chromium', 'allow-third-party', 'cookie-samesite-none-cross-site-fetch');
    expect(open.engines[0]!.cookieSettings).toMatch(/cookie_controls_mode=0/);
    expect(open.results[0]).toMatchObject({ outcome: 'allowed', evidence: { cookiesReceived: ['sid'] } });
  });

  it('firefox: Total Cookie Protection as launched; allow-third-party sends the cookie', async () => {
    const defaults = await run('firefox', 'defaults', 'cookie-samesite-none-cross-site-fetch');
    expect(defaults.results[0]).toMatchObject({ verdict: 'cookie-policy', evidence: { cookiesSent: false } });
    const open = await run('firefox', 'allow-third-party', 'cookie-samesite-none-cross-site-fetch');
    expect(open.engines[0]!.cookieSettings).toMatch(/cookieBehavior=0/);
    expect(open.results[0]).toMatchObject({ outcome: 'allowed', evidence: { cookiesReceived: ['sid'] } });
  });

  it('webkit: ITP (shipping) withholds third-party cookies, and the Partitioned deviation is scoped to the other profiles', async () => {
    const ids = ['cookie-samesite-none-cross-site-fetch', 'cookie-partitioned-cross-site'];
    const defaults = await run('webkit', 'defaults', ...ids);
    expect(defaults.engines[0]!.cookieSettings).toMatch(/ITP off/);
    expect(defaults.results.map((cell) => [cell.outcome, cell.verdict])).toEqual([
      ['allowed', 'matches-spec'],
      ['allowed', 'known-deviation'],
    ]);

    const shipping = await run('webkit', 'shipping', ...ids);
    expect(shipping.engines[0]!.cookieSettings).toMatch(/ITP on/);
    expect(shipping.scenarios[1]!.expected.deviations).toBeUndefined();
    expect(shipping.results.map((cell) => [cell.outcome, cell.verdict, cell.matchesExpectation])).toEqual([
      ['blocked', 'cookie-policy', true],
      ['blocked', 'matches-spec', true],
    ]);
  });
});
