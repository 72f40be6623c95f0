// Scheduling: one browser per engine, engines side by side, one isolated
// context per isolation group (or per probe with isolation "probe"). Probes
// that share a page origin run concurrently in one page: their URLs carry
// unique nonces, so neither the preflight cache nor the journal mixes them up.
import { discoverForRun, type discoverAll } from '../engines/discovery.ts';
import type { EngineContext, EngineId, EngineProfile, LaunchedEngine, MissingEngine } from '../engines/types.ts';
import { ENGINE_IDS } from '../engines/types.ts';
import { hostnamesOf, serverKeyFor, startLab, type Lab, type MiddlewareForward } from '../lab/lab.ts';
import type { MiddlewareAdapter } from '../middleware/adapter.ts';
import { describePolicy, type CorsPolicy } from '../scenario/policy.ts';
import { loadAdapter } from '../middleware/registry.ts';
import { serveMiddleware, type MiddlewareServer } from '../middleware/serve.ts';
import type { ProbeRequest, ProbeResult } from '../probes/bundle.ts';
import { needsMiddlewareFlag, type Scenario } from '../scenario/loader.ts';
import { launchForLab, notStarted } from '../session/launch.ts';
import { gotoPage, mintNonce, runInPage, settledConsole } from '../session/page.ts';
import { timed, type PhaseReport, type RunPhase } from '../session/phases.ts';
import { probeRequest } from '../session/probe-request.ts';
import { buildCell } from './cell.ts';
import { predictScenario } from './predict.ts';
import { labControlUrl, needsControl, runControl } from './reachability.ts';
import { resultHeader, sortForReport, summarize, type CellResult, type EngineEntry, type ReachabilityControl, type RunResult, type SpecView } from '../result/result.ts';

export type IsolationMode = 'group' | 'probe';

export interface Progress {
  engine: EngineId;
  done: number;
  total: number;
}

export interface RunOptions {
  scenarios: Scenario[];
  /** Engines to run; undefined runs every engine found. */
  engines?: EngineId[];
  /** Per-probe timeout. */
  timeoutMs: number;
  isolation: IsolationMode;
  /** Engine profile to emulate; default "defaults". */
  profile?: EngineProfile;
  onProgress?: (progress: Progress) => void;
  /** Told how long each phase of each engine's run took (the benchmark's breakdown). */
  onPhase?: PhaseReport;
  certDir?: string;
  /**
   * A real CORS middleware for scenarios with a `middleware` policy: each such
   * scenario gets the middleware's own server, configured from its policy.
   * Without it, those scenarios cannot run and are refused.
   */
  middleware?: MiddlewareAdapter;
}

/** At most this many probes in flight in one page. */
const BATCH_SIZE = 40;
export async function runScenarios(requested: RunOptions): Promise<RunResult> {
  // A deviation scoped to some engine profiles is no expectation in the others.
  const profile = requested.profile ?? 'defaults';
  const options: RunOptions = { ...requested, profile, scenarios: requested.scenarios.map((scenario) => withDeviationsFor(scenario, profile)) };
  const startedAt = new Date();
  const started = performance.now();
  const { runnable, missing: enginesMissing } = await discoverForRun(options.engines ?? ENGINE_IDS);

  const needing = options.scenarios.filter((scenario) => scenario.middleware);
  const unserved = options.middleware ? [] : needing.filter(needsMiddlewareFlag);
  if (unserved.length > 0) {
    throw new Error(`${unserved.length} scenario(s) need a real middleware (${unserved[0]!.id}, ...): run them with --middleware, e.g. --middleware cors`);
  }
  const lab = await startLab({ hostnames: hostnamesOf(options.scenarios), certDir: options.certDir });
  // The spec model's view, once per scenario (the nonce only changes URLs).
  const predictions = new Map(options.scenarios.map((scenario) => [scenario.id, specView(scenario, lab)]));
  const engines: EngineEntry[] = [];
  const results: CellResult[] = [];
  const middlewareServers: MiddlewareServer[] = [];
  const forwards = new Map<string, MiddlewareForward>();
  const policies = new Map<string, CorsPolicy>();
  try {
    // One real middleware server per scenario policy, its templates filled in for this lab.
    for (const scenario of needing) {
      const { on, policy, passPreflights } = scenario.middleware!;
      const rendered = Array.isArray(policy.origins) ? { ...policy, origins: policy.origins.map((origin) => lab.render(scenario, 'spec', origin)) } : policy;
      policies.set(scenario.id, rendered);
      // --middleware wins; otherwise the scenario names its own.
      const server = await serveMiddleware(options.middleware ?? (await loadAdapter(scenario.middleware!.use!)), rendered);
      middlewareServers.push(server);
      forwards.set(scenario.id, { host: on.host, serverKey: serverKeyFor(on), port: server.port, ...(passPreflights ? { passPreflights } : {}) });
    }
    const shared: RunShared = { predictions, forwards };
    const perEngine = await Promise.all(
      runnable.map(async (engine) => {
        const run = await runEngine(engine.id, engine.driver!, lab, options, shared);
        if ('notStarted' in run) {
          enginesMissing.push(run.notStarted);
          return [];
        }
        engines.push(run.entry);
        return run.results;
      }),
    );
    results.push(...perEngine.flat());
  } finally {
    await Promise.all(middlewareServers.map((server) => server.close()));
    await lab.close();
  }

  sortForReport(engines, results, options.scenarios.map((scenario) => scenario.id));

  return {
    ...resultHeader('run', startedAt, started),
    options: { isolation: options.isolation, timeoutMs: options.timeoutMs, profile },
    engines,
    enginesMissing,
    scenarios: options.scenarios.map((scenario) => ({
      id: scenario.id,
      title: scenario.title,
      file: scenario.file,
      kind: scenario.request.kind,
      description: scenario.description,
      tags: scenario.tags,
      expected: {
        spec: predictions.get(scenario.id)!.outcome,
        ...(Object.keys(scenario.expect.deviations).length > 0 ? { deviations: scenario.expect.deviations } : {}),
      },
      specModel: predictions.get(scenario.id)!,
      ...(policies.has(scenario.id) ? { middlewarePolicy: policies.get(scenario.id)! } : {}),
    })),
    results,
    summary: summarize(results),
  };
}

function withDeviationsFor(scenario: Scenario, profile: EngineProfile): Scenario {
  const deviations = Object.fromEntries(
    Object.entries(scenario.expect.deviations).filter(([, deviation]) => deviation.profiles === undefined || deviation.profiles.includes(profile)),
  );
  return { ...scenario, expect: { ...scenario.expect, deviations } };
}

/** What every engine's run of one lab shares: spec views, and the middleware servers by scenario. */
interface RunShared {
  predictions: Map<string, SpecView>;
  forwards: Map<string, MiddlewareForward>;
}

type EngineRun = { entry: EngineEntry; results: CellResult[] } | { notStarted: MissingEngine };

async function runEngine(
  id: EngineId,
  driver: NonNullable<Awaited<ReturnType<typeof discoverAll>>[number]['driver']>,
  lab: Lab,
  options: RunOptions,
  shared: RunShared,
): Promise<EngineRun> {
  let engine: LaunchedEngine;
  try {
    engine = await timed(options.onPhase, id, 'launch', () => launchForLab(driver, lab.certificates, { profile: options.profile! }));
  } catch (error) {
    return { notStarted: notStarted(id, error) };
  }

  const results: CellResult[] = [];
  let done = 0;
  const report = (count: number) => {
    done += count;
    options.onProgress?.({ engine: id, done, total: options.scenarios.length });
  };
  report(0); // launched: the probe phase starts
  try {
    for (const batch of planBatches(options.scenarios, options.isolation)) {
      results.push(...(await runBatch(engine, batch, lab, options, report, shared)));
    }
  } finally {
    await timed(options.onPhase, id, 'close', () => engine.close());
  }
  return { entry: engine.info, results };
}

interface Batch {
  /** Batches with the same context key share a browser context. */
  contextKey: string;
  pageOrigin: Scenario['page'];
  scenarios: Scenario[];
}

/** Groups scenarios into batches: by isolation group, then page origin. */
export function planBatches(scenarios: Scenario[], isolation: IsolationMode): Batch[] {
  if (isolation === 'probe') {
    return scenarios.map((scenario, index) => ({ contextKey: `probe-${index}`, pageOrigin: scenario.page, scenarios: [scenario] }));
  }
  const batches = new Map<string, Batch>();
  const result: Batch[] = [];
  for (const scenario of scenarios) {
    const page = scenario.page;
    const key = `${scenario.isolation}|${page.scheme}://${page.host}|${serverKeyFor(page)}`;
    let batch = batches.get(key);
    if (!batch || batch.scenarios.length >= BATCH_SIZE) {
      batch = { contextKey: scenario.isolation, pageOrigin: page, scenarios: [] };
      batches.set(key, batch);
      result.push(batch);
    }
    batch.scenarios.push(scenario);
  }
  // Keep each isolation group's batches together so its context is made once.
  return result.sort((a, b) => a.contextKey.localeCompare(b.contextKey));
}

/** One context per context key, closed when the next key starts. */
const contexts = new WeakMap<LaunchedEngine, { key: string; context: EngineContext }>();

async function contextFor(engine: LaunchedEngine, key: string): Promise<EngineContext> {
  const current = contexts.get(engine);
  if (current?.key === key) return current.context;
  if (current) await current.context.close();
  contexts.delete(engine);
  const context = await engine.newContext();
  contexts.set(engine, { key, context });
  return context;
}

async function dropContext(engine: LaunchedEngine): Promise<void> {
  const current = contexts.get(engine);
  contexts.delete(engine);
  await current?.context.close().catch(() => {});
}

async function runBatch(
  engine: LaunchedEngine,
  batch: Batch,
  lab: Lab,
  options: RunOptions,
  report: (count: number) => void,
  { predictions, forwards }: RunShared,
): Promise<CellResult[]> {
  const id = engine.info.id;
  const phase = <T>(name: RunPhase, work: () => Promise<T>) => timed(options.onPhase, id, name, work);
  const probes = batch.scenarios.map((scenario) => {
    const nonce = mintNonce(id);
    lab.register(scenario, nonce, forwards.get(scenario.id));
    return { scenario, request: probeRequest(scenario, lab, nonce, options.timeoutMs) };
  });
  const from = lab.journal.now();
  let pageResults: ProbeResult[] | undefined;
  let harnessError: string | undefined;
  let consoleEntries: ReturnType<EngineContext['takeConsole']> = null;
  let context: EngineContext | undefined;
  try {
    const opened = (context = await phase('contexts', () => contextFor(engine, batch.contextKey)));
    // Cookie scenarios (alone in their context) first visit the cookie's own
    // origin as a top-level page, so the cookies are set first-party.
    await phase('page loads', async () => {
      for (const { scenario, request } of probes) {
        if (scenario.cookies) await gotoPage(opened, `${lab.originUrl(scenario.cookies.on)}/__lab/set-cookies/${request.nonce}`, options.timeoutMs);
      }
      await gotoPage(opened, `${lab.originUrl(batch.pageOrigin)}/__lab/runner`, options.timeoutMs);
    });
    context.takeConsole(); // drop messages from loading the runner itself
    pageResults = await phase('probes', () =>
      runInPage(
        opened,
        probes.map((probe) => probe.request),
        options.timeoutMs,
      ),
    );
    consoleEntries = await phase('console settling', () => settledConsole(opened));
  } catch (error) {
    harnessError = error instanceof Error ? error.message.split('\n')[0] : String(error);
    context = undefined;
    await phase('contexts', () => dropContext(engine)); // a broken context is not reused
  }
  const to = lab.journal.now();
  const observed = probes.map(({ scenario, request }, index) => ({
    scenario,
    request,
    pageResult: pageResults?.[index],
    probe: pageResults?.[index] ?? { harnessError: harnessError ?? 'the page returned no result' },
    tlsErrors: lab.journal.tlsErrors(serverKeyFor(scenario.target), from, to).length,
    control: undefined as ReachabilityControl | undefined,
  }));
  // Probes that reached no server: could this engine reach it at all?
  for (const probe of observed) {
    if (context && needsControl(probe.probe, lab.journal.forNonce(probe.request.nonce), probe.tlsErrors)) {
      const reachable = context;
      probe.control = await phase('controls', () => runControl(reachable, labControlUrl(probe.request.url, probe.request.nonce), probe.request.nonce, lab.journal));
    }
  }
  if (options.isolation === 'probe') await phase('contexts', () => dropContext(engine));
  report(probes.length);

  return observed.map(({ scenario, request, pageResult, probe, tlsErrors, control }) => {
    const consoleForProbe = consoleEntries === null ? null : consoleEntries.filter((entry) => batch.scenarios.length === 1 || entry.text.includes(request.nonce));
    return cell(scenario, id, predictions.get(scenario.id)!, probe, lab.journal.forNonce(request.nonce), tlsErrors, consoleForProbe, request, pageResult?.durationMs ?? 0, control);
  });
}

/** One cell of a catalog run: the scenario's expectations around buildCell. */
function cell(
  scenario: Scenario,
  engine: EngineId,
  spec: SpecView,
  probe: ProbeResult | { harnessError: string },
  journal: ReturnType<Lab['journal']['forNonce']>,
  tlsErrors: number,
  consoleEntries: ReturnType<EngineContext['takeConsole']>,
  request: ProbeRequest,
  durationMs: number,
  control?: ReachabilityControl,
): CellResult {
  const deviation = scenario.expect.deviations[engine];
  return buildCell({
    scenario: scenario.id,
    engine,
    spec,
    expected: deviation?.outcome ?? spec.outcome,
    ...(deviation ? { deviation } : {}),
    cookiePolicy: scenario.expect.cookiePolicy === true,
    classifyAs: { mode: request.mode, readHeader: scenario.request.readHeader, requireCookie: scenario.request.requireCookie },
    probe,
    journal,
    tlsErrors,
    console: consoleEntries,
    request,
    durationMs,
    control,
  });
}

/**
 * The spec model's prediction for a scenario. Where the model cannot handle
 * the input, the scenario's declared expectation stands in, and says so.
 */
function specView(scenario: Scenario, lab: Lab): SpecView {
  // A middleware scenario's answers come from the middleware, not from the
  // file: the expectation is the policy's intent, the same for every middleware.
  if (scenario.middleware) {
    return {
      outcome: scenario.expect.spec ?? 'blocked',
      explanation: `what the policy intends (${describePolicy(scenario.middleware.policy)}); every middleware is held to it`,
      preflight: false,
      steps: [],
    };
  }
  try {
    const prediction = predictScenario(scenario, lab, 'spec');
    return {
      outcome: prediction.outcome,
      explanation: prediction.explanation,
      preflight: prediction.preflight,
      ...(prediction.preflightHeaders ? { preflightHeaders: prediction.preflightHeaders } : {}),
      steps: prediction.steps,
      ...(scenario.expect.spec !== undefined && scenario.expect.spec !== prediction.outcome ? { declared: scenario.expect.spec } : {}),
    };
  } catch (error) {
    const declared = scenario.expect.spec ?? 'blocked';
    return { outcome: declared, explanation: `the spec model could not evaluate this scenario (${(error as Error).message}); the scenario's declared expectation is used`, preflight: false, steps: [], declared };
  }
}
