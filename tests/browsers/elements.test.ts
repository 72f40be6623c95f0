// <script>, <link rel=stylesheet> and EventSource in every engine: one
// allowed and one blocked case each, backed by the journal.
import { describe, expect, it } from 'vitest';
import { ENGINE_IDS } from '../../harness/engines/types.ts';
import { runScenarios } from '../../harness/run/runner.ts';
import { scenariosFrom, tempCertDir } from '../helpers.ts';

const scenarios = scenariosFrom(`
origins: { page: https://app.site-a.localhost, cdn: https://cdn.site-b.localhost }
scenarios:
  - id: script-allowed
    title: crossorigin script with ACAO * reports its error in full
    request: { kind: script, target: cdn, path: /a.js, crossOrigin: anonymous }
    server: { cdn: { /a.js: { actual: { asset: script, headers: { Access-Control-Allow-Origin: "*" } } } } }
  - id: script-blocked
    title: crossorigin script without ACAO fails to load
    request: { kind: script, target: cdn, path: /a.js, crossOrigin: anonymous }
    server: { cdn: { /a.js: { actual: { asset: script } } } }
  - id: stylesheet-allowed
    title: crossorigin stylesheet with ACAO * has readable rules
    request: { kind: stylesheet, target: cdn, path: /s.css, crossOrigin: anonymous }
    server: { cdn: { /s.css: { actual: { asset: css, headers: { Access-Control-Allow-Origin: "*" } } } } }
  - id: stylesheet-blocked
    title: a no-cors stylesheet hides its rules
    request: { kind: stylesheet, target: cdn, path: /s.css }
    server: { cdn: { /s.css: { actual: { asset: css, headers: { Access-Control-Allow-Origin: "*" } } } } }
  - id: event-source-allowed
    title: EventSource with ACAO *
    request: { kind: event-source, target: cdn, path: /e }
    server: { cdn: { /e: { actual: { asset: event-stream, headers: { Access-Control-Allow-Origin: "*" } } } } }
  - id: event-source-blocked
    title: EventSource without ACAO
    request: { kind: event-source, target: cdn, path: /e }
    server: { cdn: { /e: { actual: { asset: event-stream } } } }
`);

describe.each(ENGINE_IDS)('%s', (id) => {
  it('script, stylesheet and EventSource: allowed and blocked', async () => {
    const result = await runScenarios({
      scenarios,
      engines: [id],
      timeoutMs: 8000,
      isolation: 'group',
      certDir: tempCertDir(),
    });
    const cell = (scenario: string) => result.results.find((entry) => entry.scenario === scenario)!;
    for (const kind of ['script', 'stylesheet', 'event-source']) {
      expect(cell(`${kind}-allowed`), kind).toMatchObject({
        outcome: 'allowed',
        spec: 'allowed',
        evidence: { requestReached: true },
      });
      expect(cell(`${kind}-blocked`), kind).toMatchObject({
        outcome: 'blocked',
        spec: 'blocked',
        evidence: { requestReached: true },
      });
    }
    expect(cell('script-allowed').evidence.body).toMatch(
      /cors-lab-secret-message from https:\/\/cdn\.site-b\.localhost/,
    );
    expect(cell('stylesheet-allowed').evidence.body).toMatch(/^1 rule\(s\): \.cors-lab-rule/);
    expect(cell('stylesheet-blocked').explanation).toMatch(/cssRules threw SecurityError/);
    expect(cell('event-source-allowed').evidence.body).toBe('message: cors-lab');
    expect(cell('event-source-allowed').evidence.journal[0]!.headers!.accept).toBe('text/event-stream');
  });
});
