// The middleware conformance profile against the four real middlewares, in
// every engine: one report whose columns are middleware × engine.
import { describe, expect, it } from 'vitest';
import { ENGINE_IDS } from '../../harness/engines/types.ts';
import { runWithMiddlewares } from '../../harness/middleware/compare.ts';
import { BUILTIN_ADAPTERS } from '../../harness/middleware/registry.ts';
import type { RunResult } from '../../harness/result/result.ts';
import { loadScenarios } from '../../harness/scenario/loader.ts';
import { BUILTIN_CATALOG } from '../../harness/package/root.ts';
import { expectValidResult, tempCertDir } from '../helpers.ts';

const { scenarios } = loadScenarios([`${BUILTIN_CATALOG}/middleware`]);

function outcomes(result: RunResult, scenario: string, variant: string): string[] {
  return result.results
    .filter((cell) => cell.scenario === scenario && cell.variant === variant)
    .map((cell) => cell.outcome);
}

describe('the middleware profile', () => {
  it('runs against cors, @fastify/cors, hono and @koa/cors with no error cells, and shows where they differ', async () => {
    const adapters = Object.values(BUILTIN_ADAPTERS);
    const result = await runWithMiddlewares({
      scenarios,
      adapters,
      timeoutMs: 8000,
      isolation: 'group',
      certDir: tempCertDir(),
    });
    expect(result.middleware!.variants.map((variant) => variant.id)).toEqual([
      'cors',
      '@fastify/cors',
      'hono',
      '@koa/cors',
    ]);
    // Versions come from the installed packages.
    for (const variant of result.middleware!.variants)
      expect(variant.version).toMatch(/^\S+ \d+\.\d+\.\d+ on \S+ \d+\.\d+\.\d+$/);
    expect(result.results).toHaveLength(scenarios.length * adapters.length * ENGINE_IDS.length);
    expect(result.summary.error).toBe(0);

    const all = ['allowed', 'allowed', 'allowed'];
    const none = ['blocked', 'blocked', 'blocked'];
    // @fastify/cors 11's default methods leave out PUT.
    expect(outcomes(result, 'mw-methods-put-default', '@fastify/cors')).toEqual(none);
    for (const other of ['cors', 'hono', '@koa/cors'])
      expect(outcomes(result, 'mw-methods-put-default', other)).toEqual(all);
    // @koa/cors with credentials and no origin reflects any origin.
    expect(outcomes(result, 'mw-credentials-default-origin-foreign', '@koa/cors')).toEqual(all);
    for (const other of ['cors', '@fastify/cors', 'hono'])
      expect(outcomes(result, 'mw-credentials-default-origin-foreign', other)).toEqual(none);
    // Max-Age 0: @koa/cors sends no header, so browsers cache the preflight for their default 5 s.
    expect(outcomes(result, 'mw-max-age-0', '@koa/cors')).toEqual(all);
    for (const other of ['cors', '@fastify/cors', 'hono'])
      expect(outcomes(result, 'mw-max-age-0', other)).toEqual(none);
    const koaMaxAge = result.results.find((cell) => cell.scenario === 'mw-max-age-0' && cell.variant === '@koa/cors')!;
    expect(koaMaxAge.evidence.journal.filter((entry) => entry.kind === 'preflight')).toHaveLength(1);

    // Hygiene comes from the middlewares' own answers in the journal.
    const hygiene = (variant: string) =>
      result.middleware!.variants.find((candidate) => candidate.id === variant)!.hygiene.map((finding) => finding.rule);
    expect(hygiene('@koa/cors')).toContain('handler-on-refused-preflight');
    expect(hygiene('@fastify/cors')).toContain('options-not-preflight');
    expect(hygiene('cors')).not.toContain('preflight-204-content-length');
    expect(result.middleware!.variants.find((variant) => variant.id === '@koa/cors')!.privateNetwork).toMatch(
      /answers Access-Control-Allow-Private-Network: true/,
    );
    expect(result.scenarios.find((row) => row.id === 'mw-allowlist-first-origin')!.middlewarePolicy!.origins).toEqual([
      expect.stringMatching(/^https:\/\/app\.site-a\.localhost:\d+$/),
      expect.stringMatching(/^https:\/\/admin\.site-c\.localhost:\d+$/),
    ]);
    // The spec column's explanation names the policy's origins as they are, not as templates.
    const explanation = result.scenarios.find((row) => row.id === 'mw-allowlist-first-origin')!.specModel.explanation;
    expect(explanation).toMatch(/^what the policy intends \(origins \[?https:\/\/app\.site-a\.localhost:\d+/);
    expect(result.scenarios.filter((row) => row.specModel.explanation.includes('{{'))).toEqual([]);
  });
});

describe('a custom adapter', () => {
  it('runs the profile against ./examples/middleware-author/adapter.ts from the command line, and names it in the report', async () => {
    const { readFileSync } = await import('node:fs');
    const { expectValidResult, PROJECT_ROOT, runCli, tempDir } = await import('../helpers.ts');
    const out = tempDir('custom-adapter');
    const { status } = await runCli(
      [
        'run',
        `${BUILTIN_CATALOG}/middleware`,
        '--middleware',
        './examples/middleware-author/adapter.ts',
        '--browsers',
        'chromium',
        '--out',
        out,
      ],
      { cwd: PROJECT_ROOT },
    );
    const result = JSON.parse(readFileSync(`${out}/result.json`, 'utf8')) as RunResult;
    expectValidResult(result);
    expect(result.middleware!.variants).toMatchObject([{ id: 'simple-cors', version: 'simple-cors 0.0.1 (example)' }]);
    expect(result.summary.error).toBe(0);
    // simple-cors has no "reflect": the profile shows it, so the run is not a pass.
    expect(outcomes(result, 'mw-reflect-origin', 'simple-cors')).toEqual(['blocked']);
    expect(outcomes(result, 'mw-allowlist-first-origin', 'simple-cors')).toEqual(['allowed']);
    expect(status).toBe(1);
  });
});

describe('a scenario that names its middleware', () => {
  it('runs without --middleware, and the journal shows the real middleware answering', async () => {
    const { scenariosFrom } = await import('../helpers.ts');
    const { runScenarios } = await import('../../harness/run/runner.ts');
    const own = scenariosFrom(`
origins: { page: https://evil.site-e.localhost, api: https://api.site-b.localhost }
scenarios:
  - id: koa-reflects-with-credentials
    title: "@koa/cors with credentials and no origin reflects a foreign page"
    request: { target: api, path: /me, credentials: include }
    middleware: { use: "@koa/cors", policy: { credentials: true } }
    expect: { spec: blocked }
`);
    const result = await runScenarios({
      scenarios: own,
      engines: ['chromium'],
      timeoutMs: 8000,
      isolation: 'group',
      certDir: tempCertDir(),
    });
    const [cell] = result.results;
    expect(cell).toMatchObject({ outcome: 'allowed', matchesExpectation: false });
    const answer = cell!.evidence.journal.find((entry) => entry.kind === 'request')!;
    expect(answer.responseHeaders!['access-control-allow-origin']).toBe(answer.headers!.origin);
    expect(answer.responseHeaders!['x-cors-lab-handler']).toBe('ran');
    // What was measured is recorded: the middleware and its version, in the result and the report.
    const koa = BUILTIN_ADAPTERS['@koa/cors']!;
    expect(result.scenarioMiddlewares).toEqual([
      { id: '@koa/cors', version: koa.version, scenarios: ['koa-reflects-with-credentials'] },
    ]);
    expect(result.middleware).toBeUndefined();
    expectValidResult(result);
    const { renderTerminal } = await import('../../reports/terminal.ts');
    expect(renderTerminal(result, { color: false, width: 120 })).toContain(
      `Middlewares\n  @koa/cors: ${koa.version}; named by koa-reflects-with-credentials`,
    );
  });
});
