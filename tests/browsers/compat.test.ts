// research compat in the real engines: the catalog cells behind each BCD
// feature, BCD's claim at each engine's version, the verdicts, and the
// Firefox preference behind BCD's Authorization claim measured both ways.
// Then the same study from the run's result (--from), without a browser.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ResearchResult, RunResult } from '../../harness/result/result.ts';
import type { CompatStudy, CompatVerdictRow } from '../../harness/result/research.ts';
import { expectValidResult, runCli, tempDir } from '../helpers.ts';

const AUTHORIZATION = 'http.headers.Access-Control-Allow-Headers.authorization_not_covered_by_wildcard';
let dir = '';
let study: CompatStudy;
let stdout = '';

const row = (of: CompatStudy, key: string, engine: string): CompatVerdictRow =>
  of.features.find((feature) => feature.key === key)!.engines.find((entry) => entry.engine === engine)!;

beforeAll(async () => {
  dir = tempDir('compat');
  const run = await runCli(['research', 'compat', '--reporter', 'json,markdown,html', '--out', join(dir, 'study')]);
  expect(run.status, run.stderr).toBe(0);
  stdout = run.stdout;
  const result = JSON.parse(readFileSync(join(dir, 'study', 'result.json'), 'utf8')) as ResearchResult;
  expectValidResult(result);
  study = result.research.compat!;
}, 300_000);

describe('research compat', () => {
  it('names the BCD release and holds every mapped feature against every engine', () => {
    const installed = JSON.parse(
      readFileSync(new URL('../../node_modules/@mdn/browser-compat-data/package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    expect(study.bcd.version).toBe(installed.version);
    expect(study.source).toEqual({ kind: 'run' });
    for (const feature of study.features)
      expect(feature.engines.map((entry) => entry.engine)).toEqual(['chromium', 'firefox', 'webkit']);
    // WebKitGTK is compared with Safari's data, and says so.
    expect(row(study, 'http.headers.Access-Control-Allow-Headers.wildcard', 'webkit').comparedWith).toMatch(
      /is not Safari: compared with Safari [\d.]+'s data/,
    );
    expect(row(study, 'http.headers.Access-Control-Allow-Headers.wildcard', 'chromium')).toMatchObject({
      verdict: 'agree',
      claim: { browser: 'chrome', status: 'supported' },
      measured: { supported: true },
    });
  });

  it("explains BCD's Firefox Authorization claim by measuring its preference both ways", () => {
    const firefox = row(study, AUTHORIZATION, 'firefox');
    // BCD: only with network.cors_preflight.authorization_covered_by_wildcard = false; by default Authorization passes through *.
    expect(firefox.claim).toMatchObject({
      status: 'flag',
      flags: [{ name: 'network.cors_preflight.authorization_covered_by_wildcard', valueToSet: 'false' }],
    });
    expect(firefox.measured.supported).toBe(false);
    expect(firefox.verdict).toBe('agree');
    // With the preference set, Firefox refuses Authorization under *: the data's flag is right.
    expect(firefox.flagRun).toMatchObject({
      setting: 'network.cors_preflight.authorization_covered_by_wildcard=false',
      supported: true,
      matchesClaim: true,
    });
    expect(row(study, AUTHORIZATION, 'chromium')).toMatchObject({
      verdict: 'agree',
      claim: { status: 'not-supported' },
      measured: { supported: false },
    });
  });

  it('gives every disagreement a diagnosis that says what was tried', () => {
    for (const entry of study.features
      .flatMap((feature) => feature.engines)
      .filter((candidate) => candidate.verdict === 'disagree')) {
      expect(entry.diagnosis).toMatch(/The engine did: .*BCD says: .*Tried: .*(Explained by|Cause unknown)/);
    }
  });

  it('prints a compact view in the terminal, and the table and sections in the reports', () => {
    expect(stdout).toMatch(new RegExp(`^${AUTHORIZATION.replace(/\./g, '\\.')}$`, 'm'));
    expect(stdout).toMatch(
      /^ {2}= firefox +measured no +BCD flag: network\.cors_preflight\.authorization_covered_by_wildcard=/m,
    );
    expect(stdout).toMatch(/^ +with that preference set: measured yes, as BCD says$/m);
    expect(stdout).toMatch(/^ {2}webkit against safari [\d.]+'s data \(WebKitGTK MiniBrowser is not Safari\)$/m);
    expect(Math.max(...stdout.split('\n').map((line) => line.length))).toBeLessThanOrEqual(100);
    const markdown = readFileSync(join(dir, 'study', 'report.md'), 'utf8');
    expect(markdown).toMatch(/\| feature \| engine \| BCD claim \| measured \| verdict \| evidence \|/);
    expect(markdown).toContain(`| \`${AUTHORIZATION}\` | firefox |`);
    const html = readFileSync(join(dir, 'study', 'report.html'), 'utf8');
    expect(html).toContain('id="bcd-http-headers-Access-Control-Allow-Headers-authorization_not_covered_by_wildcard"');
  });

  it('reads the cells of a run with --from, runs no browser, and says the preference run was not made', async () => {
    const run = await runCli([
      'run',
      join(new URL('../../scenarios/wildcards', import.meta.url).pathname),
      '--browsers',
      'firefox',
      '--reporter',
      'json,html',
      '--out',
      join(dir, 'run'),
    ]);
    expect(run.status, run.stderr).toBe(0);
    // The run itself holds its BCD features against the data, and its HTML rows link to them.
    const ran = JSON.parse(readFileSync(join(dir, 'run', 'result.json'), 'utf8')) as RunResult;
    expect(ran.compat?.features.map((feature) => feature.key).sort()).toEqual([
      AUTHORIZATION,
      'http.headers.Access-Control-Allow-Headers.wildcard',
      'http.headers.Access-Control-Allow-Methods.wildcard',
      'http.headers.Access-Control-Expose-Headers.wildcard',
    ]);
    expect(row(ran.compat!, AUTHORIZATION, 'firefox').verdict).toBe('agree');
    const html = readFileSync(join(dir, 'run', 'report.html'), 'utf8');
    expect(html).toContain(
      `id="${'bcd-http-headers-Access-Control-Allow-Headers-authorization_not_covered_by_wildcard'}"`,
    );
    expect(html).toContain('"anchor":"bcd-http-headers-Access-Control-Allow-Headers-wildcard"');
    const started = performance.now();
    const from = await runCli([
      'research',
      'compat',
      '--from',
      join(dir, 'run', 'result.json'),
      '--reporter',
      'json',
      '--out',
      join(dir, 'from'),
    ]);
    expect(from.status, from.stderr).toBe(0);
    expect(performance.now() - started).toBeLessThan(60_000);
    const read = (JSON.parse(readFileSync(join(dir, 'from', 'result.json'), 'utf8')) as ResearchResult).research
      .compat!;
    expect(read.source).toEqual({ kind: 'file', file: join(dir, 'run', 'result.json') });
    expect(row(read, AUTHORIZATION, 'firefox')).toMatchObject({
      verdict: 'agree',
      flagRun: { notRun: expect.stringMatching(/--from/) },
    });
    // A feature whose scenarios the run did not hold is not comparable, and says why.
    expect(row(read, 'api.FontFace', 'firefox')).toMatchObject({
      verdict: 'not comparable',
      reason: expect.stringMatching(/^not measured: /),
    });
  }, 120_000);
});
