// One engine's probe session in a lab: the chain every flow walks between a
// plan and its cells. It launches the engine (a second attempt, then the
// common not-run entry), keeps one context per isolation key, loads the
// runner page, runs the probes in it, settles the console, runs a
// reachability control for a probe that reached nothing, and turns any
// exception into an error outcome with its cause (harnessFailure), so a
// feature only plans requests and interprets what came back.
import type {
  ConsoleEntry,
  EngineDriver,
  EngineContext,
  EngineId,
  LaunchedEngine,
  MissingEngine,
} from '../engines/types.ts';
import type { LabCertificates } from '../lab/certificates.ts';
import type { ProbeRequest, ProbeResult } from '../probes/bundle.ts';
import type { EngineEntry, ReachabilityControl } from '../result/result.ts';
import { withTimeout } from '../engines/system.ts';
import { startLabRouteProxy, type LabProxy } from '../lab/proxy.ts';
import type { Journal } from '../../servers/journal.ts';
import { LAB_BLANK_PATH } from '../../servers/lab-origin.ts';
import { launchForLab, notStarted, type LaunchExtras } from './launch.ts';
import { interruption } from '../engines/cleanup.ts';
import { harnessFailure, Interrupted, type PageOutcome } from './failure.ts';
import { gotoPage, runInPage, runsInTopLevelPage, settledConsole, settledJournal, visitPage } from './page.ts';
import { timed, type PhaseReport, type RunPhase } from './phases.ts';
import { needsControl, runControl } from './reachability.ts';

/** The console messages that belong to one of a page's probes: those naming its nonce, or all of them when it ran alone. */
export function consoleFor(entries: ConsoleEntry[] | null, nonce: string, probesInPage: number): ConsoleEntry[] | null {
  if (entries === null || probesInPage === 1) return entries;
  return entries.filter((entry) => entry.text.includes(nonce));
}

export interface PageRun {
  /** Runs with the same key share a context; another key closes the previous one first. */
  contextKey: string;
  /**
   * Runs in one context with another cookie jar key start with no cookies:
   * the session deletes the context's cookies where the engine can delete
   * every one (EngineContext.clearCookies), else it opens a new context.
   * Cookie scenarios are kept apart this way at a fraction of a context's cost.
   */
  cookieJar?: string;
  /** Top-level pages loaded before the runner page (cookie scenarios set their cookies first-party this way), in a tab of their own where the engine has one (EngineContext.visit). */
  visits?: string[];
  runnerUrl: string;
  requests: ProbeRequest[];
  /** Checked once the runner page is loaded: a reason here means the probes must not run (posing must be exact). */
  refuse?: (context: EngineContext) => Promise<string | undefined>;
  /** Where a probe that reached nothing is controlled, and what to do just before (the posing proxy tags the control's traffic); none when the flow classifies "not sent" itself. */
  control?: { url(request: ProbeRequest): string; before?(request: ProbeRequest): void };
  /** TLS failures that belong to a probe, within the journal window of the run; default: the journal's tls-error entries under its nonce. */
  tlsErrors?: (request: ProbeRequest, window: { from: number; to: number }) => number;
  /** Close the context after this run (isolation "probe"). */
  closeContext?: boolean;
  /** Keep the runner page when the previous run in this context loaded the same one and nothing replaced it since (the vitest API's warm probes, the catalog's batches). */
  reuseLoadedPage?: boolean;
  /** Wait for console messages that trail the probes (default true); the vitest API takes them at once. */
  settleConsole?: boolean;
}

export interface ProbeRun {
  request: ProbeRequest;
  outcome: PageOutcome;
  /** The probe's own duration in the page, or the whole run's where the page gave none. */
  durationMs: number;
  /** null where the engine does not expose console text. */
  console: ConsoleEntry[] | null;
  tlsErrors: number;
  control?: ReachabilityControl;
}

export interface SessionOptions {
  /** Per probe. */
  timeoutMs: number;
  onPhase?: PhaseReport;
}

export type SessionStart = { session: ProbeSession } | { notStarted: MissingEngine };

/** How often a session relaunches a browser that died under it before it lets the rest of its pages fail. */
const MAX_RELAUNCHES = 2;
/** How long a browser that is still there takes to open a context. */
const ALIVE_CHECK_MS = 15_000;
/**
 * How long closing a context or a browser may take. A driver call on a
 * browser that died under it can wait forever on an answer that never
 * comes (the soak found a run waiting with nothing left to wait on), so
 * every call the session makes has a deadline.
 */
const CLOSE_DEADLINE_MS = 15_000;

/**
 * The hosts a context's pages and probes reached since its cookies were last
 * deleted: the hosts whose cookies it may hold. Cookies belong to a host, not
 * an origin; a Secure one is seen only from https, so https is kept where a
 * host was reached both ways.
 */
class ReachedHosts {
  readonly #origins = new Map<string, string>();

  add(url: string): void {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return;
    }
    const known = this.#origins.get(parsed.hostname);
    if (!known || (parsed.protocol === 'https:' && !known.startsWith('https:')))
      this.#origins.set(parsed.hostname, parsed.origin);
  }

  /** A cookie-less lab page on each host (EngineContext.clearCookies). */
  pages(): string[] {
    return [...this.#origins.values()].map((origin) => origin + LAB_BLANK_PATH);
  }
}

/** `close`, given up after CLOSE_DEADLINE_MS: what is left is killed when cors-lab exits. */
function closeWithin(close: () => Promise<void>, what: string): Promise<void> {
  return withTimeout(close(), CLOSE_DEADLINE_MS, `closing ${what}`).catch(() => {});
}

export class ProbeSession {
  #engine: LaunchedEngine;
  readonly #relaunch: () => Promise<LaunchedEngine>;
  readonly #journal: Journal;
  readonly #options: SessionOptions;
  #current?: { key: string; jar?: string; context: EngineContext; page?: string; reached: ReachedHosts };
  /** Why and when the browser was relaunched: it crashed or was killed during the run, or a launch attempt failed. */
  readonly relaunches: string[];
  #relaunchesAfterCrash = 0;
  /** The proxy a remote engine reaches the lab through, closed with the session. */
  readonly #route: LabProxy | undefined;

  private constructor(
    engine: LaunchedEngine,
    relaunch: () => Promise<LaunchedEngine>,
    journal: Journal,
    options: SessionOptions,
    relaunches: string[],
    route?: LabProxy,
  ) {
    this.#engine = engine;
    this.#route = route;
    this.relaunches = relaunches;
    this.#relaunch = relaunch;
    this.#journal = journal;
    this.#options = options;
  }

  get engine(): LaunchedEngine {
    return this.#engine;
  }

  /** The engine as the result names it, with any relaunch. */
  get info(): EngineEntry {
    return { ...this.#engine.info, ...(this.relaunches.length > 0 ? { relaunched: [...this.relaunches] } : {}) };
  }

  /** Launches `driver`'s browser for the lab (second attempt included); one that does not start becomes its not-run entry. */
  static async start(
    id: EngineId,
    driver: EngineDriver,
    lab: { certificates: LabCertificates; journal: Journal; ports?: Record<string, number> },
    options: SessionOptions & { launch?: LaunchExtras },
  ): Promise<SessionStart> {
    throwIfInterrupted();
    const relaunches: string[] = [];
    let route: LabProxy | undefined;
    let engine: LaunchedEngine;
    let launch: () => Promise<LaunchedEngine>;
    try {
      // A remote engine reaches the lab's loopback servers through a proxy it can reach (a flow's own posing proxy, or this one).
      const through = driver.reachesLabThrough;
      if (through && !options.launch?.proxy)
        route = await labRoute(id, lab, through.proxyListenHost, through.proxyListenPort);
      const extras = route ? { ...options.launch, proxy: route.address } : options.launch;
      launch = () =>
        launchForLab(driver, lab.certificates, extras, (cause) =>
          relaunches.push(`${new Date().toISOString()}: a launch failed (${cause}); the second attempt started it`),
        );
      engine = await timed(options.onPhase, id, 'launch', launch);
    } catch (error) {
      await route?.close();
      // A launch cut short by a signal is no engine failure.
      throwIfInterrupted();
      return { notStarted: notStarted(id, error, driver) };
    }
    if (interruption()) {
      await engine.close();
      await route?.close();
      throwIfInterrupted();
    }
    return { session: new ProbeSession(engine, launch, lab.journal, options, relaunches, route) };
  }

  get id(): EngineId {
    return this.engine.info.id;
  }

  #phase<T>(name: RunPhase, work: () => Promise<T>): Promise<T> {
    return timed(this.#options.onPhase, this.id, name, work);
  }

  /** The context for `key` (and cookie jar `jar`): the current one while the key holds, its cookies deleted for another jar; else a new one (the previous closed). */
  async context(key: string, jar?: string): Promise<EngineContext> {
    const current = this.#current;
    if (current?.key === key && current.jar === jar) return current.context;
    if (current?.key === key && current.context.clearCookies) {
      const clear = current.context.clearCookies.bind(current.context, current.reached.pages());
      const cleared = await this.#phase('contexts', () =>
        withTimeout(clear(), ALIVE_CHECK_MS, 'deleting the cookies').then(
          (replaced) => ({ replaced }),
          () => undefined,
        ),
      );
      if (cleared) {
        current.jar = jar;
        current.reached = new ReachedHosts();
        if (cleared.replaced) current.page = undefined;
        return current.context;
      }
      // Cookies that could not be deleted leave no choice but a new context.
    }
    await this.#dropContext();
    const context = await this.#phase('contexts', () =>
      withTimeout(this.#engine.newContext(), ALIVE_CHECK_MS, 'a new context'),
    );
    this.#current = { key, ...(jar !== undefined ? { jar } : {}), context, reached: new ReachedHosts() };
    return context;
  }

  async #dropContext(): Promise<void> {
    const current = this.#current;
    this.#current = undefined;
    if (current) await this.#phase('contexts', () => closeWithin(() => current.context.close(), 'a context'));
  }

  /**
   * Runs a page's probes together; every request gets an outcome, in order,
   * whatever fails. Throws Interrupted once a signal has come, before or
   * during the run.
   */
  async run(run: PageRun): Promise<ProbeRun[]> {
    throwIfInterrupted();
    const { timeoutMs } = this.#options;
    const started = performance.now();
    const from = this.#journal.now();
    let pageResults: ProbeResult[] | undefined;
    let failure: PageOutcome | undefined;
    let consoleEntries: ConsoleEntry[] | null = null;
    let context: EngineContext | undefined;
    try {
      const opened = (context = await this.context(run.contextKey, run.cookieJar));
      const current = this.#current!;
      for (const url of [...(run.visits ?? []), run.runnerUrl]) current.reached.add(url);
      // A visit is the scenario's own first step (its cookies set first-party), apart from the runner page's load.
      if (run.visits?.length)
        await this.#phase('visits', async () => {
          for (const url of run.visits ?? []) if (await visitPage(opened, url, timeoutMs)) current.page = undefined;
        });
      await this.#phase('page loads', async () => {
        if (run.reuseLoadedPage && current.page === run.runnerUrl) return;
        current.page = undefined;
        await gotoPage(opened, run.runnerUrl, timeoutMs);
        current.page = run.runnerUrl;
      });
      const refusal = await run.refuse?.(opened);
      if (refusal !== undefined) {
        failure = { harnessError: refusal };
      } else {
        opened.takeConsole(); // drop messages from loading the runner itself
        const results = (pageResults = await this.#phase('probes', () => runInPage(opened, run.requests, timeoutMs)));
        // The wait is for refusals, which an engine may log just after the
        // probe settles: a page where every probe resolved has none to wait
        // for, nor one whose refusals all came from the top-level page of an
        // engine that delivers its console in order.
        const trailing = run.requests.filter(
          (request, index) =>
            results[index]?.settled !== 'resolved' && !(opened.pageConsoleInOrder && runsInTopLevelPage(request)),
        );
        consoleEntries =
          run.settleConsole === false || trailing.length === 0
            ? opened.takeConsole()
            : await this.#phase('console settling', () =>
                settledConsole(
                  opened,
                  trailing.map((request) => request.nonce),
                ),
              );
        // A probe that ran out of time may have a request still open at a server or proxy that gives up at the same deadline: its answer or error lands just after.
        const timedOut = run.requests.filter((_request, index) => results[index]?.settled === 'timeout');
        if (timedOut.length > 0)
          await this.#phase('evidence settling', () =>
            settledJournal(
              this.#journal,
              timedOut.map((request) => request.nonce),
            ),
          );
      }
    } catch (error) {
      failure = harnessFailure(error);
      context = undefined;
      await this.#dropContext(); // a broken context is not reused
      throwIfInterrupted(); // a signal closed the browser: no crash to recover from
      await this.#relaunchIfGone(failure.harnessError);
    }
    for (const request of run.requests)
      for (const entry of this.#journal.forNonce(request.nonce)) if (entry.url) this.#current?.reached.add(entry.url);
    const window = { from, to: this.#journal.now() };
    const elapsedMs = Math.round(performance.now() - started);
    const runs: ProbeRun[] = run.requests.map((request, index) => {
      const pageResult = pageResults?.[index];
      return {
        request,
        outcome: pageResult ?? failure ?? { harnessError: 'the page returned no result' },
        durationMs: pageResult?.durationMs ?? elapsedMs,
        console: consoleFor(consoleEntries, request.nonce, run.requests.length),
        tlsErrors: run.tlsErrors
          ? run.tlsErrors(request, window)
          : this.#journal.forNonce(request.nonce).filter((entry) => entry.kind === 'tls-error').length,
      };
    });
    // A probe that reached no server: could this engine reach it at all?
    for (const probe of runs) {
      if (
        context &&
        run.control &&
        needsControl(probe.outcome, this.#journal.forNonce(probe.request.nonce), probe.tlsErrors)
      ) {
        const reachable = context;
        const control = run.control;
        control.before?.(probe.request);
        probe.control = await this.#phase('controls', () =>
          runControl(reachable, control.url(probe.request), probe.request.nonce, this.#journal),
        );
        if (this.#current) this.#current.page = undefined; // the control navigated away from the runner
      }
    }
    if (run.closeContext) await this.#dropContext();
    throwIfInterrupted();
    return runs;
  }

  /**
   * After a failed page: a browser that can no longer open a context (it
   * crashed or was killed) is relaunched, so the pages after this one run;
   * this page's probes stay errors, with their cause.
   */
  async #relaunchIfGone(cause: string): Promise<void> {
    const alive = await withTimeout(this.#engine.newContext(), ALIVE_CHECK_MS, 'a new context').then(
      async (context) => {
        await closeWithin(() => context.close(), 'a context');
        return true;
      },
      () => false,
    );
    if (alive || this.#relaunchesAfterCrash >= MAX_RELAUNCHES) return;
    this.#relaunchesAfterCrash++;
    await closeWithin(() => this.#engine.close(), 'the browser that stopped answering');
    try {
      this.#engine = await this.#phase('launch', this.#relaunch);
      this.relaunches.push(`${new Date().toISOString()}: relaunched after the browser stopped answering (${cause})`);
    } catch (error) {
      this.relaunches.push(
        `${new Date().toISOString()}: the browser stopped answering (${cause}) and could not be relaunched (${harnessFailure(error).harnessError})`,
      );
    }
  }

  /** Closes the browser, and with it its contexts. */
  async close(): Promise<void> {
    this.#current = undefined;
    await this.#phase('close', () => closeWithin(() => this.#engine.close(), 'the browser'));
    await this.#route?.close();
  }
}

/** The lab proxy for a remote engine, listening where the engine can reach it. */
async function labRoute(
  id: EngineId,
  lab: { journal: Journal; ports?: Record<string, number> },
  listenHost: string,
  listenPort?: number,
): Promise<LabProxy> {
  if (!lab.ports) throw new Error(`${id} is a remote engine, and this flow has no lab servers to route it to`);
  try {
    return await startLabRouteProxy({
      journal: lab.journal,
      label: `proxy:${id}`,
      ports: lab.ports,
      listenHost,
      ...(listenPort ? { listenPort } : {}),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      `the lab proxy for ${id} cannot listen on ${listenHost}${listenPort ? `:${listenPort}` : ''} (${code ?? (error as Error).message}). Fix: labAddress must be an address of this machine that the remote browser can reach${listenPort ? ', and proxyPort a free port' : ''}`,
    );
  }
}

/** Interrupted, once a signal has come. */
export function throwIfInterrupted(): void {
  const stop = interruption();
  if (stop) throw new Interrupted(stop.signal);
}
