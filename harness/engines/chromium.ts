// Chromium through Playwright with an explicit executablePath (Debian's
// `chromium`), or Playwright's bundled Chromium when that is installed.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { onInterrupt } from './cleanup.ts';
import { firstExisting, playwrightBundled } from './discovery.ts';
import { withTimeout } from './system.ts';
import type { ConsoleEntry, Discovery, EngineContext, EngineDriver, LaunchedEngine, LaunchOptions } from './types.ts';

const SYSTEM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Features disabled because they call home or show UI; none changes CORS, cookies or storage. */
const QUIET_FEATURES = [
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
  'MediaRouter',
  'LensOverlay',
  'DestroyProfileOnBrowserClose',
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'PaintHolding',
];

export const chromiumDriver: EngineDriver = {
  id: 'chromium',

  async discover(): Promise<Discovery> {
    const system = firstExisting([process.env.CORS_LAB_CHROMIUM, ...SYSTEM_PATHS]);
    if (system) return { found: true, id: 'chromium', executablePath: system, driver: "playwright (executablePath; Playwright's behaviour-changing --disable-features replaced)" };
    const bundled = playwrightBundled(() => chromium.executablePath());
    if (bundled) return { found: true, id: 'chromium', executablePath: bundled, driver: 'playwright (bundled build)' };
    return {
      found: false,
      id: 'chromium',
      reason: 'no Chromium found (looked in /usr/bin and Playwright\'s browser cache; CORS_LAB_CHROMIUM overrides)',
      fix: 'npx cors-lab install-browsers   (as root: apt-get install chromium)',
    };
  },

  async launch(options: LaunchOptions): Promise<LaunchedEngine> {
    const found = await this.discover();
    if (!found.found) throw new Error(found.reason);
    const profile = options.profile ?? 'defaults';
    // No cookie flag is passed in any profile: what Chromium does with
    // third-party cookies is its own default, measured by the cookie scenarios.
    const cookieSettings = "Chromium's built-in cookie defaults (cors-lab passes no third-party-cookie flags or policies)";
    const browser = await chromium.launch({
      executablePath: existsSync(found.executablePath) ? found.executablePath : undefined,
      headless: true,
      timeout: options.timeoutMs,
      // cors-lab's own handlers close every engine on a signal (cleanup.ts).
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      env: { ...process.env, ...options.env },
      args: [
        // Scoped trust: certificate errors are ignored only for chains whose
        // SPKI is the lab CA's or the lab leaf's. Other CAs still fail.
        `--ignore-certificate-errors-spki-list=${options.trust.spkiHashes.join(',')}`,
        // This machine has no network: keep Chromium from calling home.
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
        // Playwright's default --disable-features also turns off features that
        // change what is measured (ThirdPartyStoragePartitioning,
        // AvoidCorsURLLoaderRestartOnRedirect, HttpsUpgrades). Chromium keeps
        // the last value of a repeated switch, so this list replaces it with
        // only the features that quiet the network or the UI.
        `--disable-features=${QUIET_FEATURES.join(',')}`,
        ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      ],
    });
    const stopInterrupt = onInterrupt(() => browser.close());
    return new PlaywrightEngine(browser, {
      id: 'chromium',
      browser: found.driver.includes('bundled') ? 'Chromium (Playwright build)' : 'Chromium',
      version: browser.version(),
      driver: found.driver,
      trust: 'lab CA and leaf SPKI in --ignore-certificate-errors-spki-list (this browser only)',
      executablePath: found.executablePath,
      profile,
      cookieSettings,
    }, stopInterrupt);
  },
};

/** A launched Playwright browser; shared with the bundled-browser drivers. */
export class PlaywrightEngine implements LaunchedEngine {
  readonly info: LaunchedEngine['info'];
  readonly #browser: Browser;
  readonly #stopInterrupt: () => void;
  #closed = false;

  readonly #contextOptions: { ignoreHTTPSErrors: boolean };

  constructor(
    browser: Browser,
    info: LaunchedEngine['info'],
    stopInterrupt: () => void,
    contextOptions = { ignoreHTTPSErrors: false },
  ) {
    this.#browser = browser;
    this.#contextOptions = contextOptions;
    this.info = info;
    this.#stopInterrupt = stopInterrupt;
  }

  async newContext(): Promise<EngineContext> {
    const context = await this.#browser.newContext(this.#contextOptions);
    const page = await context.newPage();
    return new PlaywrightContext(context, page);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopInterrupt();
    await this.#browser.close().catch(() => {});
  }
}

class PlaywrightContext implements EngineContext {
  readonly #context: BrowserContext;
  readonly #page: Page;
  #console: ConsoleEntry[] = [];

  constructor(context: BrowserContext, page: Page) {
    this.#context = context;
    this.#page = page;
    // Chromium reports CORS refusals as console errors naming the URL.
    page.on('console', (message) => this.#console.push({ level: message.type(), text: message.text() }));
    page.on('pageerror', (error) => this.#console.push({ level: 'pageerror', text: error.message }));
  }

  async goto(url: string, timeoutMs: number): Promise<void> {
    await this.#page.goto(url, { waitUntil: 'load', timeout: timeoutMs });
  }

  async evaluate<T>(expression: string, timeoutMs: number): Promise<T> {
    return (await withTimeout(this.#page.evaluate(expression), timeoutMs, 'evaluate')) as T;
  }

  takeConsole(): ConsoleEntry[] {
    const taken = this.#console;
    this.#console = [];
    return taken;
  }

  async close(): Promise<void> {
    await this.#context.close().catch(() => {});
  }
}
