// Chromium through Playwright with an explicit executablePath (Debian's
// `chromium`), or Playwright's bundled Chromium when that is installed.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { onInterrupt, temporaryDirectory } from './cleanup.ts';
import { PLAYWRIGHT_PERMISSIONS, PlaywrightEngine } from './playwright-engine.ts';
import { firstExisting, playwrightBundled } from './system.ts';
import type {
  AddressSpaceNetwork,
  Discovery,
  EngineDriver,
  EngineId,
  EngineProfile,
  LaunchedEngine,
  LaunchOptions,
} from './types.ts';

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
  // The omnibox's WebUI popups, which even a headless browser preloads, each in a renderer of its own:
  // half the renderer CPU of a catalog run, for a popup no one opens.
  'WebUIOmniboxPopup',
  'WebUIOmniboxAimPopup',
];

/**
 * Chromium has no switch for third-party cookies; the profile preference
 * `profile.cookie_controls_mode` holds the setting (0 allow, 1 block,
 * 2 block in Incognito only, which is Chrome's shipping default). Playwright's
 * contexts are off-the-record but not Incognito, so mode 2 allows them.
 * `defaults` writes no preference: Chromium as launched (measured here: it
 * blocks third-party cookies).
 */
const COOKIE_CONTROLS_MODE: Record<EngineProfile, number | undefined> = {
  defaults: undefined,
  shipping: 2,
  'allow-third-party': 0,
};

function describeCookieControls(mode: number | undefined): string {
  if (mode === undefined)
    return 'profile.cookie_controls_mode not set (Chromium as launched, no cookie preference or flag)';
  return mode === 0
    ? 'profile.cookie_controls_mode=0 (allow third-party cookies)'
    : "profile.cookie_controls_mode=2 (Chrome's default: block third-party cookies in Incognito only)";
}

/**
 * The Private/Local Network Access study's network: Chromium's address-space
 * override switch (the one WPT's runner uses; "ip:port=space") and a host
 * resolver rule for the non-secure page's hostname.
 */
export function chromiumNetworkArgs(network: AddressSpaceNetwork): string[] {
  const overrides = [
    ...network.publicAddresses.map((address) => `${address}=public`),
    ...network.localAddresses.map((address) => `${address}=local`),
  ];
  const rules = network.loopbackHostnames.map((host) => `MAP ${host} 127.0.0.1`);
  return [
    ...(overrides.length > 0 ? [`--ip-address-space-overrides=${overrides.join(',')}`] : []),
    ...(rules.length > 0 ? [`--host-resolver-rules=${rules.join(',')}`] : []),
  ];
}

export const CHROMIUM_DRIVER =
  "playwright (executablePath; Playwright's behaviour-changing --disable-features replaced)";

/** The system's Chromium (or CORS_LAB_CHROMIUM), else Playwright's bundled build. */
export async function discoverSystemChromium(): Promise<Discovery> {
  const override = process.env.CORS_LAB_CHROMIUM;
  const system = firstExisting([override, ...SYSTEM_PATHS]);
  if (system) {
    // An override may be any build; its kind is read from its name, as the cache and Debian name the shell.
    const kind = system === override && /headless[-_]shell|sparticuz/.test(system) ? 'headless-shell' : 'full';
    return {
      found: true,
      id: 'chromium',
      executablePath: system,
      driver: CHROMIUM_DRIVER,
      build: {
        name: 'chromium',
        kind,
        source: system === override ? `CORS_LAB_CHROMIUM (${system})` : `system (${system})`,
      },
    };
  }
  const bundled = playwrightBundled(() => chromium.executablePath());
  if (bundled)
    return {
      found: true,
      id: 'chromium',
      executablePath: bundled,
      driver: 'playwright (bundled build)',
      build: { name: 'chromium', kind: 'full', source: `Playwright's bundled build (${bundled})` },
    };
  return {
    found: false,
    id: 'chromium',
    reason: "no Chromium found (looked in /usr/bin and Playwright's browser cache; CORS_LAB_CHROMIUM overrides)",
    fix: 'npx cors-lab install-browsers   (as root: apt-get install chromium)',
  };
}

/**
 * A Chromium driver for one build: the column `id`, and how to find its
 * executable (the system's, the cache's for "chromium@143"). Every build is
 * launched with cors-lab's own flags and nothing else: a build's package may
 * ship launch arguments of its own (@sparticuz/chromium's include
 * --disable-web-security and --single-process), and none is ever used.
 */
export function chromiumDriverFor(id: EngineId, locate: () => Promise<Discovery>): EngineDriver {
  return {
    id,
    mapsHostnames: true,
    discover: locate,
    async launch(options: LaunchOptions): Promise<LaunchedEngine> {
      const found = await locate();
      if (!found.found) throw new Error(found.reason);
      const profile = options.profile ?? 'defaults';
      const cookieControlsMode = COOKIE_CONTROLS_MODE[profile];
      const launchOptions = {
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
          // With the posing proxy, HTTPS-Upgrades would turn a posed http origin
          // into its https twin (also posed) and the page would not have the
          // origin asked for.
          `--disable-features=${[...QUIET_FEATURES, ...(options.proxy ? ['HttpsUpgrades'] : [])].join(',')}`,
          // The posing proxy; <-loopback> removes the implicit bypass for localhost.
          ...(options.proxy ? [`--proxy-server=http://${options.proxy}`, '--proxy-bypass-list=<-loopback>'] : []),
          ...(options.network ? chromiumNetworkArgs(options.network) : []),
          ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
        ],
      };
      let browser: Browser;
      let removeUserData = async (): Promise<void> => {};
      if (cookieControlsMode === undefined) {
        browser = await chromium.launch(launchOptions);
      } else {
        // A preference needs a user-data directory, so this launch is
        // persistent; contexts still come from browser.newContext(), as above.
        const userData = await temporaryDirectory('cors-lab-chromium-');
        removeUserData = userData.remove;
        try {
          await mkdir(path.join(userData.path, 'Default'));
          await writeFile(
            path.join(userData.path, 'Default', 'Preferences'),
            JSON.stringify({ profile: { cookie_controls_mode: cookieControlsMode } }),
          );
          const persistent = await chromium.launchPersistentContext(userData.path, launchOptions);
          const owner = persistent.browser();
          if (!owner) throw new Error('Playwright gave no Browser for the persistent Chromium launch');
          browser = owner;
        } catch (error) {
          await userData.remove();
          throw error;
        }
      }
      const stopInterrupt = onInterrupt(() => browser.close());
      return new PlaywrightEngine(
        browser,
        {
          id,
          family: 'chromium',
          browser: found.driver.includes('bundled')
            ? 'Chromium (Playwright build)'
            : found.build?.kind === 'headless-shell'
              ? 'Chromium headless shell'
              : 'Chromium',
          version: browser.version(),
          driver: found.driver,
          trust: 'lab CA and leaf SPKI in --ignore-certificate-errors-spki-list (this browser only)',
          executablePath: found.executablePath,
          profile,
          cookieSettings: describeCookieControls(cookieControlsMode),
          ...(found.build ? { build: found.build } : {}),
        },
        stopInterrupt,
        {
          afterClose: removeUserData,
          networkSupport: options.network
            ? {
                overrides: true,
                overridesDetail: chromiumNetworkArgs(options.network).join(' '),
                permissionsDetail: PLAYWRIGHT_PERMISSIONS,
              }
            : {
                overrides: false,
                overridesDetail: 'launched without address-space overrides',
                permissionsDetail: PLAYWRIGHT_PERMISSIONS,
              },
        },
      );
    },
  };
}

export const chromiumDriver: EngineDriver = chromiumDriverFor('chromium', discoverSystemChromium);
