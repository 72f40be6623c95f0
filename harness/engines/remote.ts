// A remote engine: a browser behind a WebDriver endpoint (a Selenium Grid,
// safaridriver, a cloud grid), spoken to over WebDriver classic for sessions,
// navigation and script, and over BiDi where the endpoint returns a
// webSocketUrl (console messages, permissions).
//
// The browser may run on another machine, where *.localhost and the lab's
// loopback ports are its own: it reaches the lab through a lab proxy that
// listens on an address it can reach (`labAddress`), set with the WebDriver
// proxy capability (or the browser's own switch where that capability falls
// short). The lab CA is trusted in the narrowest way the browser allows over
// WebDriver: Chromium's SPKI list is scoped to the lab CA; elsewhere only
// acceptInsecureCerts is possible, which trusts every certificate, and the
// engine entry says so.
import { BidiSocket } from './bidi-socket.ts';
import type { RemoteEngineConfig } from './remote-config.ts';
import type {
  ConsoleEntry,
  Discovery,
  EngineDriver,
  EngineInfo,
  LaunchedEngine,
  LaunchOptions,
  TrustMaterial,
} from './types.ts';
import { webdriver, WebDriverError, type WebDriverEndpoint } from './webdriver-client.ts';
import { messageOf } from '../package/error-message.ts';
import { sessionPerContext, type WebDriverSession } from './webdriver-sessions.ts';

/** How long the endpoint's /status may take to answer discovery. */
const STATUS_TIMEOUT_MS = 10_000;
/** Deleting a session: a Grid answers at once; a session left behind holds a slot, so this is worth a wait. */
const DELETE_TIMEOUT_MS = 15_000;
const UNSCOPED_TRUST =
  "acceptInsecureCerts (NOT scoped: the browser accepts every certificate, not only the lab CA's; an endpoint offers nothing narrower for this browser)";

export function remoteDriver(config: RemoteEngineConfig): EngineDriver {
  const endpoint = (): WebDriverEndpoint | { missing: string } => {
    if (!config.credentials)
      return { base: config.url, name: `the WebDriver endpoint of ${config.id} (${config.url})` };
    const user = process.env[config.credentials.usernameEnv];
    const password = process.env[config.credentials.passwordEnv];
    const unset = [config.credentials.usernameEnv, config.credentials.passwordEnv].filter((name) => !process.env[name]);
    if (unset.length > 0) return { missing: unset.join(' and ') };
    return {
      base: config.url,
      name: `the WebDriver endpoint of ${config.id} (${config.url})`,
      headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
    };
  };

  return {
    id: config.id,
    mapsHostnames: false,
    reachesLabThrough: {
      proxyListenHost: config.labAddress,
      ...(config.proxyPort ? { proxyListenPort: config.proxyPort } : {}),
    },

    async discover(): Promise<Discovery> {
      const miss = (reason: string, fix: string): Discovery => ({ found: false, id: config.id, reason, fix });
      const target = endpoint();
      if ('missing' in target)
        return miss(
          `the credentials are not set: ${target.missing}`,
          `export ${target.missing} (named in ${config.source})`,
        );
      try {
        const status = await webdriver<{ ready?: boolean; message?: string }>(
          target,
          'GET',
          '/status',
          undefined,
          STATUS_TIMEOUT_MS,
        );
        if (status?.ready === false)
          return miss(
            `the endpoint at ${config.url} is not ready: ${status.message ?? 'no message'}`,
            "wait until its nodes have registered, or check the Grid's own log",
          );
      } catch (error) {
        return miss(messageOf(error), `start the endpoint, or correct the url of ${config.id} (${config.source})`);
      }
      return { found: true, id: config.id, executablePath: config.url, driver: driverName(config, config.bidi) };
    },

    async launch(options: LaunchOptions): Promise<LaunchedEngine> {
      const target = endpoint();
      if ('missing' in target) throw new Error(`${config.id}: the credentials are not set: ${target.missing}`);
      if (!options.proxy)
        throw new Error(`${config.id}: a remote engine reaches the lab through a proxy, and none was given`);
      if (options.profile && options.profile !== 'defaults') {
        throw new Error(
          `${config.id}: a remote engine runs with its endpoint's own settings, so the "${options.profile}" profile cannot be applied. Fix: run remote engines with --profile defaults`,
        );
      }
      const plan = sessionPlan(config, options.proxy, options.trust);
      let bidi = config.bidi;
      const open = async (signal?: AbortSignal): Promise<WebDriverSession> => {
        try {
          return await openSession(target, config, plan.capabilities, bidi, options.timeoutMs, signal);
        } catch (error) {
          // An endpoint that cannot give BiDi refuses webSocketUrl: classic alone then (WebKit is not even asked: remote-config.ts).
          if (!bidi || !(error instanceof WebDriverError) || error.code !== 'session not created') throw error;
          bidi = false;
          return openSession(target, config, plan.capabilities, false, options.timeoutMs, signal);
        }
      };
      const first = await open();
      const capabilities = first.capabilities;
      const info: EngineInfo = {
        id: config.id,
        family: config.family,
        browser: `${String(capabilities.browserName ?? config.capabilities.browserName)} (remote, ${String(capabilities.platformName ?? 'platform not reported')})`,
        version: typeof capabilities.browserVersion === 'string' ? capabilities.browserVersion : 'unknown',
        driver: driverName(config, bidi),
        trust: plan.trust,
        executablePath: config.url,
        profile: 'defaults',
        cookieSettings: "the endpoint's own (cors-lab sets none on a remote engine)",
        remote: {
          endpoint: config.url,
          browserName: String(capabilities.browserName ?? ''),
          platformName: String(capabilities.platformName ?? ''),
          bidi,
        },
      };
      return sessionPerContext({
        info,
        networkSupport: {
          overrides: false,
          overridesDetail: 'a remote engine takes no address-space overrides from cors-lab',
          permissionsDetail: bidi
            ? 'WebDriver BiDi permissions.setPermission'
            : "WebDriver's Set Permission command (POST /session/{id}/permissions)",
        },
        first,
        open,
        commandTimeoutMs: options.timeoutMs,
        ...(options.contexts !== undefined ? { contexts: options.contexts } : {}),
      });
    },
  };
}

function driverName(config: RemoteEngineConfig, bidi: boolean): string {
  return `webdriver-classic${bidi ? ' + bidi' : ''} (remote: ${config.url})`;
}

/** The capabilities every session of this engine asks for, and how the lab CA is trusted with them. */
export function sessionPlan(
  config: RemoteEngineConfig,
  proxy: string,
  trust: TrustMaterial,
): { capabilities: Record<string, unknown>; trust: string } {
  const capabilities: Record<string, unknown> = structuredClone(config.capabilities);
  capabilities.pageLoadStrategy ??= 'normal';
  // A stray alert() must not block the probe commands.
  capabilities.unhandledPromptBehavior ??= 'dismiss';
  const manualProxy = { proxyType: 'manual', httpProxy: proxy, sslProxy: proxy };
  const browserName = String(config.capabilities.browserName ?? '').toLowerCase();

  if (config.family === 'chromium') {
    // Chromium never proxies loopback names unless told (<-loopback>), and
    // takes an SPKI list that trusts the lab CA and nothing else.
    const key = browserName === 'msedge' || browserName === 'microsoftedge' ? 'ms:edgeOptions' : 'goog:chromeOptions';
    const own = (capabilities[key] ?? {}) as { args?: string[] };
    capabilities[key] = {
      ...own,
      args: [
        ...withDisabledFeature(own.args ?? [], 'HttpsUpgrades'),
        '--proxy-bypass-list=<-loopback>',
        `--ignore-certificate-errors-spki-list=${trust.spkiHashes.join(',')}`,
      ],
    };
    capabilities.proxy = manualProxy;
    return { capabilities, trust: `--ignore-certificate-errors-spki-list through ${key} (scoped to the lab CA)` };
  }
  capabilities.acceptInsecureCerts = true;
  if (config.family === 'firefox') {
    // Firefox leaves localhost out of any proxy unless this pref says otherwise.
    const own = (capabilities['moz:firefoxOptions'] ?? {}) as { prefs?: Record<string, unknown> };
    capabilities['moz:firefoxOptions'] = {
      ...own,
      prefs: { ...own.prefs, 'network.proxy.allow_hijacking_localhost': true, 'network.proxy.no_proxies_on': '' },
    };
    capabilities.proxy = manualProxy;
    return { capabilities, trust: UNSCOPED_TRUST };
  }
  const webkitgtk = capabilities['webkitgtk:browserOptions'] as { args?: string[] } | undefined;
  if (webkitgtk) {
    // WebKitGTK reads the capability's sslProxy as a proxy that itself speaks
    // TLS; MiniBrowser's own --proxy is one HTTP proxy for every scheme.
    capabilities['webkitgtk:browserOptions'] = {
      ...webkitgtk,
      args: [...(webkitgtk.args ?? []), `--proxy=http://${proxy}`],
    };
  } else if (browserName === 'safari') {
    // safaridriver takes no proxy capability: Safari uses the Mac's own proxy
    // settings, pointed at the lab proxy (proxyPort fixes its port).
  } else {
    capabilities.proxy = manualProxy;
  }
  return { capabilities, trust: UNSCOPED_TRUST };
}

/**
 * Chromium's HTTPS-Upgrades would turn a posed http origin (check) into https,
 * as the local driver knows; added to any --disable-features already given,
 * since Chromium reads only the last one.
 */
function withDisabledFeature(args: string[], feature: string): string[] {
  const given = args.findLast((arg) => arg.startsWith('--disable-features='));
  if (!given) return [...args, `--disable-features=${feature}`];
  return [...args.filter((arg) => !arg.startsWith('--disable-features=')), `${given},${feature}`];
}

/** One session: created, its BiDi connected where there is one, and deleted on close whatever happened. */
async function openSession(
  endpoint: WebDriverEndpoint,
  { id, family }: RemoteEngineConfig,
  capabilities: Record<string, unknown>,
  bidi: boolean,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<WebDriverSession> {
  // The request is not aborted with the signal: a Grid may still create a
  // session for it, which would hold its slot. An aborted open deletes it instead.
  const created = await webdriver<{ sessionId: string; capabilities: Record<string, unknown> }>(
    endpoint,
    'POST',
    '/session',
    { capabilities: { alwaysMatch: { ...capabilities, ...(bidi ? { webSocketUrl: true } : {}) } } },
    timeoutMs,
  );
  let socket: BidiSocket | undefined;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      socket?.close();
      await webdriver(endpoint, 'DELETE', `/session/${created.sessionId}`, undefined, DELETE_TIMEOUT_MS).catch(
        () => {},
      );
    })());
  if (signal?.aborted) {
    await close();
    throw new Error(`${id}: session opened after the engine closed`);
  }
  try {
    const url = created.capabilities.webSocketUrl;
    if (typeof url !== 'string')
      return { endpoint, sessionId: created.sessionId, capabilities: created.capabilities, close };
    socket = await BidiSocket.connect(url, timeoutMs);
    const entries: ConsoleEntry[] = [];
    socket.on('log.entryAdded', (entry) =>
      entries.push({ level: String(entry.level ?? 'info'), text: String(entry.text ?? '') }),
    );
    await socket.send('session.subscribe', { events: ['log.entryAdded'] }, timeoutMs);
    if (family === 'chromium') await chromiumNetworkConsole(socket, entries, timeoutMs);
    const connected = socket;
    return {
      endpoint,
      sessionId: created.sessionId,
      capabilities: created.capabilities,
      takeConsole: () => entries.splice(0),
      setPermission: async (name, state, origin) => {
        await connected.send('permissions.setPermission', { descriptor: { name }, state, origin }, timeoutMs);
      },
      close,
    };
  } catch (error) {
    await close();
    throw new Error(`${id}: BiDi for session ${created.sessionId}: ${messageOf(error)}`);
  }
}

/**
 * BiDi's log.entryAdded carries the page's console calls, but Chromium's own
 * messages (a CORS refusal, a failed load) are DevTools Log entries. Chromium's
 * BiDi offers DevTools events as goog:cdp.*: with the Log domain enabled on
 * the page's DevTools session, the console is what a local Chromium shows.
 */
async function chromiumNetworkConsole(socket: BidiSocket, entries: ConsoleEntry[], timeoutMs: number): Promise<void> {
  socket.on('goog:cdp.Log.entryAdded', (event) => {
    const entry = (event.params as { entry?: { level?: string; text?: string } } | undefined)?.entry;
    if (entry) entries.push({ level: String(entry.level ?? 'info'), text: String(entry.text ?? '') });
  });
  await socket.send('session.subscribe', { events: ['goog:cdp.Log.entryAdded'] }, timeoutMs);
  const tree = await socket.send<{ contexts: { context: string }[] }>(
    'browsingContext.getTree',
    { maxDepth: 0 },
    timeoutMs,
  );
  const { session } = await socket.send<{ session: string }>(
    'goog:cdp.getSession',
    { context: tree.contexts[0]!.context },
    timeoutMs,
  );
  await socket.send('goog:cdp.sendCommand', { method: 'Log.enable', params: {}, session }, timeoutMs);
}
