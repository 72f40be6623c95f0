// One interface for every engine driver. A driver knows how to find its
// browser, launch it with the lab CA trusted in a scoped way, open isolated
// contexts, navigate, evaluate a probe expression and close.

/** The three browser engines; scenario deviations and the behaviour registry are keyed by family. */
export type EngineFamily = 'chromium' | 'firefox' | 'webkit';
export const ENGINE_FAMILIES: readonly EngineFamily[] = ['chromium', 'firefox', 'webkit'];
/**
 * A column of a result: a local engine's id is its family ("chromium"); a
 * remote engine's (engines/remote.ts) is the name its configuration gives it.
 */
export type EngineId = string;
/** The local engines, in the order results list them (remote engines follow). */
export const ENGINE_IDS: readonly EngineFamily[] = ENGINE_FAMILIES;

/** The full browser, or Chromium's headless shell (a separate, smaller browser that differs on some cookie cases). */
export type BuildKind = 'full' | 'headless-shell';
export const BUILD_KINDS: readonly BuildKind[] = ['full', 'headless-shell'];

/** Which build of its engine a column is: what was asked for, its kind and where it came from. */
export interface EngineBuildInfo {
  /** The build name asked for: "chromium", "chromium@143", "chromium-headless-shell", "firefox@140". */
  name: string;
  kind: BuildKind;
  /** "system (/usr/bin/chromium)", an npm package with its version, "Debian firefox-esr 140.12.0esr-1~deb12u1". */
  source: string;
}

/** What `cors-lab browsers` prints and what every result names. */
export interface EngineInfo {
  id: EngineId;
  /** Which engine it is, for the deviations and behaviours that apply: the id itself for a local engine. */
  family: EngineFamily;
  /** Product name, e.g. "Chromium", "Firefox ESR", "WebKitGTK MiniBrowser". */
  browser: string;
  /** Exact version reported by the browser itself, e.g. "156.0.8078.79". */
  version: string;
  /** How the harness talks to it, e.g. "playwright (executablePath)", "webdriver-bidi (puppeteer-core)". */
  driver: string;
  /** How the lab CA is trusted, e.g. "--ignore-certificate-errors-spki-list". */
  trust: string;
  executablePath: string;
  /** The engine profile the browser was launched with (see ENGINE_PROFILES). */
  profile: EngineProfile;
  /** The settings behind its third-party cookie behaviour, as launched. */
  cookieSettings: string;
  /** A remote engine: where it runs, as its WebDriver endpoint reports it. */
  remote?: RemoteEngineInfo;
  /** A local engine's build (absent for remote engines, whose endpoint decides, and in results from before builds). */
  build?: EngineBuildInfo;
}

export interface RemoteEngineInfo {
  /** The endpoint, without credentials. */
  endpoint: string;
  /** browserName as the endpoint reports it, e.g. "chrome", "MiniBrowser", "Safari". */
  browserName: string;
  platformName: string;
  /** Whether the engine was driven over WebDriver BiDi as well as classic (the endpoint returned a webSocketUrl). */
  bidi: boolean;
}

/**
 * What to emulate:
 * - defaults: each engine exactly as cors-lab launches it, with its own defaults;
 * - shipping: close to the shipping browser: Chrome's and Firefox's defaults,
 *   and Safari-like WebKit (ITP on, third-party cookies refused);
 * - allow-third-party: every engine accepts third-party cookies, to see CORS
 *   credentials mechanics without cookie policies in the way.
 */
export const ENGINE_PROFILES = ['defaults', 'shipping', 'allow-third-party'] as const;
export type EngineProfile = (typeof ENGINE_PROFILES)[number];

export type Discovery =
  | { found: true; id: EngineId; executablePath: string; driver: string; build?: EngineBuildInfo }
  | { found: false; id: EngineId; reason: string; fix: string };

/** An engine asked for and not run, with why and the fix: never run, never invented. */
export interface MissingEngine {
  id: EngineId;
  reason: string;
  fix: string;
  /** The browser was found but did not start: a harness failure, where a browser not found is a missing install. */
  found: boolean;
}

/** Material the driver needs to trust the lab CA (and only it). */
export interface TrustMaterial {
  /** PEM of the lab CA certificate. */
  caCertPem: string;
  /** Path of the same PEM on disk (for certutil and similar). */
  caCertPath: string;
  /** base64(sha256(SubjectPublicKeyInfo)) of the CA and of the lab leaf key. */
  spkiHashes: string[];
}

export interface LaunchOptions {
  trust: TrustMaterial;
  /** Upper bound for launch and for any single driver command. */
  timeoutMs: number;
  /** Extra environment for the browser process (e.g. for clock control later). */
  env?: Record<string, string>;
  /** Default: "defaults". */
  profile?: EngineProfile;
  /**
   * "127.0.0.1:<port>" of the lab's posing proxy (lab/proxy.ts): every
   * request, loopback included, goes through it, so the engine sees posed
   * origins at exactly the given host and port.
   */
  proxy?: string;
  /** The Private/Local Network Access study's address spaces and host mapping. */
  network?: AddressSpaceNetwork;
  /**
   * How many contexts the flow will open, where its plan says (a catalog
   * run). An engine that starts a browser per context starts no spare one
   * past it: a spare nobody takes costs a browser start of CPU.
   */
  contexts?: number;
  /** Firefox preferences to set beyond cors-lab's own (research compat's runs with a BCD flag); only the Firefox driver reads them. */
  firefoxPrefs?: Record<string, string | number | boolean>;
}

/**
 * Address spaces for the Private/Local Network Access study: lab addresses
 * ("127.0.0.1:<port>") the engine must treat as public or local, and
 * hostnames it must resolve to 127.0.0.1 itself (pages on a name that is not
 * *.localhost are not secure contexts over http).
 */
export interface AddressSpaceNetwork {
  publicAddresses: string[];
  localAddresses: string[];
  loopbackHostnames: string[];
}

/** What a launched engine can do with an AddressSpaceNetwork, as launched. */
export interface NetworkSupport {
  /** The engine applied the address-space overrides. */
  overrides: boolean;
  /** How (the flag or prefs), or why it could not. */
  overridesDetail: string;
  /** How permissions are set in this engine, or why they cannot be. */
  permissionsDetail: string;
}

export type PermissionState = 'granted' | 'denied';

export interface EngineDriver {
  readonly id: EngineId;
  /** The engine resolves AddressSpaceNetwork.loopbackHostnames itself; otherwise they must come through a proxy. */
  readonly mapsHostnames: boolean;
  /**
   * A browser that cannot reach the lab's loopback servers itself (a remote
   * one) reaches them through a lab proxy listening on this address, which
   * the browser can reach; launch() then gets that proxy in LaunchOptions.proxy.
   */
  readonly reachesLabThrough?: { proxyListenHost: string; proxyListenPort?: number };
  discover(): Promise<Discovery>;
  launch(options: LaunchOptions): Promise<LaunchedEngine>;
}

export interface LaunchedEngine {
  readonly info: EngineInfo;
  /** A fresh isolated browsing context: its own cookies, cache and storage. */
  newContext(): Promise<EngineContext>;
  /** What the launch did with LaunchOptions.network. */
  readonly networkSupport: NetworkSupport;
  /** Closes everything the launch started. Safe to call twice. */
  close(): Promise<void>;
}

export interface ConsoleEntry {
  level: string;
  text: string;
}

export interface EngineContext {
  /** Navigates the context's single page and waits for the load event. */
  goto(url: string, timeoutMs: number): Promise<void>;
  /**
   * Evaluates a JavaScript expression in the page. The expression may
   * evaluate to a promise; its JSON-serialisable result is returned.
   */
  evaluate<T>(expression: string, timeoutMs: number): Promise<T>;
  /** The page as a PNG, for a person to look at (the UI's tests save one per engine). */
  screenshot(timeoutMs: number): Promise<Buffer>;
  /**
   * Console messages seen since the last call, or null when the engine
   * does not expose them (the report then says "not exposed").
   */
  takeConsole(): ConsoleEntry[] | null;
  /**
   * The top-level page's console messages arrive before the answer to an
   * evaluate the page finished after logging them (one DevTools session
   * carries both, in order), so none trails the probes of that page.
   * Frames of their own (a sandboxed iframe) report on another session.
   */
  readonly pageConsoleInOrder?: boolean;
  /**
   * Sets a permission (e.g. "local-network-access") for one origin in this
   * context, before the page is loaded; { ok: false } says why it could not.
   */
  setPermission(
    name: string,
    state: PermissionState,
    origin: string,
  ): Promise<{ ok: true } | { ok: false; reason: string }>;
  /**
   * Loads `url` as a top-level page in a tab of its own beside the page's
   * (opened by the automation, not by the page: no opener), leaving the
   * page's document in place. Absent where the engine has no second tab
   * cors-lab drives: a visit then replaces the page.
   */
  visit?(url: string, timeoutMs: number): Promise<void>;
  /**
   * Deletes every cookie of this context, partitioned ones included, so the
   * next page starts with an empty jar as in a new context. `hostPages` is a
   * cookie-less page on each host whose cookies the jar may hold, for an
   * engine that deletes only the current document's cookies (WebDriver
   * classic): it loads each and deletes there, and resolves true as it has
   * replaced the page shown. Absent where the engine cannot reach every
   * cookie either way: the session then opens a new context instead.
   */
  clearCookies?(hostPages: readonly string[]): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Results list the local engines in ENGINE_IDS order, each family's builds
 * together (full browsers, then headless shells; older majors first, the
 * system's build last, as it is the newest there is), then remote engines by id.
 */
export function compareEngineIds(a: EngineId, b: EngineId): number {
  const rank = (id: EngineId): number[] => {
    const build = /^(chromium|firefox|webkit)(-headless-shell)?(?:@(\d+))?$/.exec(id);
    if (!build) return [ENGINE_IDS.length];
    return [
      (ENGINE_IDS as readonly string[]).indexOf(build[1]!),
      build[2] ? 1 : 0,
      build[3] === undefined ? Number.MAX_SAFE_INTEGER : Number(build[3]),
    ];
  };
  const [left, right] = [rank(a), rank(b)];
  for (let i = 0; i < Math.max(left.length, right.length); i += 1) {
    const diff = (left[i] ?? -1) - (right[i] ?? -1);
    if (diff !== 0) return diff;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}
