// The engine-behaviour registry (scenarios/engines.behaviours.yaml): it
// loads, each entry's condition is held against the request and answers the
// way the spec model sees them, and every entry is exercised by a catalog
// scenario, in each engine it names, where it predicts another outcome than
// the spec (whether the engines still do it is what a catalog run checks:
// a cell whose entry no longer holds is "not as expected").
import { describe, expect, it } from 'vitest';
import { labAddresses, SERVER_KEYS, type ServerKey } from '../../harness/lab/lab.ts';
import { BUILTIN_CATALOG } from '../../harness/package/root.ts';
import { predictAttempts, scenarioBehaviours } from '../../harness/run/predict.ts';
import {
  behaviourDeviation,
  behaviourIn,
  builtInBehaviours,
  compareVersions,
  loadBehaviours,
} from '../../harness/scenario/behaviours.ts';
import { loadScenarios } from '../../harness/scenario/loader.ts';
import { scenariosFrom } from '../helpers.ts';

const lab = labAddresses(
  Object.fromEntries(SERVER_KEYS.map((key, index) => [key, 42000 + index])) as Record<ServerKey, number>,
);
const predicted = (scenario: ReturnType<typeof scenariosFrom>[number]) => {
  const { last, answers } = predictAttempts(scenario, lab, 'n0');
  return { spec: last.outcome, known: scenarioBehaviours(scenario, lab, answers) };
};

describe('the engine-behaviour registry', () => {
  it('loads, and the catalog keeps no copy of it in its scenarios', () => {
    expect(builtInBehaviours().length).toBeGreaterThanOrEqual(6);
    const { scenarios } = loadScenarios([BUILTIN_CATALOG]);
    expect(
      scenarios.filter((scenario) => Object.keys(scenario.expect.deviations).length > 0).map((scenario) => scenario.id),
    ).toEqual([]);
  });

  const catalog = loadScenarios([BUILTIN_CATALOG]).scenarios.filter((scenario) => !scenario.middleware);
  const views = catalog.map((scenario) => ({ scenario, ...predicted(scenario) }));
  for (const behaviour of builtInBehaviours()) {
    for (const engine of behaviour.engines) {
      it(`${behaviour.id} is exercised in ${engine} by a catalog scenario where it departs from the spec`, () => {
        const profile = behaviour.profiles?.[0] ?? 'defaults';
        // An outcome entry where it changes the outcome; a request-shape entry wherever its condition holds (the browser test shows the request made so).
        const exercising = behaviour.requestShape
          ? views.filter((view) => view.known.some((entry) => entry.id === behaviour.id))
          : views.filter((view) =>
              behaviourDeviation(view.known, { family: engine, profile: profile }, view.spec)?.note?.includes(
                behaviour.id,
              ),
            );
        expect(exercising.map((view) => view.scenario.id).length, behaviour.id).toBeGreaterThan(0);
      });
    }
  }

  it("applies to a user's own scenario written differently from the catalog's", () => {
    const [authorization, font, sameOriginFont] = scenariosFrom(`
origins: { page: https://app.site-a.localhost, api: https://api.site-b.localhost:alt, cdn: https://cdn.site-b.localhost }
scenarios:
  - id: my-bearer
    title: our API takes a bearer token under ACAH *
    request: { target: api, path: /v1/me, method: PATCH, headers: { authorization: "Bearer t", Content-Type: application/json }, body: "{}" }
    server: { api: { /v1/me: { preflight: { headers: { Access-Control-Allow-Origin: "{{origin.page}}", Access-Control-Allow-Methods: PATCH, Access-Control-Allow-Headers: "*" } }, actual: { headers: { Access-Control-Allow-Origin: "{{origin.page}}" } } } } }
  - id: my-font
    title: our font without ACAO
    request: { kind: font, fontVia: font-face-api, target: cdn, path: /f.otf }
    server: { cdn: { /f.otf: { actual: { asset: otf, headers: { Cache-Control: max-age=60 } } } } }
  - id: my-same-origin-font
    title: a same-origin font
    request: { kind: font, target: page, path: /f.otf }
    server: { page: { /f.otf: { actual: { asset: otf } } } }
`);
    const bearer = predicted(authorization!);
    expect(bearer.spec).toBe('blocked');
    for (const engine of ['chromium', 'firefox', 'webkit'] as const) {
      expect(behaviourDeviation(bearer.known, { family: engine, profile: 'defaults' }, bearer.spec)).toMatchObject({
        outcome: 'allowed',
        source: expect.stringContaining('whatwg/fetch/issues/1919'),
        note: expect.stringContaining('acah-star-covers-authorization'),
      });
    }
    const fontView = predicted(font!);
    expect(behaviourDeviation(fontView.known, { family: 'webkit', profile: 'defaults' }, fontView.spec)).toMatchObject({
      outcome: 'allowed',
    });
    expect(
      behaviourDeviation(fontView.known, { family: 'chromium', profile: 'defaults' }, fontView.spec),
    ).toBeUndefined();
    // An entry that agrees with the spec adds nothing to the cell.
    const same = predicted(sameOriginFont!);
    expect(same.spec).toBe('allowed');
    expect(behaviourDeviation(same.known, { family: 'webkit', profile: 'defaults' }, same.spec)).toBeUndefined();
  });

  it('with credentials, ACAH * is no wildcard in the spec or the engines: the entry does not apply', () => {
    const [withCredentials] = scenariosFrom(`
origins: { page: https://app.site-a.localhost, api: https://api.site-b.localhost }
scenarios:
  - id: credentialed-bearer
    title: bearer token with credentials under ACAH *
    request: { target: api, path: /d, headers: { Authorization: "Bearer t" }, credentials: include }
    server: { api: { /d: { preflight: { headers: { Access-Control-Allow-Origin: "{{origin.page}}", Access-Control-Allow-Credentials: "true", Access-Control-Allow-Headers: "*" } } } } }
`);
    const view = predicted(withCredentials!);
    expect(behaviourDeviation(view.known, { family: 'chromium', profile: 'defaults' }, view.spec)).toBeUndefined();
  });

  it('applies to the builds in its version range, comparing dotted numbers', () => {
    const { behaviours, problems } = loadBehaviours(
      'v.behaviours.yaml',
      `behaviours:
  - { id: old-webkit, title: t, engines: [webkit, chromium], outcome: allowed, when: {}, source: s, versions: { webkit: { before: "2.50" }, chromium: { from: "156" } } }
`,
    );
    expect(problems).toEqual([]);
    const applies = (id: 'webkit' | 'chromium', version?: string) =>
      behaviourIn(behaviours, { family: id, profile: 'defaults', ...(version ? { version } : {}) }) !== undefined;
    expect([applies('webkit', '2.48.3'), applies('webkit', '2.50.6'), applies('webkit', '2.50')]).toEqual([
      true,
      false,
      false,
    ]);
    expect([applies('chromium', '155.9.1'), applies('chromium', '156.0.8078.114'), applies('chromium', '157')]).toEqual(
      [false, true, true],
    );
    // Without a build (a static check), the range is not applied.
    expect(applies('webkit')).toBe(true);
    expect(compareVersions('153.8.0esr', '153.10')).toBeLessThan(0);
  });

  it('names the file and the field of a broken registry', () => {
    const { problems } = loadBehaviours(
      'mine.behaviours.yaml',
      'behaviours:\n  - { id: x, title: t, engines: [opera], outcome: allowed, when: { knd: [font] }, source: s }\n',
    );
    expect(problems.map((problem) => `${problem.file}: ${problem.field}`)).toEqual(
      expect.arrayContaining([
        'mine.behaviours.yaml: behaviours.0.engines.0',
        'mine.behaviours.yaml: behaviours.0.when',
      ]),
    );
  });
});
