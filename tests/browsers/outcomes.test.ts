// The three outcomes in every real engine: allowed, blocked (ACAO missing:
// the server answered, the browser withheld it), and error (target stopped,
// certificate not trusted, a hung server: no answer at all).
import { describe, expect, it } from 'vitest';
import { discoverEngine } from '../../harness/engines/discovery.ts';
import { ENGINE_IDS } from '../../harness/engines/types.ts';
import { runScenarios } from '../../harness/run/runner.ts';
import { scenariosFrom, tempCertDir } from '../helpers.ts';

const scenarios = scenariosFrom(`
origins: { page: https://app.site-a.localhost }
scenarios:
  - id: allowed-star
    title: ACAO * allows
    origins: { api: https://api.site-b.localhost }
    request: { target: api, path: /data }
    server: { api: { /data: { actual: { headers: { Access-Control-Allow-Origin: "*" }, body: "secret-body" } } } }
    expect: { spec: allowed }
  - id: blocked-no-acao
    title: ACAO missing blocks
    origins: { api: https://api.site-b.localhost }
    request: { target: api, path: /data }
    expect: { spec: blocked }
  - id: preflight-refused
    title: a refused preflight blocks before the actual request
    origins: { api: https://api.site-b.localhost }
    request: { target: api, path: /data, method: PUT, body: "x" }
    server: { api: { /data: { preflight: { status: 204, headers: { Access-Control-Allow-Origin: "{{origin.page}}" } } } } }
    expect: { spec: blocked }
  - id: blocked-before-sending
    title: "fetch() refuses no-cors with PUT: nothing is sent, though the server is reachable"
    origins: { api: https://api.site-b.localhost }
    request: { target: api, path: /data, method: PUT, mode: no-cors }
    expect: { spec: blocked }
  - id: error-stopped
    title: a stopped target is an error
    origins: { api: { url: https://api.site-b.localhost, state: stopped } }
    request: { target: api, path: /data }
    server: { api: { /data: { actual: { headers: { Access-Control-Allow-Origin: "*" } } } } }
    expect: { spec: allowed }
  - id: error-untrusted-cert
    title: an untrusted certificate is an error
    origins: { api: { url: https://api.site-b.localhost, certificate: untrusted } }
    request: { target: api, path: /data }
    server: { api: { /data: { actual: { headers: { Access-Control-Allow-Origin: "*" } } } } }
    expect: { spec: allowed }
  - id: error-hung
    title: a server that never answers is an error once the probe times out
    origins: { api: https://api.site-b.localhost }
    request: { target: api, path: /slow }
    server: { api: { /slow: { actual: { delayMs: 60000, headers: { Access-Control-Allow-Origin: "*" } } } } }
    expect: { spec: allowed }
`);

describe.each(ENGINE_IDS)('%s', (id) => {
  it('gives allowed, blocked and error for the right reasons, with journal evidence', async () => {
    const found = await discoverEngine(id);
    expect(found.discovery.found, `engine ${id} is missing: ${JSON.stringify(found.discovery)}`).toBe(true);

    const result = await runScenarios({
      scenarios,
      engines: [id],
      timeoutMs: 6000,
      isolation: 'group',
      certDir: tempCertDir(),
    });
    expect(result.enginesMissing).toEqual([]);
    expect(result.engines).toHaveLength(1);
    expect(result.engines[0]!.version).toMatch(/\d+\.\d+/);
    const cell = (scenario: string) => result.results.find((entry) => entry.scenario === scenario)!;

    expect(cell('allowed-star')).toMatchObject({ outcome: 'allowed', matchesExpectation: true });
    expect(cell('allowed-star').evidence).toMatchObject({
      requestReached: true,
      preflightSent: false,
      status: 200,
      body: 'secret-body',
    });

    expect(cell('blocked-no-acao')).toMatchObject({ outcome: 'blocked', matchesExpectation: true });
    expect(cell('blocked-no-acao').evidence.requestReached).toBe(true);
    expect(cell('blocked-no-acao').evidence.body).toBeUndefined();

    expect(cell('preflight-refused')).toMatchObject({ outcome: 'blocked' });
    expect(cell('preflight-refused').evidence).toMatchObject({ preflightSent: true, requestReached: false });

    // Nothing sent, but the reachability control reached the server: blocked.
    const refused = cell('blocked-before-sending');
    expect(refused).toMatchObject({
      outcome: 'blocked',
      matchesExpectation: true,
      evidence: { preflightSent: false, requestReached: false, control: { reached: true } },
    });
    expect(refused.evidence.journal.map((entry) => entry.kind)).toEqual(['control']);
    expect(refused.explanation).toMatch(/^blocked before sending: .*top-level navigation/);

    const stopped = cell('error-stopped');
    expect(stopped.outcome).toBe('error');
    expect(stopped.matchesExpectation).toBe(false);
    expect(stopped.evidence.journal).toEqual([]);
    expect(stopped.evidence.control).toMatchObject({ reached: false });
    expect(stopped.explanation).toMatch(/did not reach it either/);

    const hung = cell('error-hung');
    expect(hung.outcome).toBe('error');
    expect(hung.evidence.settled).toBe('timeout');
    expect(hung.evidence.requestReached).toBe(true);
    expect(hung.explanation).toMatch(/did not settle within the probe timeout/);

    const untrusted = cell('error-untrusted-cert');
    expect(untrusted.outcome).toBe('error');
    expect(untrusted.evidence.journal).toEqual([]);
    expect(untrusted.evidence.tlsErrors).toBeGreaterThan(0);
    expect(untrusted.explanation).toMatch(/TLS/);
    expect(untrusted.evidence.control).toBeUndefined(); // the TLS failure already explains it
  });
});
