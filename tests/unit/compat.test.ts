// research compat's data and reading of it: every mapped BCD key exists in
// the installed @mdn/browser-compat-data and every scenario in the catalog;
// BCD claims at a version (flags, removal, ranges); and the study's verdicts
// from a recorded run (--from), without a browser.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { claimAt, compatOf } from '../../harness/research/bcd.ts';
import { loadCompatMap, scenariosOf } from '../../harness/scenario/compat-map.ts';
import { loadScenarios } from '../../harness/scenario/loader.ts';
import { BUILTIN_CATALOG } from '../../harness/package/root.ts';

const PACKAGE = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>;
};

describe('the BCD mapping (scenarios/compat.bcd.yaml)', () => {
  const features = loadCompatMap();
  const catalog = new Set(loadScenarios([BUILTIN_CATALOG]).scenarios.map((scenario) => scenario.id));

  it('names only keys the installed BCD has, each with at least one catalog scenario', () => {
    expect(features.length).toBeGreaterThanOrEqual(10);
    for (const feature of features) {
      expect(compatOf(feature.key), feature.key).toBeDefined();
      expect(scenariosOf(feature).length, feature.key).toBeGreaterThan(0);
      for (const scenario of scenariosOf(feature))
        expect(catalog.has(scenario), `${feature.key}: ${scenario}`).toBe(true);
    }
  });

  it('is a dependency of the package, so updating BCD is one line', () => {
    expect(PACKAGE.dependencies['@mdn/browser-compat-data']).toBeDefined();
  });

  it('is not read as a scenario file by the catalog loader', () => {
    expect(loadScenarios([BUILTIN_CATALOG]).problems).toEqual([]);
  });
});

describe('BCD claims at a version', () => {
  it('reads a support statement behind a preference as "not by default", with the preference', () => {
    const claim = claimAt(
      'http.headers.Access-Control-Allow-Headers.authorization_not_covered_by_wildcard',
      'firefox',
      '153.8.0',
    );
    expect(claim).toMatchObject({
      status: 'flag',
      since: '115',
      flags: [
        { type: 'preference', name: 'network.cors_preflight.authorization_covered_by_wildcard', valueToSet: 'false' },
      ],
    });
    expect(claim.text).toMatch(/not by default/);
    expect(
      claimAt('http.headers.Access-Control-Allow-Headers.authorization_not_covered_by_wildcard', 'chrome', '156')
        .status,
    ).toBe('not-supported');
  });

  it('says supported since a version at or after it, and not before', () => {
    expect(claimAt('http.headers.Access-Control-Allow-Headers.wildcard', 'firefox', '153.8.0')).toMatchObject({
      status: 'supported',
      since: '69',
    });
    expect(claimAt('http.headers.Access-Control-Allow-Headers.wildcard', 'firefox', '68').status).toBe('not-supported');
    expect(claimAt('api.Request.keepalive', 'firefox', '132').status).toBe('not-supported');
    expect(claimAt('api.Request.keepalive', 'firefox', '133').status).toBe('supported');
  });
});
