// Stale knowledge is as bad as missing knowledge: the catalog scenarios in
// which a registry entry departs from the spec run in every engine, and each
// cell the registry speaks for must still give the entry's outcome. A
// failure names the entry and the browser build that no longer follows it.
import { describe, expect, it } from 'vitest';
import { labAddresses, SERVER_KEYS, type ServerKey } from '../../harness/lab/lab.ts';
import { BUILTIN_CATALOG } from '../../harness/package/root.ts';
import { predictAttempts, scenarioBehaviours } from '../../harness/run/predict.ts';
import { runScenarios } from '../../harness/run/runner.ts';
import { behaviourDeviation } from '../../harness/scenario/behaviours.ts';
import { ENGINE_IDS, ENGINE_PROFILES, type EngineProfile } from '../../harness/engines/types.ts';
import { loadScenarios } from '../../harness/scenario/loader.ts';
import { tempCertDir } from '../helpers.ts';

const addresses = labAddresses(Object.fromEntries(SERVER_KEYS.map((key, index) => [key, 42000 + index])) as Record<ServerKey, number>);
/** The catalog scenarios in which an entry departs from the spec under `profile`. */
const exercisingIn = (profile: EngineProfile) => loadScenarios([BUILTIN_CATALOG]).scenarios.filter((scenario) => {
  if (scenario.middleware) return false;
  const { last, answers } = predictAttempts(scenario, addresses, 'n0');
  const known = scenarioBehaviours(scenario, addresses, answers);
  return ENGINE_IDS.some((engine) => behaviourDeviation(known, { family: engine, profile: profile }, last.outcome) !== undefined);
});

describe('the engine-behaviour registry against the engines', () => {
  it.each(ENGINE_PROFILES)('every entry for the %s profile still holds in the builds on this machine', async (profile) => {
    const exercising = exercisingIn(profile);
    expect(exercising.length).toBeGreaterThanOrEqual(6);
    const result = await runScenarios({ scenarios: exercising, profile, timeoutMs: 8000, isolation: 'group', certDir: tempCertDir() });
    const fromRegistry = result.results.filter((cell) => cell.deviation?.note?.startsWith('known engine behaviour'));
    expect(fromRegistry.length).toBeGreaterThanOrEqual(exercising.length);
    for (const cell of fromRegistry) {
      const build = result.engines.find((engine) => engine.id === cell.engine)!;
      expect(cell.outcome, `${cell.deviation!.note} no longer holds in ${build.browser} ${build.version}, profile ${profile} (scenario ${cell.scenario}: ${cell.explanation})`).toBe(cell.deviation!.outcome);
    }
  }, 180_000);
});
