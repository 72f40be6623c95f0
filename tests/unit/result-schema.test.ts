// scenarios/result.schema.json is the published schema of result.json: it is
// generated from the result's TypeScript types (npm run schema) and must be
// current. Real results of every kind are validated against it where the
// tests produce them (check CLI, research CLI, run --middleware, the engine
// start test and every command in the package test).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resultJsonSchemaText } from '../../harness/result/json-schema.ts';
import { resultReferenceMarkdown } from '../../harness/result/reference.ts';
import { expectValidResult } from '../helpers.ts';

const minimal = {
  schemaVersion: 3,
  kind: 'run',
  tool: { name: 'cors-lab', version: '0.1.0' },
  runInfo: {
    scenarioSet: { hash: 'sha256:0', rows: 0 },
    os: { platform: 'linux', release: '6', arch: 'x64' },
    node: 'v24.0.0',
  },
  startedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 1,
  options: { isolation: 'group', timeoutMs: 1000, profile: 'defaults' },
  engines: [],
  enginesMissing: [{ id: 'webkit', reason: 'not installed', fix: 'npx cors-lab install-browsers', found: false }],
  scenarios: [],
  results: [],
  summary: { total: 0, allowed: 0, blocked: 0, error: 0, unexpected: 0, knownDeviations: 0, newFindings: 0 },
};

describe('the result schema', () => {
  it('is generated from the current types (run npm run schema after changing them)', () => {
    expect(readFileSync(new URL('../../scenarios/result.schema.json', import.meta.url), 'utf8')).toBe(
      resultJsonSchemaText(),
    );
  });

  it('has a reference page listing every field, written from it (run npm run schema after changing the types)', () => {
    const page = readFileSync(new URL('../../docs/reference/result-json.md', import.meta.url), 'utf8');
    expect(page).toBe(resultReferenceMarkdown());
    // The fields a reader looks for first, each under its kind's heading, with the types' own words.
    const section = (heading: string) => page.split('\n## ').find((part) => part.startsWith(heading)) ?? '';
    expect(section('Every kind')).toMatch(
      /^\| `results\.outcome` \| `"allowed"` \\\| `"blocked"` \\\| `"error"` \| yes \|/m,
    );
    expect(section('Every kind')).toMatch(/^\| `results\.evidence\.journal\.url` \|/m);
    expect(section('A check result')).toMatch(/^\| `check\.findings\.fix` \|/m);
    expect(section('A check result')).not.toMatch(/^\| `results\.outcome`/m);
    expect(page).not.toMatch(/\| [^|]*"npm \|/); // a description cut at an @ (a JSDoc tag to the generator)
  });

  it('takes a valid result and names what is wrong in an invalid one', () => {
    expect(() => expectValidResult(minimal)).not.toThrow();
    expect(() => expectValidResult({ ...minimal, kind: 'nonsense' })).toThrow(
      /\/kind must be equal to constant \{"allowedValue":"run"\}/,
    );
    // A research result carries no matrix, and a check must have its section.
    expect(() => expectValidResult({ ...minimal, kind: 'research', research: {} })).toThrow(
      /must NOT have additional properties \{"additionalProperty":"scenarios"\}/,
    );
    expect(() => expectValidResult({ ...minimal, kind: 'check' })).toThrow(/must have required property 'check'/);
    const { kind: _, ...noKind } = minimal;
    expect(() => expectValidResult(noKind)).toThrow(/must have required property 'kind'/);
    expect(() => expectValidResult({ ...minimal, extra: 1 })).toThrow(/must NOT have additional properties/);
    expect(() => expectValidResult({ ...minimal, enginesMissing: [{ id: 'webkit', reason: 'x', fix: 'y' }] })).toThrow(
      /\/enginesMissing\/0 must have required property 'found'/,
    );
  });
});
