// Finding browsers: each local engine has drivers in order of preference (the
// system build first, Playwright's bundled build when it is installed); a
// remote engine is its WebDriver endpoint (remote.ts).
import { parseBuildName } from './builds/names.ts';
import type { RemoteEngineConfig } from './remote-config.ts';
import {
  ENGINE_IDS,
  type Discovery,
  type EngineDriver,
  type EngineFamily,
  type EngineId,
  type MissingEngine,
} from './types.ts';

// Loaded on demand: puppeteer-core and playwright-core are slow to import,
// and a run with --browsers chromium should not pay for the others.
const DRIVERS: Record<EngineFamily, (() => Promise<EngineDriver>)[]> = {
  chromium: [async () => (await import('./chromium.ts')).chromiumDriver],
  firefox: [
    async () => (await import('./firefox.ts')).firefoxDriver,
    async () => (await import('./playwright-bundled.ts')).playwrightFirefoxDriver,
  ],
  webkit: [
    async () => (await import('./webkit.ts')).webkitDriver,
    async () => (await import('./playwright-bundled.ts')).playwrightWebkitDriver,
  ],
};

export interface DiscoveredEngine {
  id: EngineId;
  discovery: Discovery;
  /** The driver to launch, when found. */
  driver?: EngineDriver;
}

/** The first driver that finds its browser, or the first driver's fix; a remote engine's endpoint, when `remote` configures the id. */
export async function discoverEngine(
  id: EngineId,
  remote: readonly RemoteEngineConfig[] = [],
): Promise<DiscoveredEngine> {
  const configured = remote.find((engine) => engine.id === id);
  if (configured) {
    const driver = (await import('./remote.ts')).remoteDriver(configured);
    const discovery = await driver.discover();
    return discovery.found ? { id, discovery, driver } : { id, discovery };
  }
  if (!(id in DRIVERS)) {
    const parsed = parseBuildName(id);
    if ('build' in parsed) {
      const driver = (await import('./builds/resolve.ts')).buildDriver(parsed.build);
      const discovery = await driver.discover();
      return discovery.found ? { id, discovery, driver } : { id, discovery };
    }
    if ('range' in parsed)
      return {
        id,
        discovery: {
          found: false,
          id,
          reason: `"${id}" is a range of builds`,
          fix: `name each build (${parsed.range.product}@${parsed.range.from},${parsed.range.product}@${parsed.range.to}); cors-lab research history takes ranges`,
        },
      };
    const known = [...ENGINE_IDS, ...remote.map((engine) => engine.id)].join(', ');
    return {
      id,
      discovery: {
        found: false,
        id,
        reason: `no engine is called "${id}" (known: ${known})`,
        fix: 'name a local engine or build (chromium@143, firefox@140), or configure a remote one with --remote or --remote-config',
      },
    };
  }
  let firstMiss: Discovery | undefined;
  for (const load of DRIVERS[id as EngineFamily]) {
    const driver = await load();
    const discovery = await driver.discover();
    if (discovery.found) return { id, discovery, driver };
    firstMiss ??= discovery;
  }
  return { id, discovery: firstMiss! };
}

export async function discoverAll(
  ids: readonly EngineId[] = ENGINE_IDS,
  remote: readonly RemoteEngineConfig[] = [],
): Promise<DiscoveredEngine[]> {
  return Promise.all(ids.map((id) => discoverEngine(id, remote)));
}

/** The engines a flow runs: those asked for, else every local engine and every remote one configured. */
export function enginesToRun(
  asked: readonly EngineId[] | undefined,
  remote: readonly RemoteEngineConfig[] = [],
): EngineId[] {
  return [...(asked ?? [...ENGINE_IDS, ...remote.map((engine) => engine.id)])];
}

/** The engines to run, and the ones asked for that are missing, each with why and the fix. */
export async function discoverForRun(
  ids: readonly EngineId[],
  remote: readonly RemoteEngineConfig[] = [],
): Promise<{ runnable: DiscoveredEngine[]; missing: MissingEngine[] }> {
  const discovered = await discoverAll(ids, remote);
  const missing = discovered.flatMap((engine) =>
    engine.discovery.found
      ? []
      : [{ id: engine.id, reason: engine.discovery.reason, fix: engine.discovery.fix, found: false }],
  );
  return { runnable: discovered.filter((engine) => engine.driver !== undefined), missing };
}
