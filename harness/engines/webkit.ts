// WebKitGTK's MiniBrowser over WebDriver classic, spoken with plain fetch to
// WebKitWebDriver (Debian's webkit2gtk-driver).
//
// Trust is scoped with a private mount namespace (webkit-trust.ts); the
// WebKitWebDriver processes are in webkit-slots.ts, the WebDriver commands in
// webdriver-client.ts.
//
// Isolation: WebDriver classic has no browser contexts, and WebKitWebDriver
// holds a single session. Each context is therefore its own WebKitWebDriver
// and MiniBrowser; MiniBrowser's automation mode uses an ephemeral data
// manager, so cookies, cache and storage start empty. One session is kept
// ready in advance so newContext() does not wait for a browser start.
import { readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { onInterrupt } from './cleanup.ts';
import type { Discovery, EngineContext, EngineDriver, EngineInfo, EngineProfile, LaunchedEngine, LaunchOptions, PermissionState } from './types.ts';
import { firstExecutable, isExecutable, onPath } from './system.ts';
import { messageOf, WebDriverError, webdriver } from './webdriver-client.ts';
import { openSlot, removeWorkDir, trackWorkDir, type Slot, type SlotConfig } from './webkit-slots.ts';
import { prepareTrust } from './webkit-trust.ts';
import { acquireDisplay, type XDisplay } from './xvfb.ts';

const DRIVER = 'webdriver-classic (WebKitWebDriver)';
const BROWSER = 'WebKitGTK MiniBrowser';
const INSTALL_FIX = 'sudo apt-get install webkit2gtk-driver xvfb (or npx cors-lab install-browsers)';
/** Where distributions put MiniBrowser, below /usr/lib/<multiarch>/ or /usr/libexec/. */
const MINIBROWSER_DIRS = ['webkit2gtk-4.1', 'webkitgtk-6.0', 'webkit2gtk-4.0'];
/** Proxy variables are dropped so lab traffic goes straight to loopback. */
const PROXY_VARIABLES = ['http_proxy', 'https_proxy', 'all_proxy', 'no_proxy', 'ftp_proxy'];
/** Extra time a WebDriver command gets beyond the browser-side timeout before fetch gives up. */
const COMMAND_SLACK_MS = 5000;

export const webkitDriver: EngineDriver = {
  id: 'webkit',
  mapsHostnames: false,

  async discover(): Promise<Discovery> {
    const miss = (reason: string, fix = INSTALL_FIX): Discovery => ({ found: false, id: 'webkit', reason, fix });
    if (process.platform !== 'linux') return miss('WebKitGTK MiniBrowser and WebKitWebDriver exist on Linux only', 'use a Linux machine or container');

    const driverOverride = process.env.CORS_LAB_WEBKIT_DRIVER;
    const driverPath = driverOverride ?? (await firstExecutable(onPath('WebKitWebDriver')));
    if (driverOverride && !(await isExecutable(driverOverride))) {
      return miss(`CORS_LAB_WEBKIT_DRIVER=${driverOverride} is not an executable file`, `point it at WebKitWebDriver, or unset it and ${INSTALL_FIX}`);
    }
    if (!driverPath) return miss('WebKitWebDriver not found on PATH');

    const browserOverride = process.env.CORS_LAB_MINIBROWSER;
    const miniBrowserPath = browserOverride ?? (await firstExecutable(miniBrowserCandidates()));
    if (browserOverride && !(await isExecutable(browserOverride))) {
      return miss(`CORS_LAB_MINIBROWSER=${browserOverride} is not an executable file`, `point it at MiniBrowser, or unset it and ${INSTALL_FIX}`);
    }
    if (!miniBrowserPath) return miss(`MiniBrowser not found (looked in /usr/lib/*/{${MINIBROWSER_DIRS.join(',')}} and /usr/libexec)`);

    // MiniBrowser needs an X display; without DISPLAY we start Xvfb.
    if (!process.env.DISPLAY && !(await firstExecutable(onPath('Xvfb')))) return miss('no DISPLAY and Xvfb not found on PATH');
    return { found: true, id: 'webkit', executablePath: miniBrowserPath, driver: DRIVER };
  },

  async launch(options: LaunchOptions): Promise<LaunchedEngine> {
    const discovery = await webkitDriver.discover();
    if (!discovery.found) throw new Error(`WebKitGTK unavailable: ${discovery.reason}; fix: ${discovery.fix}`);
    const miniBrowserPath = discovery.executablePath;
    const driverPath = process.env.CORS_LAB_WEBKIT_DRIVER ?? (await firstExecutable(onPath('WebKitWebDriver')))!;
    // One deadline for the whole launch: display, trust probe and first session.
    const deadline = Date.now() + options.timeoutMs;
    const left = (): number => Math.max(1, deadline - Date.now());

    const workDir = await mkdtemp(path.join(os.tmpdir(), 'cors-lab-webkit-'));
    trackWorkDir(workDir);
    let display: XDisplay | undefined;
    let first: Slot | undefined;
    try {
      display = await acquireDisplay(left());
      const trust = await prepareTrust(options.trust, workDir, left());
      // XDG_CACHE_HOME is left alone on purpose: MiniBrowser keeps only its
      // GStreamer registry and shader cache there (site data is ephemeral in
      // automation mode), and a fresh cache dir adds ~600 ms to every start.
      const env: NodeJS.ProcessEnv = { ...process.env, DISPLAY: display.display, ...options.env };
      for (const name of PROXY_VARIABLES) {
        delete env[name];
        delete env[name.toUpperCase()];
      }
      const config: SlotConfig = { driverPath, miniBrowserPath, profileArgs: PROFILE_ARGS[options.profile ?? 'defaults'], ...(options.proxy ? { proxy: options.proxy } : {}), env, trust, timeoutMs: options.timeoutMs };
      // The first session proves the browser starts and reports its version;
      // it then serves the first newContext().
      first = await openSlot(config, left());
      return startedEngine(config, first, display, workDir);
    } catch (error) {
      await first?.close();
      await display?.stop();
      await removeWorkDir(workDir);
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
  const policy = args.find((arg) => arg.startsWith('--cookies-policy='))?.split('=')[1] ?? 'no-third-party (MiniBrowser default)';
  return `MiniBrowser --cookies-policy ${policy}; ITP ${args.includes('--enable-itp') ? 'on (--enable-itp)' : 'off'}`;
}

function startedEngine(config: SlotConfig, first: Slot, display: XDisplay, workDir: string): LaunchedEngine {
  const info: EngineInfo = {
    id: 'webkit',
    browser: BROWSER,
    version: typeof first.capabilities.browserVersion === 'string' ? first.capabilities.browserVersion : 'unknown',
    driver: DRIVER,
    trust: config.trust.description,
    executablePath: config.miniBrowserPath,
    profile: (Object.keys(PROFILE_ARGS) as EngineProfile[]).find((name) => PROFILE_ARGS[name] === config.profileArgs) ?? 'defaults',
    cookieSettings: describeCookieArgs(config.profileArgs),
  };
  const contexts = new Set<WebKitContext>();
  let spare: Promise<Slot> | undefined = Promise.resolve(first);
  // Slots still starting: closing stops them at once rather than wait out
  // their session request (one that hangs holds the process for its timeout).
  const starting = new Set<AbortController>();
  let closed = false;
  let closing: Promise<void> | undefined;

  const startSlot = (): Promise<Slot> => {
    const abort = new AbortController();
    starting.add(abort);
    const slot = openSlot(config, config.timeoutMs, abort.signal);
    void slot.then(() => starting.delete(abort), () => starting.delete(abort));
    return slot;
  };
  const prefetch = (): void => {
    spare = startSlot();
    spare.catch(() => {}); // reported when a context takes it
  };

  const close = (): Promise<void> =>
    (closing ??= (async () => {
      closed = true;
      unregisterInterrupt();
      const pending = spare;
      spare = undefined;
      for (const abort of starting) abort.abort();
      await Promise.all([
        ...[...contexts].map((context) => context.close()),
        pending?.then((slot) => slot.close(), () => {}),
      ]);
      await display.stop();
      await removeWorkDir(workDir);
    })());
  const unregisterInterrupt = onInterrupt(close);

  return {
    info,
    networkSupport: {
      overrides: false,
      overridesDetail: 'WebKitGTK has no address-space override setting (MiniBrowser and WebKitWebDriver offer none)',
      permissionsDetail: "WebDriver's Set Permission command (POST /session/{id}/permissions)",
    },
    async newContext(): Promise<EngineContext> {
      if (closed) throw new Error('WebKit engine is closed');
      const taken = spare ?? startSlot();
      spare = undefined;
      let slot: Slot;
      try {
        slot = await taken;
      } catch (error) {
        if (closed) throw error; // stopped by close(): no fresh attempt
        slot = await startSlot(); // a failed spare gets one fresh attempt
      }
      if (closed) {
        await slot.close();
        throw new Error('WebKit engine is closed');
      }
      prefetch();
      const context = new WebKitContext(slot, config.timeoutMs, () => contexts.delete(context));
      contexts.add(context);
      return context;
    },
    close,
  };
}

class WebKitContext implements EngineContext {
  #slot: Slot;
  #commandTimeoutMs: number;
  #onClose: () => void;
  #navigations = 0;
  #timeouts: { script?: number; pageLoad?: number } = {};
  /** Set after a navigation timeout: WebKitWebDriver then blocks every command on the stuck load. */
  #unusable: string | undefined;
  #closing: Promise<void> | undefined;

  constructor(slot: Slot, commandTimeoutMs: number, onClose: () => void) {
    this.#slot = slot;
    this.#commandTimeoutMs = commandTimeoutMs;
    this.#onClose = onClose;
  }

  async goto(url: string, timeoutMs: number): Promise<void> {
    this.#checkUsable();
    // A token on the current window tells a replaced document from a kept one:
    // a failed load can leave the previous page in place without any error.
    const token = `cors-lab-navigation-${++this.#navigations}`;
    const before = await this.#execute<string>('window.__corsLabNavigation = arguments[0]; return location.href;', [token]).catch(() => undefined);
    await this.#setTimeouts({ pageLoad: timeoutMs });
    try {
      await this.#command('POST', 'url', { url }, timeoutMs + COMMAND_SLACK_MS);
    } catch (error) {
      if (error instanceof WebDriverError && error.code === 'timeout') {
        this.#unusable = `navigation to ${url} timed out`;
        throw new Error(`goto ${url}: timeout after ${timeoutMs} ms waiting for the load event (this context can only be closed now)`);
      }
      throw new Error(`goto ${url}: ${messageOf(error)}`);
    }
    const after = await this.#execute<{ kept: boolean; href: string; text: string }>(
      'return { kept: window.__corsLabNavigation === arguments[0], href: location.href, text: document.body ? document.body.innerText.trim().slice(0, 200) : "" };',
      [token],
    );
    // Network and TLS errors end on an error page that reports about:blank.
    if (after.href === 'about:blank' && !url.startsWith('about:')) {
      throw new Error(`goto ${url}: navigation failed (network error${after.text ? `: ${after.text}` : ''})`);
    }
    if (after.kept && !isFragmentNavigation(before, url)) {
      throw new Error(`goto ${url}: navigation failed (network error; the previous document ${after.href} is still shown)`);
    }
  }

  async evaluate<T>(expression: string, timeoutMs: number): Promise<T> {
    this.#checkUsable();
    await this.#setTimeouts({ script: timeoutMs });
    // The expression is compiled as part of the WebDriver script (not eval'd
    // in the page), so a page CSP without 'unsafe-eval' does not block it.
    // The result crosses as a JSON string so it means the same as elsewhere.
    const script = [
      'const done = arguments[arguments.length - 1];',
      '(async () => (',
      expression,
      '))().then(',
      '  (value) => { try { done({ ok: true, json: JSON.stringify(value === undefined ? null : value) ?? "null" }); } catch (error) { done({ ok: false, error: "result is not JSON-serialisable: " + error }); } },',
      '  (error) => done({ ok: false, error: error instanceof Error ? error.name + ": " + error.message : String(error) }));',
    ].join('\n');
    let outcome: { ok: true; json: string } | { ok: false; error: string };
    try {
      outcome = await this.#command('POST', 'execute/async', { script, args: [] }, timeoutMs + COMMAND_SLACK_MS);
    } catch (error) {
      if (error instanceof WebDriverError && (error.code === 'script timeout' || error.code === 'timeout')) {
        throw new Error(`evaluate: timeout after ${timeoutMs} ms`);
      }
      throw new Error(`evaluate: ${messageOf(error)}`);
    }
    if (!outcome.ok) throw new Error(`evaluate: ${outcome.error}`);
    return JSON.parse(outcome.json) as T;
  }

  /** The Permissions spec's WebDriver extension; WebKitWebDriver answers "unknown command" where it lacks it. */
  async setPermission(name: string, state: PermissionState, _origin: string): Promise<{ ok: true } | { ok: false; reason: string }> {
    try {
      await this.#command('POST', 'permissions', { descriptor: { name }, state }, this.#commandTimeoutMs);
      return { ok: true };
    } catch (error) {
      return { ok: false, reason: messageOf(error) };
    }
  }

  /** WebDriver classic exposes no console, and WebKit does not print it for automated pages. */
  takeConsole(): null {
    return null;
  }

  close(): Promise<void> {
    return (this.#closing ??= (async () => {
      this.#unusable ??= 'context closed';
      this.#onClose();
      await this.#slot.close();
    })());
  }

  #checkUsable(): void {
    if (this.#unusable) throw new Error(`WebKit context unusable: ${this.#unusable}`);
  }

  async #setTimeouts(wanted: { script?: number; pageLoad?: number }): Promise<void> {
    // WebDriver wants whole milliseconds.
    const changed = Object.fromEntries(
      Object.entries(wanted)
        .map(([key, value]) => [key, Math.ceil(value)] as const)
        .filter(([key, value]) => this.#timeouts[key as keyof typeof wanted] !== value),
    );
    if (Object.keys(changed).length === 0) return;
    await this.#command('POST', 'timeouts', changed, this.#commandTimeoutMs);
    Object.assign(this.#timeouts, changed);
  }

  #execute<T>(script: string, args: unknown[]): Promise<T> {
    return this.#command<T>('POST', 'execute/sync', { script, args }, this.#commandTimeoutMs);
  }

  #command<T>(method: string, endpoint: string, body: unknown, timeoutMs: number): Promise<T> {
    return webdriver<T>(this.#slot.base, method, `/session/${this.#slot.sessionId}/${endpoint}`, body, timeoutMs);
  }
}

/** True when `url` differs from `before` only in its fragment (no new document). */
function isFragmentNavigation(before: string | undefined, url: string): boolean {
  if (!before) return false;
  try {
    const from = new URL(before);
    const to = new URL(url);
    if (!to.hash) return false;
    from.hash = '';
    to.hash = '';
    return from.href === to.href;
  } catch {
    return false;
  }
}

function miniBrowserCandidates(): string[] {
  const roots: string[] = [];
  try {
    for (const entry of readdirSync('/usr/lib')) if (entry.endsWith('-linux-gnu')) roots.push(path.join('/usr/lib', entry));
  } catch {
    // no /usr/lib
  }
  roots.push('/usr/libexec', '/usr/lib');
  return roots.flatMap((root) => MINIBROWSER_DIRS.map((dir) => path.join(root, dir, 'MiniBrowser')));
}
