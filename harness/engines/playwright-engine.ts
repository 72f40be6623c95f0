// A browser launched through Playwright, and its contexts: the Chromium
// driver and the drivers for Playwright's bundled Firefox and WebKit share it.
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { withTimeout } from './system.ts';
import type { ConsoleEntry, EngineContext, LaunchedEngine, NetworkSupport, PermissionState } from './types.ts';

export const PLAYWRIGHT_PERMISSIONS = 'DevTools protocol Browser.setPermission, for the context';

/** A launched Playwright browser; shared with the bundled-browser drivers. */
export class PlaywrightEngine implements LaunchedEngine {
  readonly info: LaunchedEngine['info'];
  readonly networkSupport: NetworkSupport;
  readonly #browser: Browser;
  readonly #stopInterrupt: () => void;
  #closed = false;

  readonly #contextOptions: { ignoreHTTPSErrors: boolean };
  readonly #afterClose: () => Promise<void>;

  constructor(
    browser: Browser,
    info: LaunchedEngine['info'],
    stopInterrupt: () => void,
    extras: {
      contextOptions?: { ignoreHTTPSErrors: boolean };
      afterClose?: () => Promise<void>;
      networkSupport?: NetworkSupport;
    } = {},
  ) {
    this.#browser = browser;
    this.#contextOptions = extras.contextOptions ?? { ignoreHTTPSErrors: false };
    this.#afterClose = extras.afterClose ?? (async () => {});
    this.networkSupport = extras.networkSupport ?? {
      overrides: false,
      overridesDetail: 'this build has no address-space override cors-lab knows',
      permissionsDetail: PLAYWRIGHT_PERMISSIONS,
    };
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
    await this.#afterClose();
  }
}

class PlaywrightContext implements EngineContext {
  readonly pageConsoleInOrder = true;
  readonly #context: BrowserContext;
  readonly #page: Page;
  #console: ConsoleEntry[] = [];
  /** The tab first-party visits load in (PlaywrightContext.visit), opened at the first. */
  #visits: Promise<Page> | undefined;
  #permissions: Promise<{ session: CDPSession; browserContextId: string }> | undefined;

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

  async screenshot(timeoutMs: number): Promise<Buffer> {
    return this.#page.screenshot({ fullPage: true, timeout: timeoutMs });
  }

  async visit(url: string, timeoutMs: number): Promise<void> {
    this.#visits ??= this.#context.newPage();
    await (await this.#visits).goto(url, { waitUntil: 'load', timeout: timeoutMs });
  }

  takeConsole(): ConsoleEntry[] {
    const taken = this.#console;
    this.#console = [];
    return taken;
  }

  async setPermission(
    name: string,
    state: PermissionState,
    origin: string,
  ): Promise<{ ok: true } | { ok: false; reason: string }> {
    try {
      // The DevTools protocol rather than grantPermissions: Playwright only
      // grants, and knows fewer permission names than Chromium. Without the
      // context's id the setting would land in the default context.
      this.#permissions ??= this.#permissionSession();
      const { session, browserContextId } = await this.#permissions;
      await session.send('Browser.setPermission', { permission: { name }, setting: state, origin, browserContextId });
      return { ok: true };
    } catch (error) {
      return { ok: false, reason: (error as Error).message.split('\n')[0]! };
    }
  }

  /**
   * A browser-level DevTools session for this context's permissions. It stays
   * open until the context closes: Chromium drops a session's permission
   * overrides when it detaches, and ignores Browser.* sent on a page session.
   */
  async #permissionSession(): Promise<{ session: CDPSession; browserContextId: string }> {
    const pageSession = await this.#context.newCDPSession(this.#page);
    const { targetInfo } = await pageSession.send('Target.getTargetInfo');
    await pageSession.detach();
    const browser = this.#context.browser();
    if (!targetInfo.browserContextId || !browser)
      throw new Error('the DevTools protocol gave no browser context for this page');
    return { session: await browser.newBrowserCDPSession(), browserContextId: targetInfo.browserContextId };
  }

  async clearCookies(): Promise<boolean> {
    // Storage.clearCookies for the browser context: its whole jar, partitioned cookies too.
    await this.#context.clearCookies();
    return false;
  }

  async close(): Promise<void> {
    const permissions = await this.#permissions?.catch(() => undefined);
    await permissions?.session.detach().catch(() => {});
    await this.#context.close().catch(() => {});
  }
}
