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
  - id: img-allowed
    title: crossorigin=anonymous image with ACAO * is readable from a canvas
    request: { kind: img-canvas, target: api, path: /p.png, crossOrigin: anonymous }
    server: { api: { /p.png: { actual: { asset: png, headers: { Access-Control-Allow-Origin: "*" } } } } }
    expect: { spec: allowed }
  - id: img-tainted
    title: an image without crossorigin taints the canvas
    request: { kind: img-canvas, target: api, path: /p.png }
    server: { api: { /p.png: { actual: { asset: png, headers: { Access-Control-Allow-Origin: "*" } } } } }
    expect: { spec: blocked }
  - id: font-allowed
    title: a cross-origin font with ACAO *
    request: { kind: font, target: api, path: /f.otf }
    server: { api: { /f.otf: { actual: { asset: otf, headers: { Access-Control-Allow-Origin: "*" } } } } }
    expect: { spec: allowed }
  - id: font-no-acao
    title: a cross-origin font without ACAO
    request: { kind: font, target: api, path: /f.otf }
    server: { api: { /f.otf: { actual: { asset: otf } } } }
    expect: { spec: blocked }
  - id: font-undecodable
    title: a font answer that is not a font (ACAO *)
    request: { kind: font, fontVia: font-face-api, target: api, path: /f.otf }
    server: { api: { /f.otf: { actual: { body: "not a font", headers: { Access-Control-Allow-Origin: "*", Content-Type: font/otf } } } } }
    expect: { spec: allowed }
`);

describe.each(ENGINE_IDS)('%s', (id) => {
  it('xhr: allowed and blocked', async () => {
    const result = await runScenarios({
      scenarios: scenarios.filter((scenario) => scenario.request.kind === 'xhr'),
      engines: [id],
      timeoutMs: 8000,
      isolation: 'group',
      certDir: tempCertDir(),
    });
    expect(result.engines.map((engine) => engine.id)).toEqual([id]);
    const [allowed, blocked] = result.results;
    expect(allowed).toMatchObject({
      scenario: 'xhr-allowed',
      outcome: 'allowed',
      evidence: { body: 'xhr-body', requestReached: true },
    });
    expect(blocked).toMatchObject({
      scenario: 'xhr-blocked-by-upload-preflight',
      outcome: 'blocked',
      evidence: { preflightSent: true, requestReached: false },
    });
  });

  it('img-canvas: readable and tainted', async () => {
    const result = await runScenarios({
      scenarios: scenarios.filter((scenario) => scenario.request.kind === 'img-canvas'),
      engines: [id],
      timeoutMs: 8000,
      isolation: 'group',
      certDir: tempCertDir(),
    });
    const [readable, tainted] = result.results;
    expect(readable).toMatchObject({
      scenario: 'img-allowed',
      outcome: 'allowed',
      evidence: { requestReached: true, body: expect.stringMatching(/^2x2 image, first pixel rgba\(255,0,0,255\)/) },
    });
    expect(readable!.evidence.journal[0]!.headers!.origin).toMatch(/^https:\/\/app\.site-a\.localhost:/);
    expect(tainted).toMatchObject({ scenario: 'img-tainted', outcome: 'blocked', evidence: { requestReached: true } });
    expect(tainted!.explanation).toMatch(/tainted/);
    expect(tainted!.evidence.journal[0]!.headers!.origin).toBeUndefined();
  });

  it('font: rendered, refused (a measured deviation in WebKit) and undecodable', async () => {
    const result = await runScenarios({
      scenarios: scenarios.filter((scenario) => scenario.request.kind === 'font'),
      engines: [id],
      timeoutMs: 8000,
      isolation: 'group',
      certDir: tempCertDir(),
    });
    const [allowed, noAcao, undecodable] = result.results;
    expect(allowed).toMatchObject({
      scenario: 'font-allowed',
      outcome: 'allowed',
      evidence: { body: expect.stringMatching(/^font status loaded; text width \d+px with the font/) },
    });
    const sentOrigin = noAcao!.evidence.journal[0]!.headers!.origin;
    if (id === 'webkit') {
      // WebKitGTK fetches fonts in no-cors mode: no Origin, and the font renders. The registry knows it, in this file too.
      expect(noAcao).toMatchObject({
        outcome: 'allowed',
        spec: 'blocked',
        verdict: 'known-deviation',
        deviation: { note: expect.stringContaining('webkit-fonts-no-cors') },
      });
      expect(sentOrigin).toBeUndefined();
    } else {
      expect(noAcao).toMatchObject({
        outcome: 'blocked',
        spec: 'blocked',
        verdict: 'matches-spec',
        evidence: { requestReached: true },
      });
      expect(sentOrigin).toMatch(/^https:\/\/app\.site-a\.localhost:/);
    }
    expect(undecodable).toMatchObject({
      outcome: 'blocked',
      evidence: { requestReached: true, body: expect.stringMatching(/^font status error/) },
    });
  });
});
