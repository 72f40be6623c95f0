// Every request kind, in every engine: one allowed and one blocked case,
// each backed by the journal.
import { describe, expect, it } from 'vitest';
import { ENGINE_IDS } from '../../harness/engines/types.ts';
import { runScenarios } from '../../harness/run/runner.ts';
import { scenariosFrom, tempCertDir } from '../helpers.ts';

const scenarios = scenariosFrom(`
origins: { page: https://app.site-a.localhost, api: https://api.site-b.localhost }
scenarios:
  - id: xhr-allowed
    title: XHR withCredentials, exact origin and ACAC
    request: { kind: xhr, target: api, path: /d, credentials: include }
    server: { api: { /d: { actual: { headers: { Access-Control-Allow-Origin: "{{origin.page}}", Access-Control-Allow-Credentials: "true" }, body: "xhr-body" } } } }
    expect: { spec: allowed }
  - id: xhr-blocked-by-upload-preflight
    title: XHR upload listener forces a preflight that fails
    request: { kind: xhr, target: api, path: /u, method: POST, headers: { Content-Type: text/plain }, body: "p", uploadListener: true }
    server: { api: { /u: { preflight: { status: 404 }, actual: { headers: { Access-Control-Allow-Origin: "*" } } } } }
    expect: { spec: blocked }
`);

describe.each(ENGINE_IDS)('%s', (id) => {
  it('xhr: allowed and blocked', async () => {
    const result = await runScenarios({ scenarios, engines: [id], timeoutMs: 8000, isolation: 'group', certDir: tempCertDir() });
    expect(result.engines.map((engine) => engine.id)).toEqual([id]);
    const [allowed, blocked] = result.results;
    expect(allowed).toMatchObject({ scenario: 'xhr-allowed', outcome: 'allowed', evidence: { body: 'xhr-body', requestReached: true } });
    expect(blocked).toMatchObject({ scenario: 'xhr-blocked-by-upload-preflight', outcome: 'blocked', evidence: { preflightSent: true, requestReached: false } });
  });
});
