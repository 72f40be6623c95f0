// Finding browsers: each engine id has drivers in order of preference (the
// system build first, Playwright's bundled build when it is installed).
import { ENGINE_IDS, type Discovery, type EngineDriver, type EngineId, type MissingEngine } from './types.ts';

// Loaded on demand: puppeteer-core and playwright-core are slow to import,
// and a run with --browsers chromium should not pay for the others.
const DRIVERS: Record<EngineId, (() => Promise<EngineDriver>)[]> = {
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

/** The first driver that finds its browser, or the first driver's fix. */
export async function discoverEngine(id: EngineId): Promise<DiscoveredEngine> {
  let firstMiss: Discovery | undefined;
  for (const load of DRIVERS[id]) {
    const driver = await load();
    const discovery = await driver.discover();
    if (discovery.found) return { id, discovery, driver };
    firstMiss ??= discovery;
  }
  return { id, discovery: firstMiss! };
}

export async function discoverAll(ids: readonly EngineId[] = ENGINE_IDS): Promise<DiscoveredEngine[]> {
  return Promise.all(ids.map(discoverEngine));
}

/** The engines to run, and the ones asked for that are missing, each with why and the fix. */
export async function discoverForRun(ids: readonly EngineId[]): Promise<{ runnable: DiscoveredEngine[]; missing: MissingEngine[] }> {
  const discovered = await discoverAll(ids);
  const missing = discovered.flatMap((engine) => (engine.discovery.found ? [] : [{ id: engine.id, reason: engine.discovery.reason, fix: engine.discovery.fix, found: false }]));
  return { runnable: discovered.filter((engine) => engine.driver !== undefined), missing };
}
