// Playwright's own Firefox and WebKit builds, used when they are installed
// (`npx playwright install` on a machine with internet). They are patched
// builds, so results name them as such. Playwright cannot add a CA to these
// builds' profiles, so trust here is `ignoreHTTPSErrors`: every certificate is
// accepted, which the engine info states.
import { firefox, webkit, type BrowserType } from 'playwright-core';
import { PlaywrightEngine } from './playwright-engine.ts';
import { onInterrupt } from './cleanup.ts';
import { playwrightBundled } from './system.ts';
import type { Discovery, EngineDriver, EngineFamily, LaunchedEngine, LaunchOptions } from './types.ts';

function bundledDriver(id: EngineFamily, type: BrowserType, browserName: string): EngineDriver {
  return {
    id,
    mapsHostnames: false,
    async discover(): Promise<Discovery> {
      const path = playwrightBundled(() => type.executablePath());
      if (path) return { found: true, id, executablePath: path, driver: 'playwright (bundled build)' };
      return {
        found: false,
        id,
        reason: `Playwright's ${browserName} build is not installed`,
        fix: `npx playwright install ${type.name()}   (needs internet)`,
      };
    },
    async launch(options: LaunchOptions): Promise<LaunchedEngine> {
      const browser = await type.launch({
        headless: true,
        timeout: options.timeoutMs,
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
        env: { ...process.env, ...options.env },
      });
      const stopInterrupt = onInterrupt(() => browser.close());
      return new PlaywrightEngine(
        browser,
        {
          id,
          family: id,
          browser: `${browserName} (Playwright build)`,
          version: browser.version(),
          driver: 'playwright (bundled build)',
          trust: 'ignoreHTTPSErrors: every certificate accepted (not scoped to the lab CA)',
          executablePath: type.executablePath(),
          profile: options.profile ?? 'defaults',
          cookieSettings: 'Playwright build defaults (its Firefox changes cookie prefs; not adjusted per profile)',
        },
        stopInterrupt,
        { contextOptions: { ignoreHTTPSErrors: true } },
      );
    },
  };
}

export const playwrightFirefoxDriver = bundledDriver('firefox', firefox, 'Firefox');
export const playwrightWebkitDriver = bundledDriver('webkit', webkit, 'WebKit');
