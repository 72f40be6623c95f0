// Whether each engine made the request the way the spec makes it, read from
// the journal, in a user's own scenarios (not the catalog): a font with
// ACAO * is allowed everywhere, but WebKitGTK fetches it in no-cors mode
// without an Origin header, so no CORS check decided it; a fetch with ACAO *
// is a CORS request in every engine. The engine-behaviour registry knows the
// first (webkit-fonts-no-cors-request), so the cell reads as that known
// request-shape behaviour, not ?.
import { describe, expect, it } from 'vitest';
import { runScenarios } from '../../harness/run/runner.ts';
import { renderTerminal } from '../../reports/terminal.ts';
import { scenariosFrom, tempCertDir } from '../helpers.ts';

const scenarios = scenariosFrom(
  `
origins: { page: https://app.site-a.localhost, fonts: https://fonts.site-b.localhost }
scenarios:
  - id: my-font
    title: our web font from the font host, ACAO *
    request: { kind: font, target: fonts, path: /brand.otf }
    server: { fonts: { /brand.otf: { actual: { asset: otf, headers: { Access-Control-Allow-Origin: "*" } } } } }
  - id: my-fetch
    title: our API from the font host, ACAO *
    request: { target: fonts, path: /api }
    server: { fonts: { /api: { actual: { headers: { Access-Control-Allow-Origin: "*" } } } } }
`,
  'my-app.yaml',
);

describe('the request shape in every engine', () => {
  it('finds the WebKit font made as no CORS request, known to the registry, and nothing else', async () => {
    const result = await runScenarios({ scenarios, timeoutMs: 8000, isolation: 'group', certDir: tempCertDir() });
    expect(result.engines.map((engine) => engine.id)).toEqual(['chromium', 'firefox', 'webkit']);
    for (const cell of result.results) {
      expect(cell.outcome, `${cell.scenario} ${cell.engine}`).toBe('allowed');
      expect(cell.verdict).toBe('matches-spec');
      expect(cell.evidence.requestShape, `${cell.scenario} ${cell.engine}`).toBeDefined();
    }
    const departed = result.results
      .filter((cell) => cell.evidence.requestShape!.departs)
      .map((cell) => `${cell.scenario} ${cell.engine}`);
    expect(departed).toEqual(['my-font webkit']);
    const font = result.results.find((cell) => cell.scenario === 'my-font' && cell.engine === 'webkit')!;
    expect(font.evidence.requestShape!.differences.join('; ')).toMatch(
      /^the request went in no-cors mode \(Sec-Fetch-Mode: no-cors\), where the spec makes a cors request; the request carried no Origin header/,
    );
    expect(font.evidence.requestShape!.seen).toEqual({ mode: 'no-cors', origin: null, preflight: false });
    expect(font.requestMismatch).toBeUndefined();
    expect(font.knownRequestShape).toMatchObject({
      id: 'webkit-fonts-no-cors-request',
      difference: font.evidence.requestShape!.differences.join('; '),
    });
    const chromiumFont = result.results.find((cell) => cell.scenario === 'my-font' && cell.engine === 'chromium')!;
    expect(chromiumFont.evidence.requestShape!.seen).toEqual({
      mode: 'cors',
      origin: expect.stringMatching(/^https:\/\/app\.site-a\.localhost:\d+$/),
      preflight: false,
    });
    expect(result.summary.requestMismatches ?? 0).toBe(0);
    const terminal = renderTerminal(result, { color: false, wide: true });
    expect(terminal).toMatch(/my-font\s+allowed\s+allowed\s+allowed\s+allowed\s*$/m);
    expect(terminal).toContain(
      'webkit-fonts-no-cors-request — WebKitGTK requests fonts in no-cors mode (Sec-Fetch-Mode no-cors), where the spec makes a CORS request (request shape): my-font in webkit',
    );
  }, 120_000);
});
