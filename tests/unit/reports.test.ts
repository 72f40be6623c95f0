import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { scenarioReferenceMarkdown } from '../../harness/scenario/reference.ts';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { CellResult, CheckResult, RunResult } from '../../harness/result/result.ts';
import { scenarioJsonSchemaText } from '../../harness/scenario/json-schema.ts';
import { htmlView, renderHtml } from '../../reports/html.ts';
import { findingBlocks, LEGEND, summaryLine, sweepVerdict } from '../../reports/labels.ts';
import { renderJunit } from '../../reports/junit.ts';
import { renderMarkdown } from '../../reports/markdown.ts';
import { renderTerminal } from '../../reports/terminal.ts';
import { parseReporters, REPORTERS, writeReports } from '../../reports/write.ts';
import { tempDir } from '../helpers.ts';

function cell(
  scenario: string,
  engine: CellResult['engine'],
  outcome: CellResult['outcome'],
  expected: CellResult['expected'],
): CellResult {
  return {
    scenario,
    engine,
    outcome,
    spec: 'blocked',
    expected,
    matchesExpectation: outcome === expected,
    verdict: outcome === 'blocked' ? 'matches-spec' : 'new-finding',
    specExplanation: 'blocked: no ACAO',
    evidence: {
      request: { url: 'https://api/x', method: 'GET', headers: {}, mode: 'cors', credentials: 'omit' },
      settled: 'rejected',
      preflightSent: false,
      requestReached: true,
      cookiesSent: false,
      cookiesReceived: [],
      console: 'not exposed',
      tlsErrors: 0,
      journal: [],
    },
    explanation: `${outcome}: because </script><b>`,
    durationMs: 12,
  };
}

const result: RunResult = {
  schemaVersion: 3,
  kind: 'run',
  tool: { name: 'cors-lab', version: '0.0.0' },
  runInfo: {
    scenarioSet: { hash: 'sha256:0', rows: 1 },
    os: { platform: 'linux', release: '6', arch: 'x64' },
    node: 'v24.0.0',
  },
  startedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 1234,
  options: { isolation: 'group', timeoutMs: 1000, profile: 'defaults' },
  engines: [
    {
      id: 'chromium',
      family: 'chromium',
      browser: 'Chromium',
      version: '156.0.1',
      driver: 'playwright',
      trust: 'spki',
      executablePath: '/c',
      profile: 'defaults',
      cookieSettings: 'third-party allowed',
    },
    {
      id: 'firefox',
      family: 'firefox',
      browser: 'Firefox ESR',
      version: '153.7.0esr',
      driver: 'bidi',
      trust: 'certutil',
      executablePath: '/f',
      profile: 'defaults',
      cookieSettings: 'cookieBehavior=5',
    },
  ],
  enginesMissing: [
    { id: 'webkit', reason: 'no WebKitWebDriver', fix: 'apt-get install webkit2gtk-driver', found: false },
  ],
  scenarios: [
    {
      id: 'acao-missing',
      title: 'ACAO <missing> | pipe',
      file: 'a.yaml',
      kind: 'fetch',
      tags: [],
      expected: { spec: 'blocked' },
      specModel: {
        outcome: 'blocked',
        explanation: 'blocked: no ACAO',
        preflight: false,
        steps: ['Fetch § 4.10 CORS check'],
      },
    },
  ],
  results: [
    cell('acao-missing', 'chromium', 'blocked', 'blocked'),
    cell('acao-missing', 'firefox', 'allowed', 'blocked'),
  ],
  summary: { total: 2, allowed: 1, blocked: 1, error: 0, unexpected: 1, knownDeviations: 0, newFindings: 1 },
};

describe('reports', () => {
  it('terminal: versions in the heading, unexpected marked, missing engines named with their fix', () => {
    const text = renderTerminal(result, { color: false, wide: true });
    expect(text).toMatch(/chromium 156\.0\.1 +firefox 153\.7\.0esr/);
    expect(text).toMatch(/acao-missing +blocked +blocked +allowed !/);
    expect(text).toMatch(
      /acao-missing in firefox: the spec predicts blocked, measured allowed\. allowed: because .* Spec: blocked: no ACAO/,
    );
    expect(text).toMatch(/webkit: not run — no WebKitWebDriver\. Fix: apt-get install webkit2gtk-driver/);
  });

  it('junit: one testcase per scenario and engine, unexpected as failure, XML escaped', () => {
    const xml = renderJunit(result);
    expect(xml.match(/<testcase /g)).toHaveLength(2);
    expect(xml.match(/<failure /g)).toHaveLength(1);
    expect(xml).toContain('message="expected blocked, got allowed"');
    expect(xml).not.toContain('</script><b>');
  });

  it('a known engine behaviour and a request made otherwise read the same in the terminal, Markdown and JUnit', () => {
    const known: RunResult = {
      ...result,
      results: [
        {
          ...cell('acao-missing', 'chromium', 'blocked', 'blocked'),
          requestMismatch: 'no CORS request made: the request went in no-cors mode',
        },
        {
          ...cell('acao-missing', 'firefox', 'allowed', 'allowed'),
          verdict: 'known-deviation',
          deviation: {
            outcome: 'allowed',
            source: 'https://bugs.example/1',
            note: 'known engine behaviour some-entry (scenarios/engines.behaviours.yaml): engines do it',
          },
        },
      ],
      summary: { ...result.summary, unexpected: 0, knownDeviations: 1, newFindings: 0, requestMismatches: 1 },
    };
    const terminal = renderTerminal(known, { color: false, wide: true });
    expect(terminal).toMatch(/acao-missing\s+blocked\s+blocked \?\s+allowed ~/);
    expect(terminal).toContain('some-entry — engines do it: acao-missing in firefox. Source: https://bugs.example/1');
    expect(terminal).toContain('acao-missing in chromium: blocked as the spec predicts, but no CORS request made');
    expect(terminal).toContain('1 with the request made otherwise (?)');
    const md = renderMarkdown(known);
    expect(md).toContain('### Known engine behaviours (~, c and request shapes)');
    expect(md).toContain('(?)');
    const xml = renderJunit(known);
    expect(xml).toContain('~ known engine behaviour some-entry');
    expect(xml).toContain('? no CORS request made');
    expect(xml.match(/<failure /g)).toBeNull();
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

  it('html: the page draws a view worked out in Node with the shared wording (no second copy in the page script)', () => {
    const view = htmlView(result);
    expect(view.meta.startsWith(`${summaryLine(result)}. Started 2026-01-01T00:00:00.000Z`)).toBe(true);
    expect(view.legend).toBe(LEGEND);
    expect(view.columns.map((column) => `${column.heading} (${column.subheading})`)).toEqual([
      'chromium (Chromium 156.0.1)',
      'firefox (Firefox ESR 153.7.0esr)',
    ]);
    expect(view.rows[0]!.cells).toEqual([
      {
        result: 0,
        text: 'blocked',
        classes: 'cell blocked',
        verdict: 'matches',
        expectation: 'expected here: blocked.',
      },
      {
        result: 1,
        text: 'allowed !',
        classes: 'cell allowed new-finding',
        verdict: 'new finding',
        expectation: 'expected here: blocked — NOT AS EXPECTED.',
      },
    ]);
    expect(view.rows[0]!.loud).toBe(true);
    expect(view.engines.at(-1)).toEqual({
      id: 'webkit',
      text: 'not run — no WebKitWebDriver. Fix: apt-get install webkit2gtk-driver',
      failed: true,
    });
    const html = renderHtml(result);
    expect(JSON.parse(/<script type="application\/json" id="cors-lab-view">(.*?)<\/script>/s.exec(html)![1]!)).toEqual(
      view,
    );
    // The page script carries no verdict, label or column-key logic of its own.
    const script = /<script>([\s\S]*)<\/script>/.exec(html)![1]!;
    expect(script).not.toMatch(/matchesExpectation|known-deviation|new finding|columnKey/);
  });

  it("a check's page title is its endpoint's name, escaped (a config names endpoints freely)", () => {
    const check = JSON.parse(
      gunzipSync(readFileSync(new URL('../fixtures/results/check-not-allowed.json.gz', import.meta.url))).toString(
        'utf8',
      ),
    ) as CheckResult;
    check.check.endpoints[0]!.name = 'users </title><script>alert(1)</script>';
    const html = renderHtml(check);
    expect(html).toContain('<title>cors-lab check: users &lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>');
    expect(html).not.toContain('<script>alert(1)');
  });

  it("a check's box of findings is headed by the worst news: findings before a clean sweep, never the sweep's good news in red", () => {
    const check = JSON.parse(
      gunzipSync(readFileSync(new URL('../fixtures/results/check-not-allowed.json.gz', import.meta.url))).toString(
        'utf8',
      ),
    ) as CheckResult;
    const clean = htmlView(check).sweep!;
    expect(clean).toMatchObject({
      bad: false,
      headline: expect.stringMatching(/^Security sweep: every hostile origin was refused/),
    });
    check.check.findings.push({
      cause: 'error-answers-lack-cors',
      kind: 'cors',
      title: 'error answers lack the CORS headers',
      endpoints: [check.check.endpoints[0]!.name],
      engines: ['chromium'],
      cases: [
        {
          scenario: check.scenarios[0]!.id,
          endpoint: check.check.endpoints[0]!.name,
          origin: 'http://app.example.com',
          engines: [],
          evidence: 'GET /api/boom answered 500 without Access-Control-Allow-Origin',
        },
      ],
      why: 'the front end cannot read its errors',
      fix: 'add the headers to error answers too',
    });
    const box = htmlView(check).sweep!;
    expect(box.bad).toBe(true);
    expect(box.headline).toBe('Findings (one per cause): 0 security, 1 cors, 0 hygiene');
    expect(box.lines[0]).toMatch(/^Security sweep: every hostile origin was refused/);
    expect(box.lines.find((line) => line.startsWith('✗ '))).toContain('error answers lack the CORS headers');
  });

  it('a finding over several endpoints names the endpoint on each evidence line, so lines alike are told apart', () => {
    const check = JSON.parse(
      gunzipSync(readFileSync(new URL('../fixtures/results/check-not-allowed.json.gz', import.meta.url))).toString(
        'utf8',
      ),
    ) as CheckResult;
    // Both endpoints' missing path is the same URL, so the evidence reads the same.
    const evidence =
      'GET http://api.example.com/api/cors-lab-no-such-path was answered 404 without Access-Control-Allow-Origin';
    const found = (endpoint: string) => ({
      scenario: check.scenarios[0]!.id,
      endpoint,
      origin: 'http://app.example.com',
      engines: [],
      evidence,
    });
    check.check.findings = [
      {
        cause: 'error-answers-lack-cors',
        kind: 'cors',
        title: 'error answers lack the CORS headers',
        endpoints: ['GET /api/items', 'GET /api/me'],
        engines: [],
        cases: [found('GET /api/items'), found('GET /api/me')],
        why: 'the front end cannot read its errors',
        fix: 'add the headers to error answers too',
      },
    ];
    expect(findingBlocks(check)[0]!.details.slice(0, 2)).toEqual([
      `GET /api/items: ${evidence}`,
      `GET /api/me: ${evidence}`,
    ]);
  });

  it("the sweep's headline counts each attack's rows, so its list adds up to the rows", () => {
    // Two allowed origins, hence two prefix and two suffix rows (a real check's result).
    const check = JSON.parse(
      gunzipSync(readFileSync(new URL('../fixtures/results/check-not-allowed.json.gz', import.meta.url))).toString(
        'utf8',
      ),
    ) as CheckResult;
    expect(sweepVerdict(check).headline).toBe(
      'Security sweep: every hostile origin was refused in every engine that ran (7 rows: null, sibling-subdomain, prefix ×2, suffix ×2, unrelated).',
    );
  });

  it('parses reporter choices with optional paths', () => {
    expect(parseReporters(['json=out.json,html', 'junit'])).toEqual([
      { name: 'json', path: 'out.json' },
      { name: 'html' },
      { name: 'junit' },
    ]);
    expect(() => parseReporters(['xml'])).toThrow(/unknown reporter "xml"/);
  });

  it('the committed JSON Schema for editors matches the zod schema (run `npm run schema`)', () => {
    const committed = readFileSync(new URL('../../scenarios/scenario.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(scenarioJsonSchemaText());
    const reference = readFileSync(new URL('../../docs/reference/scenario-format.md', import.meta.url), 'utf8');
    expect(reference).toBe(scenarioReferenceMarkdown());
  });
});

describe('writing reports', () => {
  it('one reporter that throws is reported, and the others are still written', () => {
    const out = tempDir('reports-throw');
    const broken = {
      ...REPORTERS,
      html: {
        file: 'report.html',
        render: () => {
          throw new Error('renderer bug');
        },
      },
    };
    const outcome = writeReports(result, parseReporters(['json,html,junit']), out, broken);
    expect(outcome.written).toEqual([join(out, 'result.json'), join(out, 'junit.xml')]);
    expect(outcome.failed).toEqual([{ name: 'html', path: join(out, 'report.html'), error: 'renderer bug' }]);
    expect(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')).summary).toEqual(result.summary);
    // Nothing half-written is left behind.
    expect(readdirSync(out).sort()).toEqual(['junit.xml', 'result.json']);
  });

  it('a path that cannot be written (a folder) fails that reporter alone, with the path and why', () => {
    const out = tempDir('reports-eisdir');
    mkdirSync(join(out, 'taken.xml'));
    const outcome = writeReports(result, parseReporters([`json,junit=${join(out, 'taken.xml')}`]), out);
    expect(outcome.written).toEqual([join(out, 'result.json')]);
    expect(outcome.failed).toMatchObject([
      {
        name: 'junit',
        path: join(out, 'taken.xml'),
        error: expect.stringMatching(/EISDIR|ENOTEMPTY|EEXIST|directory/i),
      },
    ]);
    expect(existsSync(join(out, 'result.json'))).toBe(true);
    expect(readdirSync(out).sort()).toEqual(['result.json', 'taken.xml']);
  });
});
