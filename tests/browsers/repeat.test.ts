// --repeat: a middleware that allows every other request gives a flaky cell
// with each attempt's evidence; a steady one gives one cell with its count.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../harness/result/result.ts';
import { runCli, tempDir } from '../helpers.ts';

describe('run --repeat', () => {
  it('marks a cell whose attempts disagree flaky (not passing, not a finding) and keeps every attempt', async () => {
    const dir = tempDir('repeat');
    writeFileSync(
      join(dir, 'alternating.ts'),
      `// A middleware that allows the policy's origins on every other request only.
let requests = 0;
export default {
  name: 'alternating',
  version: 'alternating 1',
  create(policy: { origins?: string[] | string }, handler: (request: any, response: any) => void) {
    return (request: any, response: any) => {
      requests += 1;
      const origins = Array.isArray(policy.origins) ? policy.origins : [];
      if (requests % 2 === 1 && origins.includes(request.headers.origin)) response.setHeader('Access-Control-Allow-Origin', request.headers.origin);
      handler(request, response);
    };
  },
};
`,
    );
    writeFileSync(
      join(dir, 'steady.yaml'),
      `origins:
  page: https://app.site-a.localhost
  api: https://api.site-b.localhost
scenarios:
  - id: alternating-get
    title: the middleware allows every other request
    request: { target: api, path: /items }
    middleware: { policy: { origins: ["{{origin.page}}"] } }
    expect: { spec: allowed }
  - id: steady-star
    title: a wildcard answer, every time
    request: { target: api, path: /star }
    server: { api: { /star: { actual: { headers: { Access-Control-Allow-Origin: "*" } } } } }
    expect: { spec: allowed }
`,
    );
    const out = join(dir, 'out');
    const run = await runCli([
      'run',
      join(dir, 'steady.yaml'),
      '--middleware',
      join(dir, 'alternating.ts'),
      '--repeat',
      '4',
      '--browsers',
      'chromium',
      '--reporter',
      'json',
      '--out',
      out,
      '--no-color',
      '--wide',
    ]);
    expect(run.status, run.stderr).toBe(1);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
    const cell = (id: string) => result.results.find((candidate) => candidate.scenario === id)!;
    expect(cell('alternating-get')).toMatchObject({ verdict: 'flaky', matchesExpectation: false, attempts: 4 });
    expect(cell('alternating-get').flaky!.map((attempt) => attempt.outcome)).toEqual([
      'allowed',
      'blocked',
      'allowed',
      'blocked',
    ]);
    expect(
      cell('alternating-get').flaky!.every((attempt) => attempt.requestReached && attempt.journal.length > 0),
    ).toBe(true);
    expect(cell('steady-star')).toMatchObject({
      verdict: 'matches-spec',
      matchesExpectation: true,
      attempts: 4,
      outcome: 'allowed',
    });
    expect(cell('steady-star').flaky).toBeUndefined();
    expect(result.summary).toMatchObject({ flaky: 1, newFindings: 0, unexpected: 1, flakeRate: { chromium: 0.5 } });
    expect(result.options.repeat).toBe(4);
    expect(run.stdout).toContain(
      'Flaky (--repeat: the attempts disagreed; never counted as passing, never a finding):',
    );
    expect(run.stdout).toContain('alternating-get in alternating · chromium: allowed, blocked, allowed, blocked');
    expect(run.stdout).toMatch(/1 flaky \(chromium 50\.0%; 4 attempts each\)/);
    expect(run.stdout).not.toMatch(/Not as expected/);
  });

  it('refuses a repeat count that is not a whole number from 1 to 100', async () => {
    const run = await runCli(['run', '--repeat', '0']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--repeat.*a whole number from 1 to 100/);
  });
});
