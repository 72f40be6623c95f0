// Driving the runner page: the steps every flow (run, check, the research
// studies, the vitest API) takes with a context, with one set of time limits.
import { randomBytes } from 'node:crypto';
import type { ConsoleEntry, EngineContext, EngineId } from '../engines/types.ts';
import type { ProbeRequest, ProbeResult } from '../probes/bundle.ts';
import type { Journal } from '../../servers/journal.ts';

/** The longest a probe may wait: far beyond any answer worth waiting for, and well inside what a timer holds (2^31 - 1 ms). */
export const MAX_PROBE_TIMEOUT_MS = 10 * 60_000;
/** Browser start-up can be slow on a busy 2-core machine. */
export const LAUNCH_TIMEOUT_MS = 60_000;
/** How long console messages may trail the probes they describe (Firefox logs a CORS refusal a few ms after the promise settles). */
export const CONSOLE_SETTLE_MS = 100;
/** How long a page may take, beyond the probes' own timeout, to report their results. */
const PAGE_REPORT_SLACK_MS = 10_000;
/** How long a navigation may take beyond the probes' own timeout. */
const NAVIGATION_SLACK_MS = 5000;

/**
 * A probe's unique token: it goes into the probe's URLs, so neither the
 * preflight cache nor the journal mixes two probes up. `prefix` says who made
 * it in the journal (an engine's initial, or a study's letter).
 */
export function mintNonce(prefix: EngineId | string): string {
  return `${prefix[0]}${randomBytes(6).toString('hex')}`;
}

/** Loads `url` as the context's top-level page, allowing the probes' timeout plus navigation slack. */
export function gotoPage(context: EngineContext, url: string, timeoutMs: number): Promise<void> {
  return context.goto(url, timeoutMs + NAVIGATION_SLACK_MS);
}

/**
 * Loads `url` as a top-level page first-party (a cookie scenario's visit): in
 * a tab of its own where the engine has one, keeping the page; true when it
 * replaced the page instead.
 */
export async function visitPage(context: EngineContext, url: string, timeoutMs: number): Promise<boolean> {
  if (context.visit) {
    await context.visit(url, timeoutMs + NAVIGATION_SLACK_MS);
    return false;
  }
  await gotoPage(context, url, timeoutMs);
  return true;
}

/** Runs probe requests in the context's runner page, all at once; the page's results, in order. */
export function runInPage(context: EngineContext, requests: ProbeRequest[], timeoutMs: number): Promise<ProbeResult[]> {
  return context.evaluate<ProbeResult[]>(
    `window.__corsLab.run(${JSON.stringify(requests)})`,
    timeoutMs + PAGE_REPORT_SLACK_MS,
  );
}

/** Whether a probe runs in the top-level page itself, every request of it (not in an iframe, whose console may reach the harness later). */
export function runsInTopLevelPage(request: ProbeRequest): boolean {
  return (request.context ?? 'page') === 'page' && (request.then?.context ?? 'page') === 'page';
}

/** How often a settling console is looked at. */
const CONSOLE_POLL_MS = 5;
/**
 * How long lines that follow a probe's first may take once every awaited
 * probe has one. Measured here: Firefox's trailing refusals arrive within
 * 1 ms of the probes' answer, also with three engines busy.
 */
const CONSOLE_FOLLOWERS_MS = 20;

/**
 * The console messages since the last take, after letting late ones arrive:
 * until every probe in `awaited` (the nonces of refused probes) has a line
 * naming it and its followers had time to come, or CONSOLE_SETTLE_MS at most
 * (a refusal an engine does not log). Null, at once, where the engine does
 * not expose the console.
 */
export async function settledConsole(context: EngineContext, awaited: string[]): Promise<ConsoleEntry[] | null> {
  const seen = context.takeConsole();
  if (seen === null) return null;
  const take = () => seen.push(...(context.takeConsole() ?? []));
  const named = () => awaited.every((nonce) => seen.some((entry) => entry.text.includes(nonce)));
  if (await waitFor(() => (take(), named()), CONSOLE_SETTLE_MS)) {
    await sleep(CONSOLE_FOLLOWERS_MS);
    take();
  }
  return seen;
}

/**
 * Waits until every preflight and request the journal holds for `nonces` has
 * its answer or its error, or CONSOLE_SETTLE_MS at most (a hung lab server
 * the browser gave up on never answers).
 */
export async function settledJournal(journal: Journal, nonces: string[]): Promise<void> {
  const open = () =>
    nonces.some((nonce) =>
      journal
        .forNonce(nonce)
        .some(
          (entry) =>
            (entry.kind === 'preflight' || entry.kind === 'request') &&
            entry.status === undefined &&
            entry.error === undefined,
        ),
    );
  await waitFor(() => !open(), CONSOLE_SETTLE_MS);
}

/** Looks at `ready` every CONSOLE_POLL_MS until it holds (true) or `limitMs` have passed (false). */
async function waitFor(ready: () => boolean, limitMs: number): Promise<boolean> {
  const deadline = performance.now() + limitMs;
  while (!ready()) {
    if (performance.now() >= deadline) return false;
    await sleep(CONSOLE_POLL_MS);
  }
  return true;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
