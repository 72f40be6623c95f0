// The spec model against the catalog: every scenario that states its spec
// outcome must agree with what the model predicts, so the catalog and the
// model check each other without a browser.
import { describe, expect, it } from 'vitest';
import { BUILTIN_CATALOG } from '../../harness/package/root.ts';
import { labAddresses, SERVER_KEYS, type ServerKey } from '../../harness/lab/lab.ts';
import { predictScenario } from '../../harness/run/predict.ts';
import { loadScenarios } from '../../harness/scenario/loader.ts';

const ports = Object.fromEntries(SERVER_KEYS.map((key, index) => [key, 42000 + index])) as Record<ServerKey, number>;
const { scenarios: all } = loadScenarios([BUILTIN_CATALOG]);
// Middleware scenarios get their answers from a real middleware, not from the file (see tests/browsers/middleware.test.ts).
const scenarios = all.filter((scenario) => !scenario.middleware);

describe('the spec model predicts the catalog', () => {
  it('has scenarios that state their spec outcome', () => {
    expect(scenarios.filter((scenario) => scenario.expect.spec !== undefined).length).toBeGreaterThanOrEqual(150);
  });

  it.each(
    scenarios
      .filter((scenario) => scenario.expect.spec !== undefined)
      .map((scenario) => [scenario.id, scenario] as const),
  )('%s', (_id, scenario) => {
    const prediction = predictScenario(scenario, labAddresses(ports), 'n0');
    expect(prediction.outcome, prediction.explanation).toBe(scenario.expect.spec);
    expect(prediction.explanation).toMatch(/^(allowed|blocked|error): /);
    expect(prediction.steps.length).toBeGreaterThan(0);
  });
});

describe('scenarios/README.md', () => {
  it('names only scenario ids that exist', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(new URL('../../scenarios/README.md', import.meta.url), 'utf8');
    const ids = new Set(all.map((scenario) => scenario.id));
    const named = [...text.matchAll(/`([a-z0-9]+(?:-[a-z0-9]+)+)`/g)]
      .map((match) => match[1]!)
      .filter((name) => !name.includes('/'));
    expect(named.length).toBeGreaterThan(100);
    expect(named.filter((name) => !ids.has(name))).toEqual([]);
  });
});
