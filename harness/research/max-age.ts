// `cors-lab research max-age`: each engine's effective preflight-cache
// lifetime for each Access-Control-Max-Age case, measured with the journal.
// A trial makes a preflighted PUT, lets time pass, and makes the same PUT
// again: one preflight in the journal means the second was served from the
// cache, two mean the entry had expired. Time passes on a controlled clock
// (clock.ts) where the engine honours it, validated against real time in
// the same run; otherwise in real time, up to --max-wait, and a lifetime
// longer than that is reported as a lower bound.
import { discoverForRun } from '../engines/discovery.ts';
import { counted } from '../../reports/labels.ts';
import {
  ENGINE_IDS,
  type EngineContext,
  type EngineId,
  type LaunchedEngine,
  type MissingEngine,
} from '../engines/types.ts';
import { withTimeout } from '../engines/system.ts';
import { startLab, type Lab } from '../lab/lab.ts';
import { launchForLab, notStarted } from '../session/launch.ts';
import { gotoPage, mintNonce, runInPage } from '../session/page.ts';
import { probeRequest } from '../session/probe-request.ts';
import { firstLine } from '../session/failure.ts';
import type { Lifetime, MaxAgeEngineResult, MaxAgeStudy, Trial } from '../result/research.ts';
import { loadScenarioText, type Scenario } from '../scenario/loader.ts';
import { buildClockShim, createClock, type ControlledClock } from './clock.ts';

/** The Max-Age values studied: absent, invalid ones, ordinary ones, and a huge one to find the cap. */
export const MAX_AGE_CASES: { label: string; value: string | undefined }[] = [
  { label: 'absent', value: undefined },
  { label: '0', value: '0' },
  { label: '-1', value: '-1' },
  { label: '1h (unparsable)', value: '1h' },
  { label: 'empty', value: '' },
  { label: '5', value: '5' },
  { label: '600', value: '600' },
  { label: '7200', value: '7200' },
  { label: '86400', value: '86400' },
  { label: '2147483648 (huge)', value: '2147483648' },
];

/** Controlled-time searches stop here: a lifetime beyond it is reported as a lower bound. */
const CONTROLLED_LIMIT_S = 2 * 86400;
/** Real-time cases measured side by side (see searchRealTime). */
const REAL_TIME_CASES_AT_ONCE = 4;
/** The short lifetime that validates clock control against real time. */
const VALIDATION_MAX_AGE = 4;

const ORIGINS = 'origins: { page: https://app.site-a.localhost, api: https://api.site-b.localhost }';

export function scenarioFor(label: string, value: string | undefined): Scenario {
  const maxAge = value === undefined ? '' : `, Access-Control-Max-Age: ${JSON.stringify(value)}`;
  const text = `${ORIGINS}
scenarios:
  - id: max-age-${label
    .replace(/[^a-z0-9]+/gi, '-')
    .replace(/-$/, '')
    .toLowerCase()}
    title: Max-Age ${label}
    request: { target: api, path: /cached, method: PUT, body: "x" }
    server: { api: { /cached: { preflight: { headers: { Access-Control-Allow-Origin: "{{origin.page}}", Access-Control-Allow-Methods: PUT${maxAge} } }, actual: { headers: { Access-Control-Allow-Origin: "{{origin.page}}" } } } } }
    expect: { spec: allowed }
`;
  const { scenarios, problems } = loadScenarioText(text, 'research max-age');
  if (problems.length > 0)
    throw new Error(
      `research scenario: ${problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ')}`,
    );
  return scenarios[0]!;
}

/** The engine and page a study drives, with the time source it uses. */
export interface Bench {
  lab: Lab;
  context: EngineContext;
  /** The runner page, reloaded when a page stops answering. */
  runnerUrl: string;
  clock?: ControlledClock;
  timeoutMs: number;
  /** Replaces `context` with a fresh one on the runner page (when one stopped answering). */
  reopen?(): Promise<void>;
}

/** Attempts at a working context: after a clock jump an engine's hang watchdog may kill a page or a starting session. */
const CONTEXT_ATTEMPTS = 3;

/**
 * A fresh context on the runner page, with a timer run in it. A clock jump
 * can set off an engine's own watchdogs (WebKitGTK, for one, then drops a
 * page as hung, or a session it was starting never answers), so a failed
 * attempt is closed and another made, up to CONTEXT_ATTEMPTS; the last
 * error is thrown.
 */
export async function openRunner(engine: LaunchedEngine, runnerUrl: string, timeoutMs: number): Promise<EngineContext> {
  let lastError: unknown;
  for (let attempt = 0; attempt < CONTEXT_ATTEMPTS; attempt++) {
    let context: EngineContext | undefined;
    try {
      context = await withTimeout(engine.newContext(), timeoutMs + 5000, 'a new context');
      await gotoPage(context, runnerUrl, timeoutMs);
      await withTimeout(
        context.evaluate('new Promise((resolve) => setTimeout(resolve, 10))', timeoutMs),
        timeoutMs,
        'a page timer',
      );
      return context;
    } catch (error) {
      lastError = error;
      await context?.close().catch(() => {});
    }
  }
  throw lastError;
}

async function request(bench: Bench, scenario: Scenario, nonce: string): Promise<void> {
  const probe = probeRequest(scenario, bench.lab, nonce, bench.timeoutMs);
  const [result] = await runInPage(bench.context, [probe], bench.timeoutMs);
  if (!result || result.settled === 'timeout')
    throw new Error(`the request did not settle (${JSON.stringify(result)})`);
}

/** One trial: a PUT, `seconds` of (controlled or real) time, the same PUT again. */
export async function trial(
  bench: Bench,
  scenario: Scenario,
  seconds: number,
  time: 'controlled' | 'real',
): Promise<Trial> {
  const nonce = mintNonce('max-age');
  bench.lab.register(scenario, nonce);
  await request(bench, scenario, nonce);
  const offsetBefore = bench.clock?.offset ?? 0;
  if (time === 'controlled') bench.clock!.advance(seconds);
  else await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  await request(bench, scenario, nonce);
  const entries = bench.lab.journal.forNonce(nonce).sort((a, b) => a.seq - b.seq);
  const preflights = entries.filter((entry) => entry.kind === 'preflight');
  // The cache entry dates from the first preflight; the second PUT's first
  // arrival (a new preflight, or the PUT itself) is when it was looked up.
  const first = preflights[0];
  const firstPut = entries.findIndex((entry) => entry.kind === 'request');
  const second =
    firstPut === -1
      ? undefined
      : entries.slice(firstPut + 1).find((entry) => entry.kind === 'preflight' || entry.kind === 'request');
  const jumped = (bench.clock?.offset ?? 0) - offsetBefore;
  const realElapsed = first && second ? (second.at - first.at) / 1000 : seconds;
  return {
    elapsed: round(realElapsed + (time === 'controlled' ? jumped : 0)),
    cached: preflights.length === 1,
    preflights: preflights.map((entry) => entry.seq),
  };
}

const round = (value: number) => Math.round(value * 10) / 10;

/**
 * Lifetimes engines are known to use: Fetch's default of 5 s where Max-Age is
 * absent or invalid, and the caps (WebKit 600 s, Chromium 7200 s, Firefox
 * 86400 s). They only order the search; every bracket is measured.
 */
const KNOWN_LIFETIMES_S = [5, 600, 7200, 86400];

/**
 * The controlled-time search for the second at which the entry expires.
 * Likely boundaries first (the declared Max-Age and KNOWN_LIFETIMES_S, in
 * ascending order), then doubling past the last that still caches, then a
 * binary search to 1 s that tries the boundary just under the first expired
 * interval first. Whatever the order, the answer is a measured pair: cached at
 * one second, re-preflighted at the next.
 */
async function searchControlled(
  bench: Bench,
  scenario: Scenario,
  declared?: string,
): Promise<{ lifetime: Lifetime; trials: Trial[] }> {
  const trials: Trial[] = [];
  const run = async (seconds: number) => {
    let result: Trial;
    try {
      result = await trial(bench, scenario, seconds, 'controlled');
    } catch {
      // Now and then a page stops answering after a clock jump: a fresh
      // context (or at least the page reloaded), and the trial once more on a
      // fresh URL (a failed trial proves nothing).
      if (bench.reopen) await bench.reopen();
      else await gotoPage(bench.context, bench.runnerUrl, bench.timeoutMs);
      result = await trial(bench, scenario, seconds, 'controlled');
    }
    trials.push(result);
    return result;
  };
  if (!(await run(0)).cached)
    return {
      lifetime: {
        kind: 'not-cached',
        refetchedAt: trials[0]!.elapsed,
        time: 'controlled',
        text: 'not cached: re-preflighted at once',
      },
      trials,
    };
  let low = 0;
  let high: number | undefined;
  const declaredSeconds = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined;
  const likely = [...new Set([...(declaredSeconds !== undefined ? [declaredSeconds] : []), ...KNOWN_LIFETIMES_S])]
    .filter((seconds) => seconds >= 1 && seconds <= CONTROLLED_LIMIT_S)
    .sort((a, b) => a - b);
  for (const seconds of likely) {
    if ((await run(seconds)).cached) low = seconds;
    else {
      high = seconds;
      break;
    }
  }
  for (let seconds = Math.max(1, low * 2); high === undefined && seconds <= CONTROLLED_LIMIT_S; seconds *= 2) {
    if ((await run(seconds)).cached) low = seconds;
    else high = seconds;
  }
  if (high === undefined) {
    if ((await run(CONTROLLED_LIMIT_S)).cached)
      return {
        lifetime: {
          kind: 'lower-bound',
          cachedAt: CONTROLLED_LIMIT_S,
          time: 'controlled',
          text: `still cached at ${CONTROLLED_LIMIT_S} s (the search limit): at least that`,
        },
        trials,
      };
    high = CONTROLLED_LIMIT_S;
  }
  // The likeliest boundary is just under the first expired interval.
  if (high - low > 1) {
    if ((await run(high - 1)).cached) low = high - 1;
    else high -= 1;
  }
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if ((await run(middle)).cached) low = middle;
    else high = middle;
  }
  return { lifetime: bracket(low, high, 'controlled'), trials };
}

function bracket(cachedAt: number, refetchedAt: number, time: 'controlled' | 'real'): Lifetime {
  const clock = time === 'controlled' ? 'controlled' : 'real';
  return {
    kind: 'bracket',
    cachedAt,
    refetchedAt,
    time,
    text: `cached at ${cachedAt} s, re-preflighted at ${refetchedAt} s (${clock} time)`,
  };
}

/**
 * Real time: every interval of the grid for every case at once, each trial on
 * its own URL, so the whole grid costs about --max-wait seconds.
 */
async function searchRealTime(
  bench: Bench,
  scenarios: Scenario[],
  grid: number[],
): Promise<{ lifetime: Lifetime; trials: Trial[] }[]> {
  // A few cases at a time: with every trial in flight at once, the browser's
  // connection limits delay the first requests by seconds, and the shortest
  // intervals are lost.
  const settled: PromiseSettledResult<Trial>[][] = [];
  for (let start = 0; start < scenarios.length; start += REAL_TIME_CASES_AT_ONCE) {
    const chunk = scenarios.slice(start, start + REAL_TIME_CASES_AT_ONCE);
    settled.push(
      ...(await Promise.all(
        chunk.map((scenario) => Promise.allSettled(grid.map((seconds) => trial(bench, scenario, seconds, 'real')))),
      )),
    );
  }
  return settled.map((results) => {
    const failed = results.find((result) => result.status === 'rejected');
    if (failed)
      return {
        lifetime: {
          kind: 'error',
          time: 'real',
          text: 'error',
          error: String((failed as PromiseRejectedResult).reason),
        },
        trials: [],
      };
    const trials = results
      .map((result) => (result as PromiseFulfilledResult<Trial>).value)
      .sort((a, b) => a.elapsed - b.elapsed);
    const firstExpired = trials.find((entry) => !entry.cached);
    const lastCached = [...trials]
      .reverse()
      .find((entry) => entry.cached && (!firstExpired || entry.elapsed < firstExpired.elapsed));
    if (!lastCached)
      return {
        lifetime: {
          kind: 'not-cached',
          refetchedAt: firstExpired!.elapsed,
          time: 'real',
          text: `not cached at ${firstExpired!.elapsed} s, the shortest interval measured in real time`,
        },
        trials,
      };
    if (!firstExpired)
      return {
        lifetime: {
          kind: 'lower-bound',
          cachedAt: lastCached.elapsed,
          time: 'real',
          text: `still cached at ${lastCached.elapsed} s of real time (--max-wait): a lower bound`,
        },
        trials,
      };
    return { lifetime: bracket(lastCached.elapsed, firstExpired.elapsed, 'real'), trials };
  });
}

export interface MaxAgeOptions {
  engines?: EngineId[];
  maxWaitSeconds: number;
  timeoutMs: number;
  certDir?: string;
  onProgress?: (line: string) => void;
}

export async function studyMaxAge(options: MaxAgeOptions): Promise<MaxAgeStudy> {
  const { runnable, missing } = await discoverForRun(options.engines ?? ENGINE_IDS);
  const lab = await startLab({ hostnames: ['app.site-a.localhost', 'api.site-b.localhost'], certDir: options.certDir });
  const scenarios = MAX_AGE_CASES.map((entry) => scenarioFor(entry.label, entry.value));
  const validation = scenarioFor(`validation-${VALIDATION_MAX_AGE}`, String(VALIDATION_MAX_AGE));
  const grid = realTimeGrid(options.maxWaitSeconds);
  const shim = await buildClockShim();
  const shimPath = 'path' in shim ? shim.path : undefined;
  const runnerUrl = `${lab.originUrl(scenarios[0]!.page)}/__lab/runner`;
  try {
    const engines = await Promise.all(
      runnable.map(async ({ id, driver }): Promise<MaxAgeEngineResult | MissingEngine> => {
        const open = async (engine: LaunchedEngine, clock?: ControlledClock): Promise<Bench> => {
          const bench: Bench = {
            lab,
            context: await openRunner(engine, runnerUrl, options.timeoutMs),
            runnerUrl,
            timeoutMs: options.timeoutMs,
            ...(clock ? { clock } : {}),
            reopen: async () => {
              await bench.context.close().catch(() => {});
              bench.context = await openRunner(engine, runnerUrl, options.timeoutMs);
            },
          };
          return bench;
        };
        let detail = 'error' in shim ? `${shim.error}: real time only` : '';
        let validated: MaxAgeEngineResult['clock']['validation'];
        // 1. Under the clock shim: validate against real time, then check the engine still works far ahead.
        if (shimPath) {
          const clock = createClock(shimPath);
          let engine: LaunchedEngine | undefined;
          try {
            // An engine might not even start with its clock moved: launchForLab's deadline covers it.
            engine = await launchForLab(driver!, lab.certificates, { env: clock.env });
            const bench = await open(engine, clock);
            options.onProgress?.(`${id}: validating clock control with Max-Age ${VALIDATION_MAX_AGE}`);
            const [real] = await searchRealTime(
              bench,
              [validation],
              [VALIDATION_MAX_AGE - 2, VALIDATION_MAX_AGE - 1, VALIDATION_MAX_AGE + 1, VALIDATION_MAX_AGE + 2],
            );
            const controlled = await searchControlled(bench, validation, String(VALIDATION_MAX_AGE));
            const agree =
              real!.lifetime.kind === 'bracket' &&
              controlled.lifetime.kind === 'bracket' &&
              Math.abs(real!.lifetime.cachedAt! - controlled.lifetime.cachedAt!) <= 2 &&
              Math.abs(real!.lifetime.refetchedAt! - controlled.lifetime.refetchedAt!) <= 2;
            validated = { maxAge: VALIDATION_MAX_AGE, real: real!.lifetime, controlled: controlled.lifetime, agree };
            if (!agree) {
              detail = `the controlled clock did not agree with real time (controlled: ${controlled.lifetime.text}; real: ${real!.lifetime.text}): real time only`;
            } else {
              // Long lifetimes need the clock far ahead: the engine must still load a page there.
              const reach = await clockReach(engine, clock, runnerUrl, options.timeoutMs);
              if (reach.ok) {
                options.onProgress?.(`${id}: measuring ${scenarios.length} cases in controlled time`);
                const measured = await sequential(scenarios, async (scenario, index) => {
                  // A fresh context per case (closed after it): a page that stops answering spoils one case at most.
                  let bench: Bench | undefined;
                  const found = await (async () => {
                    try {
                      return await searchControlled(
                        (bench = await open(engine!, clock)),
                        scenario,
                        MAX_AGE_CASES[index]!.value,
                      );
                    } catch (error) {
                      return {
                        lifetime: {
                          kind: 'error' as const,
                          time: 'controlled' as const,
                          text: 'error',
                          error: firstLine(error),
                        },
                        trials: [],
                      };
                    } finally {
                      await bench?.context.close().catch(() => {});
                    }
                  })();
                  options.onProgress?.(
                    `${id}: ${scenario.title}: ${found.lifetime.text} (${counted(found.trials.length, 'trial')})`,
                  );
                  return found;
                });
                return {
                  engine: engine.info,
                  clock: {
                    mode: 'controlled',
                    detail: `clock shim (${shimPath}); validated: Max-Age ${VALIDATION_MAX_AGE} gave "${controlled.lifetime.text}" and "${real!.lifetime.text}"; ${reach.detail}`,
                    validation: validated,
                  },
                  cases: MAX_AGE_CASES.map((entry, index) => ({
                    label: entry.label,
                    value: entry.value,
                    ...measured[index]!,
                  })),
                } satisfies MaxAgeEngineResult;
              }
              detail = `the controlled clock agreed with real time at Max-Age ${VALIDATION_MAX_AGE}, but ${reach.detail}: real time only`;
            }
          } catch (error) {
            detail = `clock control failed (${firstLine(error)}): real time only`;
          } finally {
            await engine?.close();
            clock.close();
          }
        }
        // 2. Real time, up to --max-wait, in a browser without the clock shim.
        let engine: LaunchedEngine;
        try {
          engine = await launchForLab(driver!, lab.certificates);
        } catch (error) {
          return notStarted(id, error);
        }
        try {
          options.onProgress?.(
            `${id}: measuring ${scenarios.length} cases in real time (up to ${options.maxWaitSeconds} s)`,
          );
          const measured = await searchRealTime(await open(engine), scenarios, grid);
          return {
            engine: engine.info,
            clock: { mode: 'real', detail, ...(validated ? { validation: validated } : {}) },
            cases: MAX_AGE_CASES.map((entry, index) => ({
              label: entry.label,
              value: entry.value,
              ...measured[index]!,
            })),
          } satisfies MaxAgeEngineResult;
        } finally {
          await engine.close();
        }
      }),
    );
    const measured = engines.filter((entry): entry is MaxAgeEngineResult => 'cases' in entry);
    const notRun = engines.filter((entry): entry is MissingEngine => !('cases' in entry));
    return {
      study: 'max-age',
      maxWaitSeconds: options.maxWaitSeconds,
      engines: measured,
      enginesMissing: [...missing, ...notRun],
    };
  } finally {
    await lab.close();
  }
}

/** The farthest ahead a controlled search may set the clock. */
const REACH_S = CONTROLLED_LIMIT_S * 4;

/**
 * Whether the engine still loads a page and runs a timer with its clock far
 * ahead (some builds stop answering after a large jump), each step in a
 * fresh context; the clock stays where it is (it only moves forward).
 */
async function clockReach(
  engine: LaunchedEngine,
  clock: ControlledClock,
  runnerUrl: string,
  timeoutMs: number,
): Promise<{ ok: boolean; detail: string }> {
  const steps = [60, 600, 7200, REACH_S];
  for (const target of steps) {
    if (clock.offset < target) clock.advance(target - clock.offset);
    try {
      await (await openRunner(engine, runnerUrl, timeoutMs)).close().catch(() => {});
    } catch (error) {
      return {
        ok: false,
        detail: `the engine stopped answering with its clock ${target} s ahead (${CONTEXT_ATTEMPTS} attempts; last: ${firstLine(error)})`,
      };
    }
  }
  return { ok: true, detail: `the engine kept working with its clock up to ${REACH_S} s ahead` };
}

async function sequential<T, R>(items: T[], work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (const [index, item] of items.entries()) results.push(await work(item, index));
  return results;
}

/** Intervals tried in real time: every second to 10 s, then coarser, up to --max-wait. */
export function realTimeGrid(maxWaitSeconds: number): number[] {
  const grid = new Set<number>([0]);
  for (let seconds = 1; seconds <= Math.min(10, maxWaitSeconds); seconds++) grid.add(seconds);
  for (let seconds = 12; seconds <= maxWaitSeconds; seconds += seconds < 30 ? 3 : 10) grid.add(seconds);
  grid.add(maxWaitSeconds);
  return [...grid].sort((a, b) => a - b);
}
