// Firefox ESR over WebDriver BiDi, driven by puppeteer-core.
//
// Trust is scoped: every launch gets a fresh temporary profile whose NSS
// database holds the lab CA (added with certutil) and nothing else extra;
// acceptInsecureCerts stays off, so a certificate from any other CA fails.
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import puppeteer from 'puppeteer-core';
import type { Browser, BrowserContext, Page } from 'puppeteer-core';
import { onInterrupt, trackProcessGroup, untrackProcessGroup } from './cleanup.ts';
import type {
  ConsoleEntry,
  Discovery,
  EngineContext,
  EngineDriver,
  EngineInfo,
  LaunchedEngine,
  LaunchOptions,
} from './types.ts';

const DRIVER = 'webdriver-bidi (puppeteer-core)';
const INSTALL_FIX = 'sudo apt-get install firefox-esr (or npx cors-lab install-browsers)';
const DEFAULT_LOCATIONS = ['/usr/bin/firefox-esr', '/usr/lib/firefox-esr/firefox-esr'];
/** Console entries kept per context between takeConsole() calls. */
const CONSOLE_LIMIT = 1000;
/** How long a graceful browser.close() may take before the group is killed. */
const CLOSE_GRACE_MS = 5000;

// Added on top of the automation defaults puppeteer writes and the Remote
// Agent applies at startup; several repeat those on purpose so the browser
// stays quiet even if a default changes upstream. Nothing here changes what
// a web page can observe: cookies, HTTPS-First, Local Network Access, etc.
// keep their ESR defaults.
const PREFS: Record<string, string | number | boolean> = {
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
  // Remote settings (blocklists, CRLite, intermediates) point nowhere.
  'services.settings.server': 'data:,#remote-settings-dummy/v1',
  'security.remote_settings.crlite_filters.enabled': false,
  'security.remote_settings.intermediates.enabled': false,
  // Other background requests: region/geo lookups, push, accounts, ML models,
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
  // Trust comes only from the profile's NSS database (lab CA + built-ins).
  'security.enterprise_roots.enabled': false,
};

export const firefoxDriver: EngineDriver = {
  id: 'firefox',

  async discover(): Promise<Discovery> {
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
            fix: `point CORS_LAB_FIREFOX at a firefox-esr binary, or unset it and ${INSTALL_FIX}`,
          }
        : {
            found: false,
            id: 'firefox',
            reason: `firefox-esr not found (looked in ${[...new Set([...DEFAULT_LOCATIONS, 'PATH'])].join(', ')})`,
            fix: INSTALL_FIX,
          };
    }
    // Without certutil the lab CA cannot be trusted, so the engine is unusable.
    if (!(await findOnPath('certutil'))) {
      return {
        found: false,
        id: 'firefox',
        reason: 'certutil (NSS tools) not found; it is needed to trust the lab CA in the Firefox profile',
        fix: 'sudo apt-get install libnss3-tools',
      };
    }
    return { found: true, id: 'firefox', executablePath, driver: DRIVER };
  },

  async launch(options: LaunchOptions): Promise<LaunchedEngine> {
    const discovery = await firefoxDriver.discover();
    if (!discovery.found) throw new Error(`Firefox ESR unavailable: ${discovery.reason}; fix: ${discovery.fix}`);
    const { executablePath } = discovery;
    const { timeoutMs } = options;

    const profile = await mkdtemp(path.join(os.tmpdir(), 'cors-lab-firefox-'));
    let browser: Browser;
    let cliVersion: Promise<string | undefined>;
    try {
      await run('certutil', ['-N', '--empty-password', '-d', `sql:${profile}`], timeoutMs);
      await run('certutil', ['-A', '-d', `sql:${profile}`, '-n', 'cors-lab', '-t', 'C,,', '-i', options.trust.caCertPath], timeoutMs);
      // `--version` reports the display version ("153.7.0esr"); BiDi drops the suffix.
      cliVersion = run(executablePath, ['--version'], timeoutMs).then(
        (out) => /(\d+\.\d+[\w.]*)\s*$/.exec(out.trim())?.[1],
        () => undefined,
      );
      browser = await puppeteer.launch({
        browser: 'firefox',
        executablePath,
        headless: true,
        userDataDir: profile,
        extraPrefsFirefox: PREFS,
        acceptInsecureCerts: false,
        timeout: timeoutMs,
        protocolTimeout: timeoutMs,
        // cleanup.ts owns signal handling; puppeteer's handlers would race it.
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
        env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: '1', ...options.env },
      });
    } catch (error) {
      await removeProfile(profile);
      throw error;
    }

    // puppeteer spawns Firefox detached, so its pid is also its process group
    // (content processes included) and the whole group can be killed at once.
    const pid = browser.process()?.pid;
    trackProcessGroup(pid);

    let closing: Promise<void> | undefined;
    const close = (): Promise<void> =>
      (closing ??= (async () => {
        unregisterInterrupt();
        await withTimeout(browser.close(), CLOSE_GRACE_MS, 'browser.close').catch(() => {});
        killGroup(pid);
        untrackProcessGroup(pid);
        await removeProfile(profile);
      })());
    const unregisterInterrupt = onInterrupt(close);

    try {
      const bidiVersion = (await browser.version()).replace(/^firefox\//i, '');
      const displayVersion = await cliVersion;
      const info: EngineInfo = {
        id: 'firefox',
        browser: 'Firefox ESR',
        version: displayVersion?.startsWith(bidiVersion) ? displayVersion : bidiVersion,
        driver: DRIVER,
        trust: 'lab CA added to a temporary profile with certutil',
        executablePath,
      };
      const consoleRouter = new ConsoleRouter(browser);
      return {
        info,
        newContext: () => openContext(browser, consoleRouter, timeoutMs),
        close,
      };
    } catch (error) {
      await close();
      throw error;
    }
  },
};

async function openContext(browser: Browser, router: ConsoleRouter, timeoutMs: number): Promise<EngineContext> {
  const context = await browser.createBrowserContext();
  let page: Page;
  try {
    page = await withTimeout(context.newPage(), timeoutMs, 'newPage');
  } catch (error) {
    await context.close().catch(() => {});
    throw error;
  }
  const buffer = router.open(context, page);
  let closed = false;

  return {
    async goto(url, ms) {
      try {
        await page.goto(url, { waitUntil: 'load', timeout: ms });
      } catch (error) {
        throw new Error(`goto ${url} failed: ${firstLine(error)}`);
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

    takeConsole: () => buffer.take(),

    async close() {
      if (closed) return;
      closed = true;
      router.close(context);
      await context.close().catch(() => {});
    },
  };
}

// ---------------------------------------------------------------- console

/** The subset of a BiDi `log.entryAdded` event we use. */
interface LogEntry {
  type?: string;
  level?: string;
  text?: string | null;
  source?: { context?: string };
}

interface ContextInfo {
  context: string;
  parent?: string | null;
  userContext?: string;
}

interface EventSource {
  on(event: string, handler: (params: never) => void): unknown;
  off(event: string, handler: (params: never) => void): unknown;
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
 * Routes BiDi log entries to the context they belong to.
 *
 * Firefox reports both console API calls (type "console") and every
 * nsIScriptError of the window (type "javascript") as log entries. The
 * latter include uncaught exceptions *and* the network layer's CORS
 * messages ("Cross-Origin Request Blocked: ..."), with their real level.
 * puppeteer's public events turn all "javascript" entries into `pageerror`
 * Errors (losing the level), so we listen on its BiDi connection and map
 * each entry's browsing context to its user context (= BrowserContext).
 * If that connection is not reachable, fall back to the public events.
 */
class ConsoleRouter {
  #connection: EventSource | undefined;
  #userContextOf = new Map<string, string>();
  #buffers = new Map<string, ConsoleBuffer>();

  constructor(browser: Browser) {
    const connection = (browser as unknown as { connection?: unknown }).connection;
    if (isEventSource(connection)) {
      this.#connection = connection;
      connection.on('browsingContext.contextCreated', this.#onContextCreated);
      connection.on('browsingContext.contextDestroyed', this.#onContextDestroyed);
      connection.on('log.entryAdded', this.#onEntry);
    }
  }

  open(context: BrowserContext, page: Page): ConsoleBuffer {
    const buffer = new ConsoleBuffer();
    if (this.#connection && context.id) {
      this.#buffers.set(context.id, buffer);
    } else {
      page.on('console', (message) => buffer.push({ level: message.type(), text: message.text() }));
      page.on('pageerror', (error) => buffer.push({ level: 'error', text: error instanceof Error ? error.message : String(error) }));
    }
    return buffer;
  }

  close(context: BrowserContext): void {
    if (context.id) this.#buffers.delete(context.id);
  }

  #onContextCreated = (info: ContextInfo): void => {
    // Child frames inherit the user context of their parent.
    const userContext = info.userContext ?? (info.parent ? this.#userContextOf.get(info.parent) : undefined);
    if (userContext) this.#userContextOf.set(info.context, userContext);
  };

  #onContextDestroyed = (info: ContextInfo): void => {
    this.#userContextOf.delete(info.context);
  };

  #onEntry = (entry: LogEntry): void => {
    const context = entry.source?.context;
    const userContext = context ? this.#userContextOf.get(context) : undefined;
    const buffer = userContext ? this.#buffers.get(userContext) : undefined;
    buffer?.push({ level: entry.level ?? 'info', text: entry.text ?? '' });
  };
}

function isEventSource(value: unknown): value is EventSource {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as EventSource).on === 'function' &&
    typeof (value as EventSource).off === 'function'
  );
}

// ---------------------------------------------------------------- helpers

function run(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(file)} ${args.join(' ')} failed: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  // The losing promise may still settle later; keep that from becoming an
  // unhandled rejection.
  promise.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timeout after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function removeProfile(profile: string): Promise<void> {
  await rm(profile, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 }).catch(() => {});
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string[] {
  return (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, name));
}

async function findOnPath(name: string): Promise<string | undefined> {
  for (const candidate of onPath(name)) if (await isExecutable(candidate)) return candidate;
  return undefined;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
