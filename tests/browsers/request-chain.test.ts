// Every hop of the request chain held against the spec's, in real engines,
// from what the lab servers recorded: a user's own PUT answered 307 to
// another site, whose second preflight must carry Origin null. ACAO * lets
// it through whatever the Origin, so every engine's outcome is the spec's;
// Firefox ESR sends the page's Origin on that preflight (measured here), and
// only the hop-by-hop comparison says so; the engine-behaviour registry knows
// it (firefox-preflight-after-cross-origin-redirect-origin), so the cell reads
// as that known request-shape behaviour instead of ?. Chromium and WebKitGTK
// send what the spec sends, hop by hop.
import { describe, expect, it } from 'vitest';
import { runScenarios } from '../../harness/run/runner.ts';
import { renderTerminal } from '../../reports/terminal.ts';
import { scenariosFrom, tempCertDir } from '../helpers.ts';

const scenarios = scenariosFrom(
  `
origins: { page: https://app.site-a.localhost, api: https://api.site-b.localhost, files: https://files.site-c.localhost }
scenarios:
  - id: upload-moved
    title: our upload, moved to the file host with a 307
    request: { target: api, path: /upload, method: PUT, body: "x" }
    server:
      api:
        /upload:
          preflight: { status: 204, headers: { Access-Control-Allow-Origin: "*", Access-Control-Allow-Methods: PUT } }
          actual: { status: 307, headers: { Location: "{{base.files}}/upload", Access-Control-Allow-Origin: "*" } }
      files:
        /upload:
          preflight: { status: 204, headers: { Access-Control-Allow-Origin: "*", Access-Control-Allow-Methods: PUT } }
          actual: { headers: { Access-Control-Allow-Origin: "*" } }
`,
  'my-uploads.yaml',
);

describe('the request chain in every engine', () => {
  it('names the later hop where Firefox parts from the spec, known to the registry, and holds every other engine hop by hop', async () => {
    const result = await runScenarios({ scenarios, timeoutMs: 8000, isolation: 'group', certDir: tempCertDir() });
    expect(result.engines.map((engine) => engine.id)).toEqual(['chromium', 'firefox', 'webkit']);
    for (const cell of result.results) {
      expect(cell.outcome, cell.engine).toBe('allowed');
      expect(cell.verdict, cell.engine).toBe('matches-spec');
      // The spec's chain: preflight and PUT at the API, then preflight and PUT at the file host with Origin null.
      const chain = cell.evidence.requestShape!.chain!;
      expect(
        chain.expected.map(
          (hop) => `${hop.kind} ${hop.origin === undefined ? 'none' : hop.origin === 'null' ? 'null' : 'page'}`,
        ),
      ).toEqual(['preflight page', 'request page', 'preflight null', 'request null']);
      // What the lab's servers recorded: four hops in every engine, the first two with the page's Origin.
      expect(
        chain.seen.map((hop) => hop.kind),
        cell.engine,
      ).toEqual(['preflight', 'request', 'preflight', 'request']);
    }
    const byEngine = new Map(result.results.map((cell) => [cell.engine, cell]));
    const firefox = byEngine.get('firefox')!;
    const page = firefox.evidence.requestShape!.chain!.seen[0]!.origin!;
    expect(firefox.evidence.requestShape!.chain!.seen[2]!.origin).toBe(page);
    expect(firefox.evidence.requestShape!.differences).toEqual([]); // the first request is the spec's
    const parted = `hop 3, the preflight after the 307: Origin '${page}', where the spec sends Origin 'null'`;
    expect(firefox.evidence.requestShape!.chain!.firstDifference).toBe(parted);
    expect(firefox.evidence.requestShape!.departs).toEqual({ request: 'later', fields: ['origin'] });
    expect(firefox.requestMismatch).toBeUndefined();
    expect(firefox.knownRequestShape).toMatchObject({
      id: 'firefox-preflight-after-cross-origin-redirect-origin',
      difference: parted,
    });
    for (const engine of ['chromium', 'webkit']) {
      expect(byEngine.get(engine)!.evidence.requestShape!.chain!.seen.map((hop) => hop.origin)).toEqual([
        page,
        page,
        'null',
        'null',
      ]);
      expect(byEngine.get(engine)!.requestMismatch, engine).toBeUndefined();
    }
    const terminal = renderTerminal(result, { color: false, wide: true });
    expect(terminal).toMatch(/upload-moved\s+allowed\s+allowed\s+allowed\s+allowed/);
    expect(terminal).toContain(
      "firefox-preflight-after-cross-origin-redirect-origin — Firefox sends the page's Origin, not null, on the preflight after a redirect to another site (request shape): upload-moved in firefox",
    );
  }, 120_000);
});
