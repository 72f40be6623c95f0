// WebKitGTK's MiniBrowser over WebDriver classic, spoken with plain fetch to
// WebKitWebDriver (Debian's webkit2gtk-driver).
//
// Trust is scoped with a private mount namespace: the browser's process tree
// (driver, MiniBrowser, network and web processes) sees a CA bundle holding
// only the lab CA bind-mounted over the system bundle that GnuTLS reads. The
// rest of the machine keeps its trust store, and a certificate from any other
// CA still fails. WebKitGTK has no scoped alternative: glib-networking and
// GnuTLS honour no CA-file environment variable, and WebKitWebDriver's
// `certificates` capability only allows one exact leaf per host.
//
// Isolation: WebDriver classic has no browser contexts, and WebKitWebDriver
// holds a single session. Each context is therefore its own WebKitWebDriver
// and MiniBrowser; MiniBrowser's automation mode uses an ephemeral data
// manager, so cookies, cache and storage start empty. One session is kept
// ready in advance so newContext() does not wait for a browser start.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { onInterrupt, trackProcessGroup } from './cleanup.ts';
import type { Discovery, EngineContext, EngineDriver, EngineInfo, EngineProfile, LaunchedEngine, LaunchOptions, PermissionState, TrustMaterial } from './types.ts';
import { firstExecutable, isExecutable, onPath, run, stopProcessGroup } from './system.ts';
import { acquireDisplay, type XDisplay } from './xvfb.ts';

const DRIVER = 'webdriver-classic (WebKitWebDriver)';
const BROWSER = 'WebKitGTK MiniBrowser';
const INSTALL_FIX = 'sudo apt-get install webkit2gtk-driver xvfb (or npx cors-lab install-browsers)';
/** Where distributions put MiniBrowser, below /usr/lib/<multiarch>/ or /usr/libexec/. */
const MINIBROWSER_DIRS = ['webkit2gtk-4.1', 'webkitgtk-6.0', 'webkit2gtk-4.0'];
/**
 * CA bundles GnuTLS may be built to read as its system trust (Debian and
 * Ubuntu: the first). Every one that exists is covered by the lab bundle.
 */
const SYSTEM_CA_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  '/etc/ssl/ca-bundle.pem',
  '/etc/ssl/cert.pem',
];
/** Proxy variables are dropped so lab traffic goes straight to loopback. */
const PROXY_VARIABLES = ['http_proxy', 'https_proxy', 'all_proxy', 'no_proxy', 'ftp_proxy'];
/** Extra time a WebDriver command gets beyond the browser-side timeout before fetch gives up. */
const COMMAND_SLACK_MS = 5000;
/** How long deleting a session may take before the driver's group is killed anyway. */
const CLOSE_GRACE_MS = 3000;

interface Trust {
  /** Command prefix that runs the driver inside the trust namespace. */
  wrapper: string[];
  acceptInsecureCerts: boolean;
  /** Honest description for EngineInfo.trust. */
  description: string;
}

interface SlotConfig {
  driverPath: string;
  miniBrowserPath: string;
  /** MiniBrowser arguments for the engine profile (cookie policy, ITP). */
  profileArgs: string[];
  /** The posing proxy, "host:port", if any. */
  proxy?: string;
  env: NodeJS.ProcessEnv;
  trust: Trust;
  timeoutMs: number;
}

/** One WebKitWebDriver process with its one session (one MiniBrowser). */
interface Slot {
  base: string;
  sessionId: string;
  capabilities: Record<string, unknown>;
  close(): Promise<void>;
}

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

/**
 * MiniBrowser's own --proxy, one HTTP proxy for every scheme. (WebDriver's
 * proxy capability is no use here: WebKitGTK reads its sslProxy as a proxy
 * that itself speaks TLS.)
 */
function proxyArgs(proxy: string | undefined): string[] {
  return proxy ? [`--proxy=http://${proxy}`] : [];
}

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

// ---------------------------------------------------------------------------
// Trust

/**
 * CORS_LAB_WEBKIT_TRUST picks the mode: "auto" (default: namespace when it
 * works, else acceptInsecureCerts), "namespace", "insecure" or "none".
 */
async function prepareTrust(material: TrustMaterial, workDir: string, timeoutMs: number): Promise<Trust> {
  const wanted = process.env.CORS_LAB_WEBKIT_TRUST ?? 'auto';
  if (wanted === 'none') {
    return { wrapper: [], acceptInsecureCerts: false, description: 'none: system trust store only, lab CA not trusted (every lab HTTPS load fails)' };
  }
  if (wanted === 'insecure') return insecureTrust('CORS_LAB_WEBKIT_TRUST=insecure');
  if (wanted !== 'auto' && wanted !== 'namespace') {
    throw new Error(`CORS_LAB_WEBKIT_TRUST=${wanted} is not one of auto, namespace, insecure, none`);
  }
  const attempt = await namespaceTrust(material, workDir, timeoutMs);
  if ('wrapper' in attempt) return attempt;
  if (wanted === 'namespace') throw new Error(`scoped WebKit trust unavailable: ${attempt.unavailable}`);
  return insecureTrust(attempt.unavailable);
}

function insecureTrust(why: string): Trust {
  return {
    wrapper: [],
    acceptInsecureCerts: true,
    description: `acceptInsecureCerts (NOT scoped: every certificate is accepted, so untrusted-certificate cases cannot fail; ${why})`,
  };
}

/**
 * Runs the driver under `unshare --mount` with the lab CA bind-mounted over
 * the system CA bundles. The mount is private to that process tree. Root
 * uses the mount namespace directly; other users need an unprivileged user
 * namespace (`--map-root-user`) to be allowed to mount.
 */
async function namespaceTrust(material: TrustMaterial, workDir: string, timeoutMs: number): Promise<Trust | { unavailable: string }> {
  const unshare = await firstExecutable(onPath('unshare'));
  if (!unshare) return { unavailable: 'unshare (util-linux) not found' };
  const targets = SYSTEM_CA_BUNDLES.filter((file) => existsSync(file));
  if (targets.length === 0) return { unavailable: `no system CA bundle to replace (looked for ${SYSTEM_CA_BUNDLES.join(', ')})` };

  const bundle = path.join(workDir, 'lab-ca-bundle.pem');
  const pem = material.caCertPem.endsWith('\n') ? material.caCertPem : `${material.caCertPem}\n`;
  await writeFile(bundle, pem, { mode: 0o644 });
  const namespaceFlags = process.getuid?.() === 0 ? ['--mount'] : ['--user', '--map-root-user', '--mount'];
  // $1 is the bundle, then targets up to "--", then the command to exec.
  const script = 'b="$1"; shift; while [ "$1" != -- ]; do mount --bind "$b" "$1" || exit 97; shift; done; shift; exec "$@"';
  const wrapper = [unshare, ...namespaceFlags, '--propagation', 'private', '--', 'sh', '-c', script, 'cors-lab-trust', bundle, ...targets, '--'];

  // Prove the mount works and is what GnuTLS will read before relying on it.
  const seen = await run(wrapper[0]!, [...wrapper.slice(1), 'cat', targets[0]!], timeoutMs).catch((error: unknown) => error);
  if (seen !== pem) {
    const why = typeof seen === 'string' ? 'bind mount did not take effect' : messageOf(seen);
    return { unavailable: `private mount namespace failed (${why})` };
  }
  return {
    wrapper,
    acceptInsecureCerts: false,
    description: `private mount namespace: the lab CA alone is bind-mounted over ${targets.join(', ')} for the browser's processes only; other CAs fail`,
  };
}

// ---------------------------------------------------------------------------
// WebKitWebDriver processes and sessions

async function openSlot(config: SlotConfig, timeoutMs = config.timeoutMs, signal?: AbortSignal): Promise<Slot> {
  const deadline = Date.now() + timeoutMs;
  const port = await freePort();
  const argv = [...config.trust.wrapper, config.driverPath, `--port=${port}`, '--host=127.0.0.1'];
  // Detached: the driver leads a process group that MiniBrowser and its
  // WebKit processes join, so one kill reaches all of them.
  const child = spawn(argv[0]!, argv.slice(1), { detached: true, env: config.env, stdio: ['ignore', 'ignore', 'pipe'] });
  trackProcessGroup(child.pid);
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  (child.stderr as net.Socket).unref();
  child.unref();
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error; // surfaced by the readiness wait below
  });
  const base = `http://127.0.0.1:${port}`;
  let sessionId: string | undefined;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      // Deleting the session makes the driver close MiniBrowser cleanly.
      if (sessionId) await webdriver(base, 'DELETE', `/session/${sessionId}`, undefined, CLOSE_GRACE_MS).catch(() => {});
      await stopProcessGroup(child, CLOSE_GRACE_MS);
    })());

  // Aborted: the driver and its browser go at once, which fails the pending requests.
  if (signal?.aborted) void close();
  else signal?.addEventListener('abort', () => void close(), { once: true });
  try {
    await waitForDriver(child, base, deadline, () => spawnError?.message ?? stderr);
    const created = await webdriver<{ sessionId: string; capabilities: Record<string, unknown> }>(
      base,
      'POST',
      '/session',
      {
        capabilities: {
          alwaysMatch: {
            acceptInsecureCerts: config.trust.acceptInsecureCerts,
            pageLoadStrategy: 'normal',
            // A stray alert() must not block the probe commands.
            unhandledPromptBehavior: 'dismiss',
            'webkitgtk:browserOptions': { binary: config.miniBrowserPath, args: ['--automation', ...config.profileArgs, ...proxyArgs(config.proxy)] },
          },
        },
      },
      Math.max(1, deadline - Date.now()),
    );
    sessionId = created.sessionId;
    return { base, sessionId, capabilities: created.capabilities, close };
  } catch (error) {
    await close();
    const tail = stderr.trim().split('\n').slice(-3).join(' | ');
    throw new Error(`WebKitWebDriver session failed: ${messageOf(error)}${tail ? ` (stderr: ${tail})` : ''}`);
  }
}

async function waitForDriver(child: ChildProcess, base: string, deadline: number, stderr: () => string): Promise<void> {
  // A failed spawn has no pid and reports why on the next tick.
  if (child.pid === undefined) await new Promise((resolve) => setImmediate(resolve));
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
      throw new Error(`WebKitWebDriver exited (${child.signalCode ?? `code ${child.exitCode}`}) before listening: ${stderr().trim() || 'no output'}`);
    }
    const status = await webdriver<{ ready?: boolean }>(base, 'GET', '/status', undefined, 1000).catch(() => undefined);
    if (status?.ready) return;
    if (Date.now() > deadline) throw new Error('WebKitWebDriver did not become ready in time (timeout)');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

class WebDriverError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message ? `${code}: ${message}` : code);
    this.code = code;
  }
}

/** One WebDriver classic command; error responses become WebDriverError. */
async function webdriver<T>(base: string, method: string, route: string, body: unknown, timeoutMs: number): Promise<T> {
  let response: Response;
  try {
    response = await fetch(base + route, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json; charset=utf-8' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(Math.ceil(timeoutMs)),
    });
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') {
      throw new WebDriverError('timeout', `WebKitWebDriver did not answer ${method} ${route} within ${timeoutMs} ms`);
    }
    throw new Error(`WebKitWebDriver unreachable (${method} ${route}): ${messageOf(error)}`);
  }
  const payload = (await response.json().catch(() => undefined)) as { value?: unknown } | undefined;
  const value = payload?.value;
  if (value !== null && typeof value === 'object' && 'error' in value) {
    const { error, message } = value as { error: unknown; message?: unknown };
    throw new WebDriverError(String(error), typeof message === 'string' ? message : '');
  }
  if (!response.ok) throw new WebDriverError(`http ${response.status}`, `${method} ${route}`);
  return value as T;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------
// Small helpers

/** Work dirs (they hold the CA bundle) still present; removed on exit even without close(). */
const liveWorkDirs = new Set<string>();

function trackWorkDir(dir: string): void {
  if (liveWorkDirs.size === 0) process.once('exit', removeLiveWorkDirs);
  liveWorkDirs.add(dir);
}

function removeLiveWorkDirs(): void {
  for (const dir of liveWorkDirs) rmSync(dir, { recursive: true, force: true });
  liveWorkDirs.clear();
}

async function removeWorkDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  liveWorkDirs.delete(dir);
  if (liveWorkDirs.size === 0) process.removeListener('exit', removeLiveWorkDirs);
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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
