// Engines driven over WebDriver classic, where a browsing context of its own
// is a session of its own (classic has no browser contexts): WebKitGTK
// through WebKitWebDriver, and remote engines (remote.ts). One session is
// kept ready in advance so newContext() does not wait for a browser start.
import { onInterrupt } from './cleanup.ts';
import type {
  ConsoleEntry,
  EngineContext,
  EngineInfo,
  LaunchedEngine,
  NetworkSupport,
  PermissionState,
} from './types.ts';
import { WebDriverError, webdriver, type WebDriverEndpoint } from './webdriver-client.ts';
import { messageOf } from '../package/error-message.ts';

/** One WebDriver session: its endpoint, id and capabilities, and what BiDi adds where the session has it. */
export interface WebDriverSession {
  endpoint: string | WebDriverEndpoint;
  sessionId: string;
  capabilities: Record<string, unknown>;
  /** Console messages over BiDi, taken since the last call; absent where the session has no BiDi. */
  takeConsole?(): ConsoleEntry[];
  /** Sets a permission over BiDi; absent where the session has no BiDi (WebDriver classic's command is used). */
  setPermission?(name: string, state: PermissionState, origin: string): Promise<void>;
  /** Ends the session (and whatever process serves it). Safe to call twice. */
  close(): Promise<void>;
}

/** Extra time a WebDriver command gets beyond the browser-side timeout before fetch gives up. */
const COMMAND_SLACK_MS = 5000;

export interface SessionPoolEngine {
  info: EngineInfo;
  networkSupport: NetworkSupport;
  /** The session the launch opened (it proved the browser starts); it serves the first context. */
  first: WebDriverSession;
  /** Opens another session; an aborted signal stops it at once. */
  open(signal: AbortSignal): Promise<WebDriverSession>;
  /** Per WebDriver command that is not a navigation or a script. */
  commandTimeoutMs: number;
  /** The contexts the flow plans (LaunchOptions.contexts): no spare session is started past them. */
  contexts?: number;
  /**
   * Delete All Cookies on a page of each host the jar reached deletes every
   * cookie the session holds: true for WebKitGTK, which has no partitioned
   * cookies. A remote engine may hold partitioned cookies no top-level page
   * sees, so its cookie scenarios keep a session each.
   */
  cookiesPerHost?: boolean;
  /**
   * Visits (and cookie deletion) load in a second window of the session, so
   * the page stays loaded: true for WebKitGTK, whose new window stays in the
   * background (the page keeps "visible"). Not assumed of a remote driver.
   */
  visitWindow?: boolean;
  /** Run after every session is closed (the display, work directories). */
  afterClose?(): Promise<void>;
}

/** A launched engine whose every context is a WebDriver session of its own. */
export function sessionPerContext(engine: SessionPoolEngine): LaunchedEngine {
  const name = engine.info.id;
  const contexts = new Set<WebDriverContext>();
  let spare: Promise<WebDriverSession> | undefined = Promise.resolve(engine.first);
  // Sessions still starting: closing stops them at once rather than wait out
  // their session request (one that hangs holds the process for its timeout).
  const starting = new Set<AbortController>();
  let closed = false;
  let closing: Promise<void> | undefined;
  let opened = 0;

  const startSession = (): Promise<WebDriverSession> => {
    const abort = new AbortController();
    starting.add(abort);
    const session = engine.open(abort.signal);
    void session.then(
      () => starting.delete(abort),
      () => starting.delete(abort),
    );
    return session;
  };
  const prefetch = (): void => {
    spare = startSession();
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
        pending?.then(
          (session) => session.close(),
          () => {},
        ),
      ]);
      await engine.afterClose?.();
    })());
  const unregisterInterrupt = onInterrupt(close);

  return {
    info: engine.info,
    networkSupport: engine.networkSupport,
    async newContext(): Promise<EngineContext> {
      if (closed) throw new Error(`${name} engine is closed`);
      const taken = spare ?? startSession();
      spare = undefined;
      let session: WebDriverSession;
      try {
        session = await taken;
      } catch (error) {
        if (closed) throw error; // stopped by close(): no fresh attempt
        session = await startSession(); // a failed spare gets one fresh attempt
      }
      if (closed) {
        await session.close();
        throw new Error(`${name} engine is closed`);
      }
      // The next context's session starts now, while this one works, unless the plan has no next one.
      if (++opened < (engine.contexts ?? Number.POSITIVE_INFINITY)) prefetch();
      const context = new WebDriverContext(session, engine.commandTimeoutMs, () => contexts.delete(context), {
        cookiesPerHost: engine.cookiesPerHost ?? false,
        visitWindow: engine.visitWindow ?? false,
      });
      contexts.add(context);
      return context;
    },
    close,
  };
}

/** A top-level window of a session, and what cors-lab's own commands left in it. */
interface WindowState {
  /** WebDriver's window handle; the page's is asked for when the visit window opens, the first time one is needed. */
  handle?: string;
  /** The document's URL as our last navigation left it; unknown after a failure. */
  url?: string;
  /**
   * The token our last script put on the document's window (see goto). Every
   * top-level document is a lab page that never navigates itself, so it still
   * carries it, and the next navigation needs no script to put one there first.
   */
  token?: string;
}

export class WebDriverContext implements EngineContext {
  #session: WebDriverSession;
  #commandTimeoutMs: number;
  #onClose: () => void;
  #navigations = 0;
  #timeouts: { script?: number; pageLoad?: number } = {};
  /** Set after a navigation timeout: WebKitWebDriver then blocks every command on the stuck load. */
  #unusable: string | undefined;
  #closing: Promise<void> | undefined;
  /** The page's window, the one commands go to except during a visit's. */
  readonly #page: WindowState = {};
  /** The window first-party visits and cookie deletion load pages in, opened at the first (WebDriver's New Window). */
  #visits: Promise<WindowState> | undefined;
  /** The window commands go to now; undefined while a switch is not confirmed. */
  #active: WindowState | undefined = this.#page;
  /** The window the next command about a document must go to. */
  #wanted: WindowState = this.#page;

  /** Present where deleting per host reaches every cookie (SessionPoolEngine.cookiesPerHost). */
  readonly clearCookies?: (hostPages: readonly string[]) => Promise<boolean>;
  /** Present where the session may open a second window (SessionPoolEngine.visitWindow). */
  readonly visit?: (url: string, timeoutMs: number) => Promise<void>;

  constructor(
    session: WebDriverSession,
    commandTimeoutMs: number,
    onClose: () => void,
    { cookiesPerHost = false, visitWindow = false }: { cookiesPerHost?: boolean; visitWindow?: boolean } = {},
  ) {
    this.#session = session;
    this.#commandTimeoutMs = commandTimeoutMs;
    this.#onClose = onClose;
    if (cookiesPerHost) this.clearCookies = (hostPages) => this.#clearCookiesPerHost(hostPages);
    if (visitWindow) this.visit = (url, timeoutMs) => this.#visit(url, timeoutMs);
  }

  /**
   * The window the next command about a document goes to, switched to first
   * where needed. Switching back from the visit window waits until a command
   * needs the page's, so a deletion then a visit there take no switch between.
   */
  async #window(): Promise<WindowState> {
    const wanted = this.#wanted;
    if (this.#active !== wanted) {
      this.#active = undefined; // unknown until the switch is confirmed
      await this.#command('POST', 'window', { handle: wanted.handle }, this.#commandTimeoutMs);
      this.#active = wanted;
    }
    return wanted;
  }

  /** Runs `work` with the visit window (opened at the first call) as the one commands go to, then the page's again. */
  async #inVisitWindow<T>(work: () => Promise<T>): Promise<T> {
    this.#visits ??= (async () => {
      this.#page.handle = await this.#command<string>('GET', 'window', undefined, this.#commandTimeoutMs);
      const opened = await this.#command<{ handle: string }>(
        'POST',
        'window/new',
        { type: 'tab' },
        this.#commandTimeoutMs,
      );
      return { handle: opened.handle };
    })();
    this.#wanted = await this.#visits;
    try {
      return await work();
    } finally {
      this.#wanted = this.#page;
    }
  }

  async #visit(url: string, timeoutMs: number): Promise<void> {
    await this.#inVisitWindow(() => this.goto(url, timeoutMs));
  }

  /**
   * Delete All Cookies reaches the current document's cookies only: so on a
   * document of each host, then checked empty there. A window that already
   * shows a page of the host (the page's own, the last visit) serves without
   * a navigation; the others load in the visit window where the engine has
   * one, so the page stays. True when it replaced the page.
   */
  async #clearCookiesPerHost(hostPages: readonly string[]): Promise<boolean> {
    const page = this.#page;
    const visits = this.#visits ? await this.#visits : undefined;
    const showing = (window: WindowState | undefined, wanted: string) =>
      window?.url !== undefined && sameSchemeAndHost(window.url, wanted);
    const clearHere = async (hostPage: string) => {
      await this.#window();
      await this.#command('DELETE', 'cookie', undefined, this.#commandTimeoutMs);
      const left = await this.#command<unknown[]>('GET', 'cookie', undefined, this.#commandTimeoutMs);
      if (left.length > 0)
        throw new Error(`${left.length} cookie(s) left on ${new URL(hostPage).host} after Delete All Cookies`);
    };
    // The page's window first (commands go there between runs), then the visit window, then the hosts no window shows.
    const inPage = hostPages.filter((hostPage) => showing(page, hostPage));
    const inVisits = hostPages.filter((hostPage) => !inPage.includes(hostPage) && showing(visits, hostPage));
    for (const hostPage of inPage) await clearHere(hostPage);
    for (const hostPage of inVisits) await this.#inVisitWindow(() => clearHere(hostPage));
    let replaced = false;
    for (const hostPage of hostPages.filter((hostPage) => !inPage.includes(hostPage) && !inVisits.includes(hostPage))) {
      const load = async () => {
        await this.goto(hostPage, this.#commandTimeoutMs);
        await clearHere(hostPage);
      };
      if (this.visit) {
        await this.#inVisitWindow(load);
      } else {
        await load();
        replaced = true;
      }
    }
    return replaced;
  }

  /**
   * Loads `url` in the current window and checks that it replaced the
   * document: a failed load can leave the previous page in place without any
   * error, so the document carries a token (put there by our last script, or
   * now) that a new document does not have.
   */
  async goto(url: string, timeoutMs: number): Promise<void> {
    this.#checkUsable();
    const window = await this.#window();
    let token = window.token;
    let before = window.url;
    window.token = window.url = undefined; // until the navigation is confirmed
    if (token === undefined) {
      token = this.#nextToken();
      before = await this.#execute<string>('window.__corsLabNavigation = arguments[0]; return location.href;', [
        token,
      ]).catch(() => undefined);
    }
    await this.#setTimeouts({ pageLoad: timeoutMs });
    try {
      await this.#command('POST', 'url', { url }, timeoutMs + COMMAND_SLACK_MS);
    } catch (error) {
      if (error instanceof WebDriverError && error.code === 'timeout') {
        this.#unusable = `navigation to ${url} timed out`;
        throw new Error(
          `goto ${url}: timeout after ${timeoutMs} ms waiting for the load event (this context can only be closed now)`,
        );
      }
      throw new Error(`goto ${url}: ${messageOf(error)}`);
    }
    const next = this.#nextToken();
    const after = await this.#execute<{ kept: boolean; href: string; text: string }>(
      'const kept = window.__corsLabNavigation === arguments[0]; window.__corsLabNavigation = arguments[1]; return { kept, href: location.href, text: document.body ? document.body.innerText.trim().slice(0, 200) : "" };',
      [token, next],
    );
    // Network and TLS errors end on an error page that reports about:blank.
    if (after.href === 'about:blank' && !url.startsWith('about:')) {
      throw new Error(`goto ${url}: navigation failed (network error${after.text ? `: ${after.text}` : ''})`);
    }
    if (after.kept && !isFragmentNavigation(before, url)) {
      throw new Error(
        `goto ${url}: navigation failed (network error; the previous document ${after.href} is still shown)`,
      );
    }
    window.token = next;
    window.url = after.href;
  }

  #nextToken(): string {
    return `cors-lab-navigation-${++this.#navigations}`;
  }

  async screenshot(timeoutMs: number): Promise<Buffer> {
    this.#checkUsable();
    await this.#window();
    // WebDriver's Take Screenshot: the viewport, as base64 PNG.
    return Buffer.from(await this.#command<string>('GET', 'screenshot', undefined, timeoutMs), 'base64');
  }

  async evaluate<T>(expression: string, timeoutMs: number): Promise<T> {
    this.#checkUsable();
    await this.#window();
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

  /** Over BiDi where the session has it, else the Permissions spec's WebDriver extension (a driver without it answers "unknown command"). */
  async setPermission(
    name: string,
    state: PermissionState,
    origin: string,
  ): Promise<{ ok: true } | { ok: false; reason: string }> {
    try {
      if (this.#session.setPermission) await this.#session.setPermission(name, state, origin);
      else {
        await this.#window();
        await this.#command('POST', 'permissions', { descriptor: { name }, state }, this.#commandTimeoutMs);
      }
      return { ok: true };
    } catch (error) {
      return { ok: false, reason: messageOf(error) };
    }
  }

  /** Over BiDi where the session has it; WebDriver classic exposes no console (and WebKit does not print it for automated pages). */
  takeConsole(): ConsoleEntry[] | null {
    return this.#session.takeConsole?.() ?? null;
  }

  close(): Promise<void> {
    return (this.#closing ??= (async () => {
      this.#unusable ??= 'context closed';
      this.#onClose();
      await this.#session.close();
    })());
  }

  #checkUsable(): void {
    if (this.#unusable) throw new Error(`context unusable: ${this.#unusable}`);
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
    return webdriver<T>(
      this.#session.endpoint,
      method,
      `/session/${this.#session.sessionId}/${endpoint}`,
      body,
      timeoutMs,
    );
  }
}

/** Whether two URLs have the same scheme and host name (cookies are a host's, whatever the port). */
function sameSchemeAndHost(a: string, b: string): boolean {
  try {
    const [x, y] = [new URL(a), new URL(b)];
    return x.protocol === y.protocol && x.hostname === y.hostname;
  } catch {
    return false;
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
