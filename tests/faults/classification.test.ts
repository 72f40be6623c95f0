// Fault: answers that fail in every browser whatever their CORS headers
// (more redirects than Fetch follows), and requests bigger than Node's own
// parser takes. A redirect loop is an error with its cause, never "blocked";
// a request with 24 KiB of headers reaches the lab and is journaled, where
// Node's parser refused it with a 431 nobody saw.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../harness/result/result.ts';
import { runScenarios } from '../../harness/run/runner.ts';
import { loadScenarios } from '../../harness/scenario/loader.ts';
import { expectValidResult, tempCertDir, tempDir } from '../helpers.ts';

const pad = 'a'.repeat(8000);
const SCENARIOS = `
origins: { page: https://app.site-a.localhost, api: https://api.site-b.localhost }
scenarios:
  - id: redirect-loop
    title: the API redirects to itself forever (ACAO * on every hop)
    request: { target: api, path: /loop }
    server:
      api:
        /loop: { actual: { status: 302, headers: { Location: "{{base.api}}/loop", Access-Control-Allow-Origin: "*" } } }
    expect: { spec: blocked }
  - id: large-request-headers
    title: 24 KiB of author headers, all allowed
    request: { target: api, path: /big, headers: { X-A: "${pad}", X-B: "${pad}", X-C: "${pad}" } }
    server:
      api:
        /big:
          preflight: { headers: { Access-Control-Allow-Origin: "*", Access-Control-Allow-Headers: "x-a, x-b, x-c" } }
          actual: { headers: { Access-Control-Allow-Origin: "*" } }
    expect: { spec: allowed }
`;

describe('answers no browser takes, and large requests', () => {
  it('a redirect loop is an error naming the redirect limit in every engine; 24 KiB of request headers reach the lab', async () => {
    const file = join(tempDir('fault-classification'), 'network.yaml');
    writeFileSync(file, SCENARIOS);
    const { scenarios, problems } = loadScenarios([file]);
    expect(problems).toEqual([]);
    const result: RunResult = await runScenarios({
      scenarios,
      timeoutMs: 10_000,
      isolation: 'group',
      certDir: tempCertDir(),
    });
    expectValidResult(result);
    expect(result.engines.length).toBeGreaterThan(0);
    for (const cell of result.results.filter((entry) => entry.scenario === 'redirect-loop')) {
      expect(cell.outcome, `${cell.engine}: ${cell.explanation}`).toBe('error');
      expect(cell.explanation).toMatch(/Fetch follows at most 20 redirects/);
      expect(cell.evidence.journal.filter((entry) => entry.kind === 'request').length).toBeGreaterThan(20);
    }
    for (const cell of result.results.filter((entry) => entry.scenario === 'large-request-headers')) {
      expect(cell.outcome, `${cell.engine}: ${cell.explanation}`).toBe('allowed');
      expect(cell.evidence.journal.find((entry) => entry.kind === 'request')?.headers?.['x-c']).toHaveLength(8000);
    }
  }, 180_000);
});
