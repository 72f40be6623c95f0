import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CellResult, RunResult } from '../../harness/run/result.ts';
import { scenarioJsonSchemaText } from '../../harness/scenario/json-schema.ts';
import { renderHtml } from '../../reports/html.ts';
import { renderJunit } from '../../reports/junit.ts';
import { renderMarkdown } from '../../reports/markdown.ts';
import { renderTerminal } from '../../reports/terminal.ts';
import { parseReporters } from '../../reports/write.ts';

function cell(scenario: string, engine: CellResult['engine'], outcome: CellResult['outcome'], expected: CellResult['expected']): CellResult {
  return {
    scenario, engine, outcome, spec: 'blocked', expected, matchesExpectation: outcome === expected,
    verdict: outcome === 'blocked' ? 'matches-spec' : 'new-finding', specExplanation: 'blocked: no ACAO',
    evidence: { request: { url: 'https://api/x', method: 'GET', headers: {}, mode: 'cors', credentials: 'omit' }, settled: 'rejected', preflightSent: false, requestReached: true, cookiesSent: false, cookiesReceived: [], console: 'not exposed', tlsErrors: 0, journal: [] },
    explanation: `${outcome}: because </script><b>`, durationMs: 12,
  };
}

const result: RunResult = {
  schemaVersion: 1, tool: { name: 'cors-lab', version: '0.0.0' }, startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1234,
  options: { isolation: 'group', timeoutMs: 1000, profile: 'defaults' },
  engines: [
    { id: 'chromium', browser: 'Chromium', version: '156.0.1', driver: 'playwright', trust: 'spki', executablePath: '/c', profile: 'defaults', cookieSettings: 'third-party allowed' },
    { id: 'firefox', browser: 'Firefox ESR', version: '153.7.0esr', driver: 'bidi', trust: 'certutil', executablePath: '/f', profile: 'defaults', cookieSettings: 'cookieBehavior=5' },
  ],
  enginesMissing: [{ id: 'webkit', reason: 'no WebKitWebDriver', fix: 'apt-get install webkit2gtk-driver' }],
  scenarios: [{ id: 'acao-missing', title: 'ACAO <missing> | pipe', file: 'a.yaml', kind: 'fetch', tags: [], expected: { spec: 'blocked' }, specModel: { outcome: 'blocked', explanation: 'blocked: no ACAO', preflight: false, steps: ['Fetch § 4.10 CORS check'] } }],
  results: [cell('acao-missing', 'chromium', 'blocked', 'blocked'), cell('acao-missing', 'firefox', 'allowed', 'blocked')],
  summary: { total: 2, allowed: 1, blocked: 1, error: 0, unexpected: 1, knownDeviations: 0, newFindings: 1 },
};

describe('reports', () => {
  it('terminal: versions in the heading, unexpected marked, missing engines named with their fix', () => {
    const text = renderTerminal(result, { color: false });
    expect(text).toMatch(/chromium 156\.0\.1 +firefox 153\.7\.0esr/);
    expect(text).toMatch(/acao-missing +blocked +blocked +allowed !/);
    expect(text).toMatch(/acao-missing in firefox: the spec predicts blocked, measured allowed\. allowed: because .* Spec: blocked: no ACAO/);
    expect(text).toMatch(/webkit: not run — no WebKitWebDriver\. Fix: apt-get install webkit2gtk-driver/);
  });

  it('junit: one testcase per scenario and engine, unexpected as failure, XML escaped', () => {
    const xml = renderJunit(result);
    expect(xml.match(/<testcase /g)).toHaveLength(2);
    expect(xml.match(/<failure /g)).toHaveLength(1);
    expect(xml).toContain('message="expected blocked, got allowed"');
    expect(xml).not.toContain('</script><b>');
  });

  it('markdown: a table with engine versions and an unexpected list', () => {
    const md = renderMarkdown(result);
    expect(md).toContain('| scenario | spec | chromium 156.0.1 | firefox 153.7.0esr |');
    expect(md).toContain('**✅ allowed (new finding)**');
    expect(md).toContain('ACAO <missing> \\| pipe');
  });

  it('html: self-contained, embeds the JSON result safely', () => {
    const html = renderHtml(result);
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)=["']?https?:/);
    const embedded = /<script type="application\/json" id="cors-lab-result">(.*?)<\/script>/s.exec(html)![1]!;
    expect(embedded).not.toContain('</script>');
    expect(JSON.parse(embedded)).toEqual(result);
  });

  it('parses reporter choices with optional paths', () => {
    expect(parseReporters(['json=out.json,html', 'junit'])).toEqual([{ name: 'json', path: 'out.json' }, { name: 'html' }, { name: 'junit' }]);
    expect(() => parseReporters(['xml'])).toThrow(/unknown reporter "xml"/);
  });

  it('the committed JSON Schema for editors matches the zod schema (run `npm run schema`)', () => {
    const committed = readFileSync(new URL('../../scenarios/scenario.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(scenarioJsonSchemaText());
  });
});
