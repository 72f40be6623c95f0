// WebKitGTK's MiniBrowser over WebDriver classic, spoken with plain fetch to
// WebKitWebDriver (Debian's webkit2gtk-driver).
//
// Trust is scoped with a private mount namespace (webkit-trust.ts); the
// WebKitWebDriver processes are in webkit-slots.ts, the WebDriver commands in
// webdriver-client.ts.
//
// Isolation: WebDriver classic has no browser contexts, and WebKitWebDriver
// holds a single session. Each context is therefore its own WebKitWebDriver
// and MiniBrowser (webdriver-sessions.ts); MiniBrowser's automation mode uses
// an ephemeral data manager, so cookies, cache and storage start empty.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import type {
  Discovery,
  EngineBuildInfo,
  EngineDriver,
  EngineInfo,
  EngineProfile,
  LaunchedEngine,
  LaunchOptions,
} from './types.ts';
import { temporaryDirectory } from './cleanup.ts';
import { firstExecutable, isExecutable, onPath } from './system.ts';
import { sessionPerContext } from './webdriver-sessions.ts';
import { openSlot, type Slot, type SlotConfig } from './webkit-slots.ts';
import { prepareTrust } from './webkit-trust.ts';
import { acquireDisplay, type XDisplay } from './xvfb.ts';

const DRIVER = 'webdriver-classic (WebKitWebDriver)';
const BROWSER = 'WebKitGTK MiniBrowser';
const INSTALL_FIX = 'sudo apt-get install webkit2gtk-driver xvfb (or npx cors-lab install-browsers)';
/** Where distributions put MiniBrowser, below /usr/lib/<multiarch>/ or /usr/libexec/. */
const MINIBROWSER_DIRS = ['webkit2gtk-4.1', 'webkitgtk-6.0', 'webkit2gtk-4.0'];
/** Proxy variables are dropped so lab traffic goes straight to loopback. */
const PROXY_VARIABLES = ['http_proxy', 'https_proxy', 'all_proxy', 'no_proxy', 'ftp_proxy'];

export const webkitDriver: EngineDriver = {
  id: 'webkit',
  mapsHostnames: false,

  async discover(): Promise<Discovery> {
    const miss = (reason: string, fix = INSTALL_FIX): Discovery => ({ found: false, id: 'webkit', reason, fix });
    if (process.platform !== 'linux')
      return miss('WebKitGTK MiniBrowser and WebKitWebDriver exist on Linux only', 'use a Linux machine or container');

    const driverOverride = process.env.CORS_LAB_WEBKIT_DRIVER;
    const driverPath = driverOverride ?? (await firstExecutable(onPath('WebKitWebDriver')));
    if (driverOverride && !(await isExecutable(driverOverride))) {
      return miss(
        `CORS_LAB_WEBKIT_DRIVER=${driverOverride} is not an executable file`,
        `point it at WebKitWebDriver, or unset it and ${INSTALL_FIX}`,
      );
    }
    if (!driverPath) return miss('WebKitWebDriver not found on PATH');

    const browserOverride = process.env.CORS_LAB_MINIBROWSER;
    const miniBrowserPath = browserOverride ?? (await firstExecutable(miniBrowserCandidates()));
    if (browserOverride && !(await isExecutable(browserOverride))) {
      return miss(
        `CORS_LAB_MINIBROWSER=${browserOverride} is not an executable file`,
        `point it at MiniBrowser, or unset it and ${INSTALL_FIX}`,
      );
    }
    if (!miniBrowserPath)
      return miss(`MiniBrowser not found (looked in /usr/lib/*/{${MINIBROWSER_DIRS.join(',')}} and /usr/libexec)`);

    // MiniBrowser needs an X display; without DISPLAY we start Xvfb.
    if (!process.env.DISPLAY && !(await firstExecutable(onPath('Xvfb'))))
      return miss('no DISPLAY and Xvfb not found on PATH');
    return {
      found: true,
      id: 'webkit',
      executablePath: miniBrowserPath,
      driver: DRIVER,
      build: {
        name: 'webkit',
        kind: 'full',
        source: browserOverride ? `CORS_LAB_MINIBROWSER (${miniBrowserPath})` : `system (${miniBrowserPath})`,
      },
    };
  },

  async launch(options: LaunchOptions): Promise<LaunchedEngine> {
    const discovery = await webkitDriver.discover();
    if (!discovery.found) throw new Error(`WebKitGTK unavailable: ${discovery.reason}; fix: ${discovery.fix}`);
    const miniBrowserPath = discovery.executablePath;
    const driverPath = process.env.CORS_LAB_WEBKIT_DRIVER ?? (await firstExecutable(onPath('WebKitWebDriver')))!;
    // One deadline for the whole launch: display, trust probe and first session.
    const deadline = Date.now() + options.timeoutMs;
    const left = (): number => Math.max(1, deadline - Date.now());

    const work = await temporaryDirectory('cors-lab-webkit-');
    const workDir = work.path;
    let display: XDisplay | undefined;
    let first: Slot | undefined;
    try {
      // The display and the trust probe do not wait on each other.
      const [shown, trusted] = await Promise.allSettled([
        acquireDisplay(left()),
        prepareTrust(options.trust, workDir, left()),
      ]);
      if (shown.status === 'rejected') throw shown.reason;
      // Held from here, so it is released below even when the trust probe failed.
      display = shown.value;
      if (trusted.status === 'rejected') throw trusted.reason;
      const trust = trusted.value;
      // XDG_CACHE_HOME is left alone on purpose: MiniBrowser keeps only its
      // GStreamer registry and shader cache there (site data is ephemeral in
      // automation mode), and a fresh cache dir adds ~600 ms to every start.
      const env: NodeJS.ProcessEnv = { ...process.env, DISPLAY: display.display, ...options.env };
      for (const name of PROXY_VARIABLES) {
        delete env[name];
        delete env[name.toUpperCase()];
      }
      const config: SlotConfig = {
        driverPath,
        miniBrowserPath,
        profileArgs: PROFILE_ARGS[options.profile ?? 'defaults'],
        ...(options.proxy ? { proxy: options.proxy } : {}),
        env,
        trust,
        timeoutMs: options.timeoutMs,
        ...(options.contexts !== undefined ? { contexts: options.contexts } : {}),
      };
      // The first session proves the browser starts and reports its version;
      // it then serves the first newContext().
      first = await openSlot(config, left());
      return startedEngine(config, first, display, work.remove, discovery.build);
    } catch (error) {
      await first?.close();
      await display?.stop();
      await work.remove();
      throw error;
    }
  },
};

/**
 * MiniBrowser's own default cookie policy is "no-third-party" and ITP is off.
 * shipping: Safari-like, ITP on. allow-third-party: accept every cookie.
 */
const PROFILE_ARGS: Record<EngineProfile, string[]> = {
  defaults: [],
  shipping: ['--enable-itp'],
  'allow-third-party': ['--cookies-policy=always'],
};

function describeCookieArgs(args: string[]): string {
  const policy =
    args.find((arg) => arg.startsWith('--cookies-policy='))?.split('=')[1] ?? 'no-third-party (MiniBrowser default)';
  return `MiniBrowser --cookies-policy ${policy}; ITP ${args.includes('--enable-itp') ? 'on (--enable-itp)' : 'off'}`;
}

function startedEngine(
  config: SlotConfig,
  first: Slot,
  display: XDisplay,
  removeWorkDir: () => Promise<void>,
  build: EngineBuildInfo | undefined,
): LaunchedEngine {
  const info: EngineInfo = {
    id: 'webkit',
    family: 'webkit',
    browser: BROWSER,
    version: typeof first.capabilities.browserVersion === 'string' ? first.capabilities.browserVersion : 'unknown',
    driver: DRIVER,
    trust: config.trust.description,
    executablePath: config.miniBrowserPath,
    profile:
      (Object.keys(PROFILE_ARGS) as EngineProfile[]).find((name) => PROFILE_ARGS[name] === config.profileArgs) ??
      'defaults',
    cookieSettings: describeCookieArgs(config.profileArgs),
    ...(build ? { build } : {}),
  };
  // WebKitWebDriver holds a single session: each context is its own driver and MiniBrowser.
  return sessionPerContext({
    info,
    networkSupport: {
      overrides: false,
      overridesDetail: 'WebKitGTK has no address-space override setting (MiniBrowser and WebKitWebDriver offer none)',
      permissionsDetail: "WebDriver's Set Permission command (POST /session/{id}/permissions)",
    },
    first,
    open: (signal) => openSlot(config, config.timeoutMs, signal),
    commandTimeoutMs: config.timeoutMs,
    ...(config.contexts !== undefined ? { contexts: config.contexts } : {}),
    // WebKitGTK has no partitioned cookies (CHIPS): a page of each host sees them all.
    cookiesPerHost: true,
    // A cookie scenario's visit and the deletion of its cookies leave the runner page loaded.
    visitWindow: true,
    afterClose: async () => {
      await display.stop();
      await removeWorkDir();
    },
  });
}

function miniBrowserCandidates(): string[] {
  const roots: string[] = [];
  try {
    for (const entry of readdirSync('/usr/lib'))
      if (entry.endsWith('-linux-gnu')) roots.push(path.join('/usr/lib', entry));
  } catch {
    // no /usr/lib
  }
  roots.push('/usr/libexec', '/usr/lib');
  return roots.flatMap((root) => MINIBROWSER_DIRS.map((dir) => path.join(root, dir, 'MiniBrowser')));
}
