// Stale knowledge is as bad as missing knowledge: the catalog scenarios in
// which a registry entry departs from the spec run in every engine, and each
// cell the registry speaks for must still give the entry's outcome. A
// failure names the entry and the browser build that no longer follows it.
import { describe, expect, it } from 'vitest';
import { labAddresses, SERVER_KEYS, type ServerKey } from '../../harness/lab/lab.ts';
import { BUILTIN_CATALOG } from '../../harness/package/root.ts';
import { predictAttempts, scenarioBehaviours } from '../../harness/run/predict.ts';
import { runScenarios } from '../../harness/run/runner.ts';
import { behaviourDeviation, builtInBehaviours } from '../../harness/scenario/behaviours.ts';
import {
  ENGINE_IDS,
  ENGINE_PROFILES,
  type BuildKind,
  type EngineFamily,
  type EngineProfile,
} from '../../harness/engines/types.ts';
import { installBuild } from '../../harness/engines/builds/install.ts';
import { canonicalName } from '../../harness/engines/builds/names.ts';
import { availableBuilds } from '../../harness/engines/builds/sources.ts';
import { loadScenarios } from '../../harness/scenario/loader.ts';
import { tempCertDir, tempDir } from '../helpers.ts';

const addresses = labAddresses(
  Object.fromEntries(SERVER_KEYS.map((key, index) => [key, 42000 + index])) as Record<ServerKey, number>,
);
/** The catalog scenarios in which an entry departs from the spec under `profile`. */
const exercisingIn = (profile: EngineProfile) =>
  loadScenarios([BUILTIN_CATALOG]).scenarios.filter((scenario) => {
    if (scenario.middleware) return false;
    const { last, answers } = predictAttempts(scenario, addresses, 'n0');
    const known = scenarioBehaviours(scenario, addresses, answers);
    return ENGINE_IDS.some(
      (engine) => behaviourDeviation(known, { family: engine, profile: profile }, last.outcome) !== undefined,
    );
  });

describe('the engine-behaviour registry against the engines', () => {
  it.each(ENGINE_PROFILES)(
    'every entry for the %s profile still holds in the builds on this machine',
    async (profile) => {
      const exercising = exercisingIn(profile);
      expect(exercising.length).toBeGreaterThanOrEqual(6);
      const result = await runScenarios({
        scenarios: exercising,
        profile,
        timeoutMs: 8000,
        isolation: 'group',
        certDir: tempCertDir(),
      });
      const fromRegistry = result.results.filter((cell) => cell.deviation?.note?.startsWith('known engine behaviour'));
      expect(fromRegistry.length).toBeGreaterThanOrEqual(exercising.length);
      for (const cell of fromRegistry) {
        const build = result.engines.find((engine) => engine.id === cell.engine)!;
        expect(
          cell.outcome,
          `${cell.deviation!.note} no longer holds in ${build.browser} ${build.version}, profile ${profile} (scenario ${cell.scenario}: ${cell.explanation})`,
        ).toBe(cell.deviation!.outcome);
      }
    },
    180_000,
  );
});

// Knowledge checked against history: an entry that says from which version
// (or before which) an engine behaves so is run in the build just before its
// bound and the build at it, fetched into a private build cache. A bound that
// is wrong fails here, naming the entry and both builds.
describe('registry version bounds against the builds on either side', () => {
  const bounded = builtInBehaviours().flatMap((behaviour) =>
    Object.entries(behaviour.versions ?? {}).flatMap(([family, range]) => [
      ...(range.from ? [{ behaviour, family: family as EngineFamily, bound: range.from, holdsFromBound: true }] : []),
      ...(range.before
        ? [{ behaviour, family: family as EngineFamily, bound: range.before, holdsFromBound: false }]
        : []),
    ]),
  );

  it('the registry has entries with version bounds', () => {
    expect(bounded.map(({ behaviour, family, bound }) => `${behaviour.id} ${family} ${bound}`).length).toBeGreaterThan(
      0,
    );
  });

  it.each(
    bounded.map(
      (entry) =>
        [
          `${entry.behaviour.id} (${entry.family} ${entry.holdsFromBound ? 'from' : 'before'} ${entry.bound})`,
          entry,
        ] as const,
    ),
  )(
    '%s: the build before the bound and the build at it differ as the entry says',
    async (_, { behaviour, family, bound, holdsFromBound }) => {
      const saved = process.env.CORS_LAB_CACHE;
      process.env.CORS_LAB_CACHE = tempDir('bound-builds');
      try {
        // The kind the entry speaks of; a bound on Chromium without one is checked on the headless shells, the builds the registries hold most of.
        const kind: BuildKind = behaviour.kinds?.[0] ?? (family === 'chromium' ? 'headless-shell' : 'full');
        const major = Number(bound.split('.')[0]);
        const { builds } = await availableBuilds(family, kind);
        const before = builds.filter((build) => build.major < major).at(-1);
        const at = builds.find((build) => build.major >= major);
        expect(before, `${behaviour.id}: no ${family} ${kind} build before ${bound} in the registries`).toBeDefined();
        expect(at, `${behaviour.id}: no ${family} ${kind} build from ${bound} on in the registries`).toBeDefined();
        for (const build of [before!, at!]) expect((await installBuild(build, () => {})).status).not.toBe('failed');
        const profile = behaviour.profiles?.[0] ?? 'defaults';
        const scenarios = loadScenarios([BUILTIN_CATALOG]).scenarios.filter((scenario) => {
          if (scenario.middleware) return false;
          // Where the entry departs from the spec: elsewhere both builds give the spec's outcome, and the bound shows nothing.
          const { last, answers } = predictAttempts(scenario, addresses, 'n0');
          return (
            last.outcome !== behaviour.outcome &&
            scenarioBehaviours(scenario, addresses, answers).some((entry) => entry.id === behaviour.id)
          );
        });
        expect(scenarios.length, `${behaviour.id}: no catalog scenario exercises it`).toBeGreaterThan(0);
        const names = [before!, at!].map((build) => canonicalName(build.family, build.kind, build.major));
        const result = await runScenarios({
          scenarios,
          engines: names,
          profile,
          timeoutMs: 8000,
          isolation: 'group',
          certDir: tempCertDir(),
        });
        expect(result.enginesMissing).toEqual([]);
        const [older, newer] = names.map((name) => result.engines.find((engine) => engine.id === name)!);
        for (const scenario of scenarios) {
          const cellIn = (engine: string) =>
            result.results.find((cell) => cell.scenario === scenario.id && cell.engine === engine)!;
          const [old, current] = [cellIn(older!.id), cellIn(newer!.id)];
          const [shows, lacks] = holdsFromBound ? [current, old] : [old, current];
          expect(
            shows.outcome,
            `${behaviour.id} should hold in ${(holdsFromBound ? newer : older)!.version} (${scenario.id}: ${shows.explanation})`,
          ).toBe(behaviour.outcome);
          expect(
            shows.matchesExpectation,
            `${behaviour.id} in ${(holdsFromBound ? newer : older)!.version}: ${shows.verdict}`,
          ).toBe(true);
          expect(
            lacks.outcome,
            `${behaviour.id} should not hold in ${(holdsFromBound ? older : newer)!.version}, but it does: its bound ${bound} is wrong (${scenario.id}: ${lacks.explanation})`,
          ).not.toBe(behaviour.outcome);
          expect(
            lacks.matchesExpectation,
            `${behaviour.id}: outside its bound the cell is held to the spec or another entry (${lacks.verdict})`,
          ).toBe(true);
        }
      } finally {
        if (saved === undefined) delete process.env.CORS_LAB_CACHE;
        else process.env.CORS_LAB_CACHE = saved;
      }
    },
    300_000,
  );
});

// Request-shape entries are knowledge too: each must still describe how the
// engines it names make their requests in the catalog scenarios where its
// condition holds, and those cells are left with no ? the registry cannot
// explain.
describe('request-shape entries against the engines', () => {
  it('every request-shape entry still describes how its engines make the request, in the builds on this machine', async () => {
    const entries = builtInBehaviours().filter((behaviour) => behaviour.requestShape);
    expect(entries.length).toBeGreaterThanOrEqual(4);
    const exercising = loadScenarios([BUILTIN_CATALOG]).scenarios.filter((scenario) => {
      if (scenario.middleware) return false;
      const { answers } = predictAttempts(scenario, addresses, 'n0');
      return scenarioBehaviours(scenario, addresses, answers).some((entry) => entry.requestShape);
    });
    const result = await runScenarios({
      scenarios: exercising,
      timeoutMs: 8000,
      isolation: 'group',
      certDir: tempCertDir(),
    });
    for (const entry of entries) {
      for (const engine of entry.engines) {
        const build = result.engines.find((found) => found.id === engine)!;
        const shown = result.results.filter(
          (cell) => cell.engine === engine && cell.knownRequestShape?.id === entry.id,
        );
        expect(
          shown.length,
          `${entry.id} no longer describes how ${build.browser} ${build.version} makes its requests (${entry.requestShape!.request} request, ${entry.requestShape!.field})`,
        ).toBeGreaterThan(0);
      }
    }
    expect(
      result.results
        .filter((cell) => cell.requestMismatch)
        .map((cell) => `${cell.scenario} ${cell.engine}: ${cell.requestMismatch}`),
    ).toEqual([]);
  }, 180_000);
});
