// Firefox ESR over WebDriver BiDi, driven by puppeteer-core.
//
// Trust is scoped: every launch gets a fresh temporary profile whose NSS
// database has the lab CA added with certutil. acceptInsecureCerts stays off,
// so a certificate from any other CA still fails.
import { readdirSync, readFileSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import puppeteer from 'puppeteer-core';
import type { Browser, BrowserContext, Page } from 'puppeteer-core';
import {
  killStartingOnParentDeath,
  onInterrupt,
  temporaryDirectory,
  trackProcessGroup,
  untrackProcessGroup,
} from './cleanup.ts';
import { firstExecutable, isExecutable, onPath, run, withTimeout } from './system.ts';
import { keepStartupCache, seedProfile } from './firefox-startup-cache.ts';
import type {
  ConsoleEntry,
  Discovery,
  EngineContext,
  EngineDriver,
  EngineId,
  EngineInfo,
  LaunchedEngine,
  LaunchOptions,
  PermissionState,
  AddressSpaceNetwork,
} from './types.ts';
import { messageOf } from '../package/error-message.ts';

const DRIVER = 'webdriver-bidi (puppeteer-core)';
const INSTALL_FIX = 'sudo apt-get install firefox-esr (or npx cors-lab install-browsers)';
const DEFAULT_LOCATIONS = ['/usr/bin/firefox-esr', '/usr/lib/firefox-esr/firefox-esr'];
/** Console entries kept per context between takeConsole() calls. */
const CONSOLE_LIMIT = 1000;
/** How long a graceful browser.close() may take before the group is killed. */
const CLOSE_GRACE_MS = 5000;
/** How long close() waits for killed processes to disappear. */
const EXIT_WAIT_MS = 2000;

/**
 * Preferences on top of the automation defaults puppeteer writes to user.js
 * and those Firefox's Remote Agent applies at startup. Several repeat those
 * defaults on purpose, so the browser stays quiet even if upstream changes.
 * None of them changes what a page can observe: cookie behaviour (5, total
 * cookie protection), HTTPS-First, Local Network Access etc. keep their ESR
 * defaults. `*.localhost` needs no pref: Firefox itself resolves it to
 * loopback (network.dns.native-is-localhost stays false), even where the
 * system resolver does not.
 */
export const FIREFOX_PREFS: Readonly<Record<string, string | number | boolean>> = {
  // No update checks or downloads (Debian also locks app.update.enabled).
  'app.update.disabledForTesting': true,
  'app.update.auto': false,
  'extensions.update.enabled': false,
  'extensions.systemAddon.update.enabled': false,
  'browser.search.update': false,
  'media.gmp-manager.updateEnabled': false,
  // No telemetry, studies or experiments.
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.unified': false,
  'toolkit.telemetry.archive.enabled': false,
  'toolkit.telemetry.server': 'data:,',
  'datareporting.healthreport.uploadEnabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'datareporting.usage.uploadEnabled': false,
  'app.normandy.enabled': false,
  'app.normandy.api_url': '',
  'app.shield.optoutstudies.enabled': false,
  // No captive-portal or connectivity probes.
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  // No Safe Browsing lookups or list downloads.
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.blockedURIs.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.safebrowsing.downloads.remote.enabled': false,
  // Remote settings (blocklists, CRLite, intermediates) point nowhere;
  // see MOZ_REMOTE_SETTINGS_DEVTOOLS at launch.
  'services.settings.server': 'data:,#remote-settings-dummy/v1',
  'security.remote_settings.crlite_filters.enabled': false,
  'security.remote_settings.intermediates.enabled': false,
  // Other background requests: region/geo lookups, push, accounts, ML and
  // translation models, OCSP (lab certificates carry no OCSP URL anyway).
  'browser.region.update.enabled': false,
  'browser.region.network.url': '',
  'geo.provider.network.url': '',
  'dom.push.connection.enabled': false,
  'identity.fxaccounts.enabled': false,
  'browser.ml.enable': false,
  'browser.translations.enable': false,
  'security.OCSP.enabled': 0,
  // Name resolution and connections stay local: no DNS-over-HTTPS, and no
  // system or environment proxy between the browser and the lab servers.
  'network.trr.mode': 5,
  'network.proxy.type': 0,
  // Extra trust comes only from the profile's NSS database (the lab CA).
  'security.enterprise_roots.enabled': false,
  // No add-on from any install location: one installed system-wide (Debian's
  // webext-* packages, a distribution's) could block or rewrite lab requests.
  // Firefox also starts about 0.25 s sooner without scanning for them.
  'extensions.enabledScopes': 0,
};

/** The system's Firefox ESR, or CORS_LAB_FIREFOX. */
export async function discoverSystemFirefox(): Promise<Discovery> {
  const override = process.env.CORS_LAB_FIREFOX;
  const candidates = override ? [override] : [...DEFAULT_LOCATIONS, ...onPath('firefox-esr')];
  let executablePath: string | undefined;
  for (const candidate of candidates) {
    if (await isExecutable(candidate)) {
      executablePath = await realpath(candidate);
      break;
    }
  }
  if (!executablePath) {
    return override
      ? {
          found: false,
          id: 'firefox',
          reason: `CORS_LAB_FIREFOX=${override} is not an executable file`,
          fix: `point CORS_LAB_FIREFOX at a firefox-esr binary, or unset it and run: ${INSTALL_FIX}`,
        }
      : {
          found: false,
          id: 'firefox',
          reason: `firefox-esr not found (looked in ${DEFAULT_LOCATIONS.join(', ')} and PATH)`,
          fix: INSTALL_FIX,
        };
  }
  return (
    (await certutilMissing('firefox')) ?? {
      found: true,
      id: 'firefox',
      executablePath,
      driver: DRIVER,
      build: {
        name: 'firefox',
        kind: 'full',
        source: override ? `CORS_LAB_FIREFOX (${executablePath})` : `system (${executablePath})`,
      },
    }
  );
}

/** Without certutil the lab CA cannot be trusted in a Firefox profile, so no Firefox build is usable. */
export async function certutilMissing(id: EngineId): Promise<Discovery | undefined> {
  if (await firstExecutable(onPath('certutil'))) return undefined;
  return {
    found: false,
    id,
    reason: 'certutil (NSS tools) not found; it is needed to trust the lab CA in the Firefox profile',
    fix: 'sudo apt-get install libnss3-tools',
  };
}

/** How a Firefox build's driver is described. */
export const FIREFOX_DRIVER = DRIVER;

/** A Firefox driver for one build: the column `id`, and how to find its executable (the system's, the cache's for "firefox@140"). */
export function firefoxDriverFor(id: EngineId, locate: () => Promise<Discovery>): EngineDriver {
  return {
    id,
    mapsHostnames: true,
    discover: locate,
    async launch(options: LaunchOptions): Promise<LaunchedEngine> {
      const discovery = await locate();
      if (!discovery.found) throw new Error(`Firefox ESR unavailable: ${discovery.reason}; fix: ${discovery.fix}`);
      const { executablePath } = discovery;
      const { timeoutMs } = options;
      const engineProfile = options.profile ?? 'defaults';
      // Only allow-third-party changes cookie prefs: the other profiles keep
      // Firefox's own default (5, Total Cookie Protection).
      const cookiePrefs: Record<string, number> =
        engineProfile === 'allow-third-party' ? { 'network.cookie.cookieBehavior': 0 } : {};

      const profileDir = await temporaryDirectory('cors-lab-firefox-');
      const profile = profileDir.path;
      let stopStartingWatch = (): void => {};
      const abort = new AbortController();
      let launched: Promise<Browser | undefined> = Promise.resolve(undefined);
      let closing: Promise<void> | undefined;
      const close = (): Promise<void> =>
        (closing ??= (async () => {
          unregisterInterrupt();
          // Stops a launch still in progress (puppeteer then kills the browser).
          abort.abort();
          const browser = await launched;
          const pid = browser?.process()?.pid;
          stopStartingWatch();
          const closedCleanly = browser
            ? await withTimeout(browser.close(), CLOSE_GRACE_MS, 'browser.close').then(
                () => true,
                () => false,
              )
            : false;
          if (pid !== undefined) {
            await killBrowserProcesses(pid);
            untrackProcessGroup(pid);
          }
          // A browser that shut down by itself has written its startup cache whole: the next launch of this build starts from it.
          if (closedCleanly) keepStartupCache(profile, executablePath);
          await profileDir.remove();
        })());
      const unregisterInterrupt = onInterrupt(close);

      try {
        await run('certutil', ['-N', '--empty-password', '-d', `sql:${profile}`], timeoutMs);
        await run(
          'certutil',
          ['-A', '-d', `sql:${profile}`, '-n', 'cors-lab', '-t', 'C,,', '-i', options.trust.caCertPath],
          timeoutMs,
        );
        seedProfile(profile, executablePath);
        // `--version` gives the display version ("153.7.0esr"); BiDi drops the suffix.
        const cliVersion = run(executablePath, ['--version'], timeoutMs).then(
          (out) => /(\d+\.\d+[\w.]*)\s*$/.exec(out.trim())?.[1],
          () => undefined,
        );
        // Until its process group is known, the browser is found by its profile folder should cors-lab be killed (temporaryDirectory's own watchdog removes the folder).
        stopStartingWatch = killStartingOnParentDeath(profile);
        const launching = puppeteer.launch({
          browser: 'firefox',
          executablePath,
          headless: true,
          userDataDir: profile,
          extraPrefsFirefox: {
            ...FIREFOX_PREFS,
            ...cookiePrefs,
            ...(options.proxy ? proxyPrefs(options.proxy) : {}),
            ...(options.network ? networkPrefs(options.network) : {}),
            ...options.firefoxPrefs,
          },
          acceptInsecureCerts: false,
          // Nothing here reads puppeteer's HTTPRequest/HTTPResponse: without
          // the network module's events, Firefox does not serialise and send
          // every request and response over the socket.
          networkEnabled: false,
          // The window's own size: no viewport command for every new tab.
          defaultViewport: null,
          timeout: timeoutMs,
          protocolTimeout: timeoutMs,
          signal: abort.signal,
          // cleanup.ts owns signal handling; puppeteer's handlers would race it.
          handleSIGINT: false,
          handleSIGTERM: false,
          handleSIGHUP: false,
          env: {
            ...process.env,
            MOZ_CRASHREPORTER_DISABLE: '1',
            // Release builds ignore services.settings.server (and keep polling
            // firefox.settings.services.mozilla.com) unless this is set.
            MOZ_REMOTE_SETTINGS_DEVTOOLS: '1',
            ...options.env,
          },
        });
        launched = launching.catch(() => undefined);
        const browser = await launching;
        // puppeteer spawns Firefox detached, so its pid is the process group of
        // the browser and all its content processes.
        const pid = browser.process()?.pid;
        // Killed even if cors-lab itself is killed (SIGKILL).
        trackProcessGroup(pid);
        stopStartingWatch();

        const bidiVersion = (await browser.version()).replace(/^firefox\//i, '');
        const displayVersion = await cliVersion;
        const info: EngineInfo = {
          id,
          family: 'firefox',
          browser: 'Firefox ESR',
          version: displayVersion?.startsWith(bidiVersion) ? displayVersion : bidiVersion,
          // Preferences set for a study are part of the build measured.
          driver: options.firefoxPrefs
            ? `${DRIVER}; preferences set: ${Object.entries(options.firefoxPrefs)
                .map(([name, value]) => `${name}=${value}`)
                .join(', ')}`
            : DRIVER,
          trust: 'lab CA added to a temporary profile with certutil',
          executablePath,
          profile: engineProfile,
          cookieSettings:
            cookiePrefs['network.cookie.cookieBehavior'] === 0
              ? 'network.cookie.cookieBehavior=0 (accept all cookies, third-party included)'
              : 'network.cookie.cookieBehavior=5 (ESR and release default: Total Cookie Protection partitions third-party cookies)',
          ...(discovery.build ? { build: discovery.build } : {}),
        };
        const bidi = new BidiTracker(browser);
        return {
          info,
          newContext: () => openContext(browser, bidi, timeoutMs),
          networkSupport: options.network
            ? {
                overrides: true,
                overridesDetail: describePrefs(networkPrefs(options.network)),
                permissionsDetail: 'WebDriver BiDi permissions.setPermission',
              }
            : {
                overrides: false,
                overridesDetail: 'launched without address-space overrides',
                permissionsDetail: 'WebDriver BiDi permissions.setPermission',
              },
          close,
        };
      } catch (error) {
        await close();
        throw error;
      }
    },
  };
}

export const firefoxDriver: EngineDriver = firefoxDriverFor('firefox', discoverSystemFirefox);

async function openContext(browser: Browser, bidi: BidiTracker, timeoutMs: number): Promise<EngineContext> {
  const context = await withTimeout(browser.createBrowserContext(), timeoutMs, 'createBrowserContext');
  let page: Page;
  try {
    page = await withTimeout(context.newPage(), timeoutMs, 'newPage');
  } catch (error) {
    await context.close().catch(() => {});
    throw error;
  }
  const buffer = bidi.open(context, page);
  let closed = false;
  /** The tab first-party visits load in (its browsing context id), opened at the first. */
  let visits: Promise<string> | undefined;

  return {
    async goto(url, ms) {
      try {
        await withTimeout(bidi.navigate(context, page, url, ms), ms, 'goto');
      } catch (error) {
        throw new Error(`goto ${url} failed: ${describeError(error)}`);
      }
    },

    async evaluate<T>(expression: string, ms: number): Promise<T> {
      // JSON round trip inside the page, so the caller gets exactly the JSON
      // value (BiDi's own serialisation differs for Dates, Maps, -0, ...).
      // The newlines keep a trailing line comment in `expression` harmless.
      const wrapped = `(async () => JSON.stringify(await (\n${expression}\n)))()`;
      const json = await withTimeout(page.evaluate(wrapped) as Promise<string | undefined>, ms, 'evaluate');
      return (json === undefined ? undefined : JSON.parse(json)) as T;
    },

    async screenshot(ms) {
      return Buffer.from(await withTimeout(page.screenshot({ fullPage: true }), ms, 'screenshot'));
    },

    async visit(url, ms) {
      visits ??= withTimeout(bidi.openVisitTab(context), timeoutMs, 'browsingContext.create');
      const tab = await visits;
      try {
        await withTimeout(bidi.navigateTab(tab, url, ms), ms, 'goto');
      } catch (error) {
        throw new Error(`visit ${url} failed: ${describeError(error)}`);
      }
    },

    takeConsole: () => buffer.take(),

    async setPermission(name, state, origin) {
      try {
        await withTimeout(bidi.setPermission(context, name, state, origin), timeoutMs, 'permissions.setPermission');
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: describeError(error) };
      }
    },

    async clearCookies() {
      await withTimeout(bidi.deleteCookies(context), timeoutMs, 'storage.deleteCookies');
      return false;
    },

    async close() {
      if (closed) return;
      closed = true;
      bidi.close(context);
      await context.close().catch(() => {});
    },
  };
}

// ------------------------------------------------------------ BiDi access

/** The subset of a BiDi `log.entryAdded` event we use. */
interface LogEntry {
  level?: string;
  text?: string | null;
  source?: { context?: string };
}

/** The subset of a BiDi `browsingContext.Info` we use. */
interface ContextInfo {
  context: string;
  parent?: string | null;
  userContext?: string;
}

/** puppeteer's BiDi connection, as far as we use it. */
interface BidiConnection {
  on(event: string, handler: (params: never) => void): unknown;
  send(method: string, params: object, timeoutMs?: number): Promise<unknown>;
}

class ConsoleBuffer {
  #entries: ConsoleEntry[] = [];

  push(entry: ConsoleEntry): void {
    if (this.#entries.length < CONSOLE_LIMIT) this.#entries.push(entry);
  }

  take(): ConsoleEntry[] {
    const entries = this.#entries;
    this.#entries = [];
    return entries;
  }
}

/**
 * Talks to puppeteer's BiDi connection directly for two things its public
 * API does not do well with Firefox:
 *
 * - Log entries. Firefox reports console API calls (type "console") and
 *   every nsIScriptError of the window (type "javascript") as log entries.
 *   The latter include uncaught exceptions and the network layer's CORS
 *   messages ("Cross-Origin Request Blocked: ..."), each with its real
 *   level. puppeteer turns all "javascript" entries into `pageerror` Errors
 *   and drops the level, so we route raw entries by user context instead.
 * - Navigation. `page.goto` occasionally never settles when the previous
 *   document was an error page (certificate or connection error), while
 *   `browsingContext.navigate` with `wait: "complete"` always answers.
 *
 * The connection is not public API; if it is missing we fall back to
 * puppeteer's `console`/`pageerror` events and `page.goto`.
 */
class BidiTracker {
  #connection: BidiConnection | undefined;
  /** Browsing context id -> user context id (= puppeteer BrowserContext id). */
  #userContextOf = new Map<string, string>();
  /** User context id -> its top-level browsing context id. */
  #topLevelOf = new Map<string, string>();
  #buffers = new Map<string, ConsoleBuffer>();

  constructor(browser: Browser) {
    const connection = (browser as unknown as { connection?: unknown }).connection;
    if (!isBidiConnection(connection)) return;
    this.#connection = connection;
    // puppeteer subscribes the session to these modules globally.
    connection.on('browsingContext.contextCreated', (info: ContextInfo) => {
      // Child frames inherit their parent's user context.
      const userContext = info.userContext ?? (info.parent ? this.#userContextOf.get(info.parent) : undefined);
      if (!userContext) return;
      this.#userContextOf.set(info.context, userContext);
      // The context's first tab is the page; a visit's tab (EngineContext.visit) comes later.
      if (!info.parent && !this.#topLevelOf.has(userContext)) this.#topLevelOf.set(userContext, info.context);
    });
    connection.on('browsingContext.contextDestroyed', (info: ContextInfo) => {
      this.#userContextOf.delete(info.context);
    });
    connection.on('log.entryAdded', (entry: LogEntry) => {
      const context = entry.source?.context;
      const userContext = context ? this.#userContextOf.get(context) : undefined;
      const buffer = userContext ? this.#buffers.get(userContext) : undefined;
      buffer?.push({ level: entry.level ?? 'info', text: entry.text ?? '' });
    });
  }

  open(context: BrowserContext, page: Page): ConsoleBuffer {
    const buffer = new ConsoleBuffer();
    if (this.#connection && context.id) {
      this.#buffers.set(context.id, buffer);
    } else {
      page.on('console', (message) => buffer.push({ level: message.type(), text: message.text() }));
      page.on('pageerror', (error) => buffer.push({ level: 'error', text: messageOf(error) }));
    }
    return buffer;
  }

  async navigate(context: BrowserContext, page: Page, url: string, timeoutMs: number): Promise<void> {
    const topLevel = context.id ? this.#topLevelOf.get(context.id) : undefined;
    if (this.#connection && topLevel) {
      await this.navigateTab(topLevel, url, timeoutMs);
    } else {
      await page.goto(url, { waitUntil: 'load', timeout: timeoutMs });
    }
  }

  /**
   * A second tab in the context's user context for first-party visits,
   * opened in the background: the page's tab stays the selected one, so its
   * timers are not throttled as a background tab's are.
   */
  async openVisitTab(context: BrowserContext): Promise<string> {
    if (!this.#connection || !context.id) throw new Error('no WebDriver BiDi connection to open a tab over');
    const created = (await this.#connection.send('browsingContext.create', {
      type: 'tab',
      userContext: context.id,
      background: true,
    })) as { result?: { context?: string }; context?: string };
    const id = created.result?.context ?? created.context;
    if (!id) throw new Error('browsingContext.create gave no browsing context');
    return id;
  }

  /** Navigates a top-level browsing context and waits for its load. */
  async navigateTab(tab: string, url: string, timeoutMs: number): Promise<void> {
    if (!this.#connection) throw new Error('no WebDriver BiDi connection to navigate over');
    // A little slack so our own timeout, not puppeteer's, reports first.
    await this.#connection.send('browsingContext.navigate', { context: tab, url, wait: 'complete' }, timeoutMs + 1000);
  }

  /** WebDriver BiDi permissions.setPermission, for one origin in the context's user context. */
  async setPermission(context: BrowserContext, name: string, state: PermissionState, origin: string): Promise<void> {
    if (!this.#connection || !context.id) throw new Error('no WebDriver BiDi connection to set permissions on');
    await this.#connection.send('permissions.setPermission', {
      descriptor: { name },
      state,
      origin,
      userContext: context.id,
    });
  }

  /** WebDriver BiDi storage.deleteCookies for the whole user context (its partitioned cookies too: the partition names no source origin). */
  async deleteCookies(context: BrowserContext): Promise<void> {
    if (!this.#connection || !context.id) throw new Error('no WebDriver BiDi connection to delete cookies over');
    await this.#connection.send('storage.deleteCookies', {
      partition: { type: 'storageKey', userContext: context.id },
    });
  }

  close(context: BrowserContext): void {
    if (!context.id) return;
    this.#buffers.delete(context.id);
    this.#topLevelOf.delete(context.id);
  }
}

function isBidiConnection(value: unknown): value is BidiConnection {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as BidiConnection).on === 'function' &&
    typeof (value as BidiConnection).send === 'function'
  );
}

// -------------------------------------------------------------- processes

interface ProcessInfo {
  pid: number;
  pgid: number;
  argv: string[];
}

/** Live (non-zombie) processes, read from /proc; empty where there is none. */
function liveProcesses(): ProcessInfo[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const result: ProcessInfo[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const statLine = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after "(comm)": state ppid pgrp ...
      const [state, , pgrp] = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z' || state === 'X') continue;
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      result.push({ pid: Number(name), pgid: Number(pgrp), argv });
    } catch {
      // exited while we looked
    }
  }
  return result;
}

/**
 * SIGKILLs whatever is left of browser `pid` and waits until it is gone: its
 * process group, plus the crash helper, which double-forks into a group of
 * its own (it exits by itself once the browser is gone, so an abrupt exit
 * that only kills the group is fine too).
 */
async function killBrowserProcesses(pid: number): Promise<void> {
  const deadline = Date.now() + EXIT_WAIT_MS;
  for (;;) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // group already empty
    }
    const left = liveProcesses().filter(
      (p) => p.pgid === pid || (path.basename(p.argv[0] ?? '') === 'crashhelper' && p.argv[1] === String(pid)),
    );
    for (const p of left) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    if (left.length === 0 || Date.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// ---------------------------------------------------------------- helpers

/**
 * The Private/Local Network Access study's network: Firefox's Local Network
 * Access address-space override prefs ("ip:port" lists), and
 * network.dns.localDomains, which resolves the listed names to loopback.
 */
export function networkPrefs(network: AddressSpaceNetwork): Record<string, string | number | boolean> {
  return {
    'network.lna.address_space.public.override': network.publicAddresses.join(','),
    'network.lna.address_space.private.override': network.localAddresses.join(','),
    'network.dns.localDomains': network.loopbackHostnames.join(','),
  };
}

function describePrefs(prefs: Record<string, string | number | boolean>): string {
  return Object.entries(prefs)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');
}

/** Manual HTTP and HTTPS proxy for every host, localhost and loopback included. */
function proxyPrefs(proxy: string): Record<string, string | number | boolean> {
  const [host, port] = [proxy.slice(0, proxy.lastIndexOf(':')), Number(proxy.slice(proxy.lastIndexOf(':') + 1))];
  return {
    'network.proxy.type': 1,
    'network.proxy.http': host,
    'network.proxy.http_port': port,
    'network.proxy.ssl': host,
    'network.proxy.ssl_port': port,
    'network.proxy.no_proxies_on': '',
    'network.proxy.allow_hijacking_localhost': true,
  };
}

/** "NS_ERROR_CONNECTION_REFUSED" rather than a protocol error with a chrome:// stack. */
function describeError(error: unknown): string {
  const message = messageOf(error);
  const nsError = /NS_[A-Z_]+(?:\([^)]*\))?/.exec(message);
  return nsError ? nsError[0] : (message.split('\n')[0] ?? message);
}
