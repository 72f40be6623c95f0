// Scheduling: one browser per engine, engines side by side, one isolated
// context per isolation group (or per probe with isolation "probe"). Probes
// that share a page origin run concurrently in one page: their URLs carry
// unique nonces, so neither the preflight cache nor the journal mixes them up.
import pLimit from 'p-limit';
import { discoverForRun, enginesToRun } from '../engines/discovery.ts';
import type { RemoteEngineConfig } from '../engines/remote-config.ts';
import type { EngineDriver, EngineId, EngineProfile, MissingEngine } from '../engines/types.ts';
import { hostnamesOf, serverKeyFor, startLab, type Lab, type MiddlewareForward } from '../lab/lab.ts';
import { AdapterError, type MiddlewareAdapter } from '../middleware/adapter.ts';
import type { ScenarioMiddleware } from '../result/middleware.ts';
import { messageOf } from '../package/error-message.ts';
import { describePolicy, type CorsPolicy } from '../scenario/policy.ts';
import { loadAdapter } from '../middleware/registry.ts';
import { serveMiddleware, type MiddlewareServer } from '../middleware/serve.ts';
import type { JournalEntry } from '../../servers/journal.ts';
import { needsMiddlewareFlag, type Scenario } from '../scenario/loader.ts';
import { mintNonce } from '../session/page.ts';
import type { PhaseReport } from '../session/phases.ts';
import { probeRequest } from '../session/probe-request.ts';
import { labControlUrl } from '../session/reachability.ts';
import { keptOnInterrupt } from '../session/failure.ts';
import { ProbeSession, type ProbeRun } from '../session/session.ts';
import { interruption } from '../engines/cleanup.ts';
import { buildCell } from './cell.ts';
import { mergeAttempts } from './repeat.ts';
import { shardKey, shardOf, type Shard } from './shard.ts';
import { predictAttempts, scenarioBehaviours } from './predict.ts';
import { firstRequestOf } from '../spec/first-request.ts';
import {
  asDeviation,
  buildOf,
  departingBehaviour,
  requestShapeBehaviour,
  type EngineBuild,
} from '../scenario/behaviours.ts';
import {
  interruptionRecord,
  resultHeader,
  sortForReport,
  summarize,
  type CellResult,
  type EngineEntry,
  type RunResult,
  type SpecView,
} from '../result/result.ts';

export type IsolationMode = 'group' | 'probe';

export interface Progress {
  engine: EngineId;
  done: number;
  total: number;
}

export interface RunOptions {
  scenarios: Scenario[];
  /** Engines to run; undefined runs every engine found, and every remote engine. */
  engines?: EngineId[];
  /** Remote engines (engines/remote-config.ts), each run like a local one. */
  remote?: RemoteEngineConfig[];
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
  /** Each cell runs this many times, each attempt in fresh contexts; cells whose attempts disagree are flaky. Default 1. */
  repeat?: number;
  /** Run only this shard's cells (run/shard.ts); `cors-lab merge` puts the shards together. */
  shard?: Shard;
  /** Firefox preferences to set (research compat's runs with a BCD flag). */
  firefoxPrefs?: Record<string, string | number | boolean>;
  /** How many engines run at once (default ENGINE_CONCURRENCY; research history runs builds one after another). */
  engineConcurrency?: number;
}

/** At most this many engines run at once (the three engines side by side, as always; more builds wait their turn). */
export const ENGINE_CONCURRENCY = 3;
/** At most this many probes in flight in one page. */
const BATCH_SIZE = 40;
export async function runScenarios(requested: RunOptions): Promise<RunResult> {
  // A deviation scoped to some engine profiles is no expectation in the others.
  const profile = requested.profile ?? 'defaults';
  const options: RunOptions = {
    ...requested,
    profile,
    scenarios: requested.scenarios.map((scenario) => withDeviationsFor(scenario, profile)),
  };
  const startedAt = new Date();
  const started = performance.now();
  const { runnable, missing: enginesMissing } = await discoverForRun(
    enginesToRun(options.engines, options.remote),
    options.remote,
  );

  const needing = options.scenarios.filter((scenario) => scenario.middleware);
  const unserved = options.middleware ? [] : needing.filter(needsMiddlewareFlag);
  if (unserved.length > 0) {
    throw new Error(
      `${unserved.length} scenario(s) need a real middleware (${unserved[0]!.id}, ...): run them with --middleware, e.g. --middleware cors`,
    );
  }
  const lab = await startLab({ hostnames: hostnamesOf(options.scenarios), certDir: options.certDir });
  // Each middleware scenario's policy, its templates filled in for this lab.
  const policies = new Map(needing.map((scenario) => [scenario.id, renderedPolicy(scenario, lab)]));
  // The spec model's view, once per scenario (the nonce only changes URLs).
  const predictions = new Map(
    options.scenarios.map((scenario) => [scenario.id, specView(scenario, lab, policies.get(scenario.id))]),
  );
  const engines: EngineEntry[] = [];
  const results: CellResult[] = [];
  const middlewareServers: MiddlewareServer[] = [];
  /** The middlewares scenarios named themselves, by adapter name: what the result records as measured. */
  const scenarioMiddlewares = new Map<string, ScenarioMiddleware>();
  const forwards = new Map<string, MiddlewareForward>();
  try {
    // One real middleware server per scenario policy.
    for (const scenario of needing) {
      const { on, passPreflights } = scenario.middleware!;
      const rendered = policies.get(scenario.id)!;
      // --middleware wins; otherwise the scenario names its own.
      const adapter =
        options.middleware ??
        (await loadAdapter(scenario.middleware!.use!).catch((error: unknown) => {
          // The scenario's own adapter: the file and the field that name it.
          throw new AdapterError(`${scenario.file}: middleware.use: ${messageOf(error)}`);
        }));
      if (!options.middleware) {
        const named = scenarioMiddlewares.get(adapter.name);
        if (named) named.scenarios.push(scenario.id);
        else
          scenarioMiddlewares.set(adapter.name, {
            id: adapter.name,
            version: adapter.version,
            scenarios: [scenario.id],
          });
      }
      const server = await serveMiddleware(adapter, rendered, `scenario ${scenario.id} (${scenario.file})`);
      middlewareServers.push(server);
      forwards.set(scenario.id, {
        host: on.host,
        serverKey: serverKeyFor(on),
        port: server.port,
        ...(passPreflights ? { passPreflights } : {}),
      });
    }
    const shared: RunShared = { predictions, forwards };
    // Engines side by side, but no more than ENGINE_CONCURRENCY at once: a run over many builds
    // (chromium@110,chromium@143,chromium,...) would otherwise start them all on a small machine.
    const limit = pLimit(options.engineConcurrency ?? ENGINE_CONCURRENCY);
    const perEngine = await Promise.all(
      runnable.map((engine) =>
        limit(async () => {
          const run = await runEngine(engine.id, engine.driver!, lab, options, shared);
          if ('notLaunched' in run) return [];
          if ('notStarted' in run) {
            enginesMissing.push(run.notStarted);
            return [];
          }
          engines.push(run.entry);
          return run.results;
        }),
      ),
    );
    results.push(...perEngine.flat());
  } finally {
    await Promise.all(middlewareServers.map((server) => server.close()));
    await lab.close();
  }

  sortForReport(
    engines,
    results,
    options.scenarios.map((scenario) => scenario.id),
  );

  return {
    // A scenario is defined by everything but where its file was read from.
    ...resultHeader(
      'run',
      startedAt,
      started,
      options.scenarios.map(({ file: _file, ...definition }) => ({ id: definition.id, definition })),
    ),
    options: {
      isolation: options.isolation,
      timeoutMs: options.timeoutMs,
      profile,
      ...(options.repeat && options.repeat > 1 ? { repeat: options.repeat } : {}),
      ...(options.shard ? { shard: options.shard } : {}),
    },
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
    ...(scenarioMiddlewares.size > 0 ? { scenarioMiddlewares: [...scenarioMiddlewares.values()] } : {}),
    ...interruptionRecord(
      interruption(),
      plannedCells(
        options,
        runnable
          .map((engine) => engine.id)
          .filter((engine) => !enginesMissing.some((missing) => missing.found && missing.id === engine)),
      ),
      results.length,
    ),
  };
}

/** How many cells the run meant to make in these engines (its shard's, with --shard). */
function plannedCells(options: RunOptions, engines: EngineId[]): number {
  const { shard } = options;
  return engines.reduce(
    (sum, engine) =>
      sum +
      (shard
        ? options.scenarios.filter((scenario) => shardOf(shardKey(scenario), engine, shard.total) === shard.index)
            .length
        : options.scenarios.length),
    0,
  );
}

function withDeviationsFor(scenario: Scenario, profile: EngineProfile): Scenario {
  const deviations = Object.fromEntries(
    Object.entries(scenario.expect.deviations).filter(
      ([, deviation]) => deviation.profiles === undefined || deviation.profiles.includes(profile),
    ),
  );
  return { ...scenario, expect: { ...scenario.expect, deviations } };
}

/** What every engine's run of one lab shares: spec views, and the middleware servers by scenario. */
interface RunShared {
  predictions: Map<string, SpecView>;
  forwards: Map<string, MiddlewareForward>;
}

type EngineRun = { entry: EngineEntry; results: CellResult[] } | { notStarted: MissingEngine } | { notLaunched: true };

async function runEngine(
  id: EngineId,
  driver: EngineDriver,
  lab: Lab,
  options: RunOptions,
  shared: RunShared,
): Promise<EngineRun> {
  const repeat = options.repeat ?? 1;
  const { shard } = options;
  const scenarios = shard
    ? options.scenarios.filter((scenario) => shardOf(shardKey(scenario), id, shard.total) === shard.index)
    : options.scenarios;
  const batches = planBatches(scenarios, options.isolation);
  const started = await ProbeSession.start(id, driver, lab, {
    timeoutMs: options.timeoutMs,
    onPhase: options.onPhase,
    launch: {
      profile: options.profile!,
      ...(options.firefoxPrefs ? { firefoxPrefs: options.firefoxPrefs } : {}),
      // Each attempt of --repeat has contexts of its own (runBatch).
      contexts: new Set(batches.map((batch) => batch.contextKey)).size * repeat,
    },
  }).catch(keptOnInterrupt(undefined));
  if (!started) return { notLaunched: true };
  if ('notStarted' in started) return started;
  const { session } = started;
  // Each cell's attempts, in order (one without --repeat).
  const attempts = new Map<string, CellResult[]>();
  let done = 0;
  const report = (count: number) => {
    done += count;
    options.onProgress?.({ engine: id, done, total: scenarios.length * repeat });
  };
  report(0); // launched: the probe phase starts
  try {
    for (let attempt = 1; attempt <= repeat; attempt++) {
      for (const batch of batches) {
        for (const cell of await runBatch(session, batch, lab, options, shared, attempt))
          attempts.set(cell.scenario, [...(attempts.get(cell.scenario) ?? []), cell]);
        report(batch.scenarios.length);
      }
    }
  } catch (error) {
    keptOnInterrupt(undefined)(error); // the cells completed before a signal stay; anything else is a harness failure
  } finally {
    await session.close();
  }
  return { entry: session.info, results: [...attempts.values()].map(mergeAttempts) };
}

export interface Batch {
  /** Batches with the same context key share a browser context. */
  contextKey: string;
  /** A cookie scenario's own jar: it shares the cookie scenarios' context, with every earlier cookie deleted (ProbeSession's PageRun.cookieJar). */
  cookieJar?: string;
  pageOrigin: Scenario['page'];
  scenarios: Scenario[];
}

/** The context a cookie scenario runs in: every cookie scenario's, each with a jar of its own (no scenario's isolation group starts with "isolation:"). */
const COOKIE_SCENARIOS_CONTEXT = 'cookie scenarios';

/** Groups scenarios into batches: by isolation group, then page origin. */
export function planBatches(scenarios: Scenario[], isolation: IsolationMode): Batch[] {
  if (isolation === 'probe') {
    return scenarios.map((scenario, index) => ({
      contextKey: `probe-${index}`,
      pageOrigin: scenario.page,
      scenarios: [scenario],
    }));
  }
  const batches = new Map<string, Batch>();
  const result: Batch[] = [];
  for (const scenario of scenarios) {
    const page = scenario.page;
    const key = `${scenario.isolation}|${page.scheme}://${page.host}|${serverKeyFor(page)}`;
    let batch = batches.get(key);
    if (!batch || batch.scenarios.length >= BATCH_SIZE) {
      // A cookie scenario is alone in its isolation group (the loader's `cookies:<id>`): it needs its own jar, not a context of its own.
      batch = scenario.cookies
        ? { contextKey: COOKIE_SCENARIOS_CONTEXT, cookieJar: scenario.isolation, pageOrigin: page, scenarios: [] }
        : { contextKey: `isolation:${scenario.isolation}`, pageOrigin: page, scenarios: [] };
      batches.set(key, batch);
      result.push(batch);
    }
    batch.scenarios.push(scenario);
  }
  // Keep each context's batches together so it is made once.
  return result.sort((a, b) => a.contextKey.localeCompare(b.contextKey));
}

/** One batch in one engine: the session runs it; the cells are the catalog's. */
async function runBatch(
  session: ProbeSession,
  batch: Batch,
  lab: Lab,
  options: RunOptions,
  { predictions, forwards }: RunShared,
  attempt = 1,
): Promise<CellResult[]> {
  const planned = batch.scenarios.map((scenario) => {
    const nonce = mintNonce(session.id);
    lab.register(scenario, nonce, forwards.get(scenario.id));
    return { scenario, request: probeRequest(scenario, lab, nonce, options.timeoutMs) };
  });
  const runs = await session.run({
    // Each attempt of --repeat gets contexts of its own.
    contextKey: attempt === 1 ? batch.contextKey : `${batch.contextKey}#${attempt}`,
    ...(batch.cookieJar ? { cookieJar: batch.cookieJar } : {}),
    // Cookie scenarios (alone in their context) first visit the cookie's own
    // origin as a top-level page, so the cookies are set first-party.
    visits: planned.flatMap(({ scenario, request }) =>
      scenario.cookies ? [`${lab.originUrl(scenario.cookies.on)}/__lab/set-cookies/${request.nonce}`] : [],
    ),
    runnerUrl: `${lab.originUrl(batch.pageOrigin)}/__lab/runner`,
    requests: planned.map((probe) => probe.request),
    control: { url: (request) => labControlUrl(request.url, request.nonce) },
    // The lab's servers journal a failed handshake without a nonce: count the target server's in the batch's time.
    tlsErrors: (request, span) => {
      const target = planned.find((probe) => probe.request === request)!.scenario.target;
      return lab.journal.tlsErrors(serverKeyFor(target), span.from, span.to).length;
    },
    closeContext: options.isolation === 'probe',
    // A batch of the same page origin after another (the cookie scenarios, their visits in a tab of their own) runs in the loaded runner page, as the probes of one batch do.
    reuseLoadedPage: true,
  });
  const build = buildOf(session.info, options.profile!);
  return runs.map((run, index) =>
    cell(
      planned[index]!.scenario,
      session.id,
      build,
      predictions.get(planned[index]!.scenario.id)!,
      run,
      lab.journal.forNonce(run.request.nonce),
    ),
  );
}

/** One cell of a catalog run: the scenario's expectations around buildCell. */
function cell(
  scenario: Scenario,
  engine: EngineId,
  build: EngineBuild,
  spec: SpecView,
  run: ProbeRun,
  journal: JournalEntry[],
): CellResult {
  // The scenario's own deviation wins (for the engine's family); otherwise the registry's, where its condition holds.
  const known = departingBehaviour(spec.knownBehaviours, build, spec.outcome);
  const deviation = scenario.expect.deviations[build.family] ?? (known ? asDeviation(known) : undefined);
  return buildCell({
    scenario: scenario.id,
    engine,
    spec,
    expected: deviation?.outcome ?? spec.outcome,
    ...(deviation ? { deviation } : {}),
    // The scenario says so, or the registry knows the engine's third-party cookie policy under this profile.
    cookiePolicy: scenario.expect.cookiePolicy === true || known?.cookiePolicy === true,
    classifyAs: {
      mode: run.request.mode,
      readHeader: scenario.request.readHeader,
      requireCookie: scenario.request.requireCookie,
    },
    probe: run.outcome,
    journal,
    tlsErrors: run.tlsErrors,
    console: run.console,
    request: run.request,
    durationMs: run.durationMs,
    control: run.control,
    explainRequestShape: (departure) => requestShapeBehaviour(spec.knownBehaviours, build, departure),
  });
}

/** A middleware scenario's policy with its templates filled in for this lab ({{origin.page}} as the origin it is). */
function renderedPolicy(scenario: Scenario, lab: Lab): CorsPolicy {
  const { policy } = scenario.middleware!;
  return Array.isArray(policy.origins)
    ? { ...policy, origins: policy.origins.map((origin) => lab.render(scenario, 'spec', origin)) }
    : policy;
}

/**
 * The spec model's prediction for a scenario (a middleware scenario's is its
 * policy's intent: `middlewarePolicy`). Where the model cannot handle
 * the input, the scenario's declared expectation stands in, and says so.
 */
function specView(scenario: Scenario, lab: Lab, middlewarePolicy: CorsPolicy | undefined): SpecView {
  // A middleware scenario's answers come from the middleware, not from the
  // file: the expectation is the policy's intent, the same for every middleware.
  if (middlewarePolicy) {
    return {
      outcome: scenario.expect.spec ?? 'blocked',
      explanation: `what the policy intends (${describePolicy(middlewarePolicy)}); every middleware is held to it`,
      preflight: false,
      steps: [],
    };
  }
  try {
    const { first, last: prediction, answers, chain } = predictAttempts(scenario, lab, 'spec');
    const known = scenarioBehaviours(scenario, lab, answers);
    return {
      outcome: prediction.outcome,
      explanation: prediction.explanation,
      preflight: prediction.preflight,
      firstRequest: firstRequestOf(first),
      chain,
      ...(known.length > 0 ? { knownBehaviours: known } : {}),
      ...(prediction.preflightHeaders ? { preflightHeaders: prediction.preflightHeaders } : {}),
      steps: prediction.steps,
      ...(scenario.expect.spec !== undefined && scenario.expect.spec !== prediction.outcome
        ? { declared: scenario.expect.spec }
        : {}),
    };
  } catch (error) {
    const declared = scenario.expect.spec ?? 'blocked';
    return {
      outcome: declared,
      explanation: `the spec model could not evaluate this scenario (${(error as Error).message}); the scenario's declared expectation is used`,
      preflight: false,
      steps: [],
      declared,
    };
  }
}
