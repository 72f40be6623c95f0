// `cors-lab check`: real browsers against the user's own server. Each engine
// goes through the lab's posing proxy (lab/proxy.ts), loads the runner page
// at exactly the origin asked for, and makes the request; the proxy journals
// what the browser sent and what the server answered. A replay from Node
// (replay.ts) gives the spec model the server's answers for its explanation.
import { discoverForRun, enginesToRun } from '../engines/discovery.ts';
import type { RemoteEngineConfig } from '../engines/remote-config.ts';
import type { EngineId } from '../engines/types.ts';
import type { Lab } from '../lab/lab.ts';
import type { JournalEntry } from '../../servers/journal.ts';
import { bareHostname, Upstream } from '../../servers/upstream.ts';
import type { Replay } from '../result/check.ts';
import type { ProbeRequest } from '../probes/bundle.ts';
import { buildCell } from '../run/cell.ts';
import {
  interruptionRecord,
  resultHeader,
  sortForReport,
  summarize,
  type CellResult,
  type EngineEntry,
  type CheckResult,
  type ScenarioSummary,
  type SpecView,
} from '../result/result.ts';
import { mintNonce } from '../session/page.ts';
import { keptOnInterrupt } from '../session/failure.ts';
import type { ProbeRun } from '../session/session.ts';
import { CheckEngines, type CheckEngine } from './engines.ts';
import { interruption } from '../engines/cleanup.ts';
import { findingsOf } from './findings.ts';
import { preflightVariations } from './preflight-variation.ts';
import { planProbes, type CheckProbe } from './rows.ts';
import type { CheckPlan } from './plan.ts';
import { lastAnswered, replay, specRequestOf, specViewOf, unreachableByControl, unreachableTarget } from './replay.ts';
import { behaviourDeviation, buildOf, type EngineBuild } from '../scenario/behaviours.ts';

export interface CheckOptions {
  plan: CheckPlan;
  engines?: EngineId[];
  /** Remote engines (engines/remote-config.ts): they reach the posing proxy at their lab address. */
  remote?: RemoteEngineConfig[];
  timeoutMs: number;
  certDir?: string;
  onProgress?: (progress: { engine: EngineId; done: number; total: number }) => void;
  /** Each cell as soon as its engine made it (cors-lab ui streams them). */
  onCell?: (cell: CellResult) => void;
  /** The lab, proxies and browsers to run in and keep for the next run (cors-lab ui); default: the run's own, closed at its end. */
  warm?: CheckEngines;
}

/** The request as the probe runtime makes it. */
function probeRequestFor(probe: CheckProbe, nonce: string, timeoutMs: number): ProbeRequest {
  const { endpoint } = probe;
  const base = {
    nonce,
    kind: endpoint.kind,
    url: endpoint.url,
    method: endpoint.method,
    headers: endpoint.headers,
    timeoutMs,
    ...(probe.context !== 'page' ? { context: probe.context } : {}),
  };
  switch (endpoint.kind) {
    case 'fetch':
    case 'xhr':
      return {
        ...base,
        mode: 'cors',
        credentials: probe.credentials,
        ...(endpoint.body !== undefined ? { body: endpoint.body } : {}),
        // The HTTP cache is shared by the pages of one site: without this, a
        // response cached for one posed origin would be revalidated (a 304)
        // for the next. "no-store" adds no request header.
        ...(endpoint.kind === 'fetch' ? { cache: 'no-store' as const } : {}),
      };
    case 'img-canvas':
      // A check asks whether CORS lets the page read the image, so the <img> is always crossorigin.
      return {
        ...base,
        method: 'GET',
        headers: {},
        mode: 'cors',
        credentials: probe.credentials === 'include' ? 'include' : 'same-origin',
        crossOrigin: probe.credentials === 'include' ? 'use-credentials' : 'anonymous',
      };
    case 'font':
      return {
        ...base,
        method: 'GET',
        headers: {},
        mode: 'cors',
        credentials: 'same-origin',
        fontVia: 'font-face-api',
      };
  }
}

export async function runCheck(options: CheckOptions): Promise<CheckResult> {
  const startedAt = new Date();
  const started = performance.now();
  const { plan } = options;
  const planned = planProbes(plan);
  const upstream = new Upstream({
    resolve: plan.resolve,
    caPems: plan.ca.map((ca) => ca.pem),
    timeoutMs: options.timeoutMs,
  });

  const plannedRequests = planned.map((probe) => probeRequestFor(probe, 'replay', options.timeoutMs));
  const plannedReplays = await Promise.all(
    planned.map((probe, index) =>
      replay(specRequestOf(plannedRequests[index]!, probe.origin, probe.pageOrigin), upstream),
    ),
  );
  // A target the replays cannot reach or trust, the browsers cannot either: said once, before anything starts (not as an error in every cell after the probes time out).
  const unreachable =
    unreachableTarget(plannedReplays) ??
    (plannedReplays.every((replayed) => replayed.exchanges.length === 0)
      ? await unreachableByControl([...new Set(plannedRequests.map((request) => request.url))], upstream)
      : undefined);
  if (unreachable) throw unreachable;
  // An error path tells something only beside an endpoint whose own answer is readable: otherwise the endpoint's row already fails, for the same reason.
  const readable = new Set(
    planned.filter((_, index) => plannedReplays[index]!.prediction?.outcome === 'allowed').map((probe) => probe.id),
  );
  const kept = planned.map((probe) => !probe.errorPath || readable.has(probe.errorPath.successRow));
  const probes = planned.filter((_, index) => kept[index]);
  const nonceless = plannedRequests.filter((_, index) => kept[index]);
  const replays = plannedReplays.filter((_, index) => kept[index]);
  const specViews = new Map(
    probes.map((probe, index) => [
      probe.id,
      untestedErrorPath(probe, replays[index]!, specViewOf(replays[index]!, nonceless[index]!, probe.origin)),
    ]),
  );
  const replayOf = new Map(probes.map((probe, index) => [probe.id, replays[index]!]));
  const variations = await preflightVariations(probes, replayOf, upstream);

  // The lab's certificate covers every posed host and every target host.
  const posed = new Set<string>();
  const hostnames = new Set<string>();
  for (const probe of probes) {
    const page = new URL(probe.pageOrigin);
    // Keyed as the proxy sees a CONNECT or absolute URL: an IPv6 host without its brackets.
    posed.add(`${page.protocol}//${authorityOf(page)}`);
    hostnames.add(bareHostname(page));
    hostnames.add(bareHostname(new URL(probe.endpoint.url)));
  }
  const { runnable, missing: enginesMissing } = await discoverForRun(
    enginesToRun(options.engines ?? plan.browsers, options.remote),
    options.remote,
  );

  // Only the rows' own target hosts (as written, before --resolve; an --error-path may name another) are forwarded.
  const targets = new Set(probes.map((probe) => authorityOf(new URL(probe.endpoint.url))));
  const checkEngines =
    options.warm ??
    new CheckEngines({ timeoutMs: options.timeoutMs, ...(options.certDir ? { certDir: options.certDir } : {}) });
  const lab = await checkEngines.labFor(hostnames, { posed, targets, upstream });
  // Each run's contexts are its own, also in browsers kept warm from an earlier run.
  const runKey = mintNonce('check');

  const engines: EngineEntry[] = [];
  const results: CellResult[] = [];
  try {
    const perEngine = await Promise.all(
      runnable.map(async (engine) => {
        try {
          const started = await checkEngines.engine(engine.id, engine.driver!);
          if ('notLaunched' in started) return [];
          if ('notStarted' in started) {
            enginesMissing.push(started.notStarted);
            return [];
          }
          const run = await runEngine(started, lab, probes, specViews, runKey, options);
          engines.push(run.entry);
          return run.results;
        } finally {
          if (!options.warm) await checkEngines.closeEngine(engine.id);
        }
      }),
    );
    results.push(...perEngine.flat());
  } finally {
    if (!options.warm) await checkEngines.close();
  }

  sortForReport(
    engines,
    results,
    probes.map((probe) => probe.id),
  );

  const scenarios: ScenarioSummary[] = probes.map((probe, index) => ({
    id: probe.id,
    title: probe.hostile
      ? `${probe.endpoint.name}: must refuse ${probe.hostile.description} (${probe.origin}), with credentials`
      : `${probe.endpoint.name} from ${probe.origin}: expected ${probe.expect}`,
    file: 'check',
    kind: probe.endpoint.kind,
    tags: probe.hostile ? ['check', 'sweep', probe.hostile.attack] : ['check'],
    expected: { spec: specViews.get(probe.id)!.outcome },
    specModel: specViews.get(probe.id)!,
    replay: replays[index]!,
  }));

  return {
    ...resultHeader(
      'check',
      startedAt,
      started,
      probes.map((probe) => ({
        id: probe.id,
        definition: {
          endpoint: probe.endpoint,
          origin: probe.origin,
          expect: probe.expect,
          credentials: probe.credentials,
          context: probe.context,
        },
      })),
    ),
    options: { isolation: 'check', timeoutMs: options.timeoutMs, profile: 'defaults' },
    engines,
    enginesMissing,
    scenarios,
    results,
    summary: summarize(results),
    ...interruptionRecord(
      interruption(),
      probes.length * (runnable.length - enginesMissing.filter((missing) => missing.found).length),
      results.length,
    ),
    check: {
      ...(plan.source ? { source: plan.source } : {}),
      endpoints: plan.endpoints.map((endpoint) => ({
        name: endpoint.name,
        url: endpoint.url,
        method: endpoint.method,
        kind: endpoint.kind,
        credentials: endpoint.credentials,
      })),
      resolve: plan.resolve.map((rule) => `${rule.host}:${rule.port}:${rule.address}:${rule.targetPort}`),
      ca: plan.ca.map((ca) => ca.file),
      sweep: plan.sweep,
      findings: findingsOf(probes, replayOf, results, variations),
      ...(plan.allowOriginPatterns.length > 0
        ? { allowOriginPatterns: plan.allowOriginPatterns.map((pattern) => pattern.source) }
        : {}),
      errorPaths: { missingPath: plan.missingPath, paths: plan.errorPaths },
      via: "each engine's own proxy setting points at the lab's proxy: posed origins are served by the lab; requests to the target are forwarded to its real address (or --resolve), TLS verified by the lab with the system roots and --ca, and journaled",
    },
  };
}

function authorityOf(url: URL): string {
  return `${bareHostname(url)}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
}

async function runEngine(
  { proxy, session }: CheckEngine,
  lab: Lab,
  probes: CheckProbe[],
  specViews: Map<string, SpecView>,
  runKey: string,
  options: CheckOptions,
): Promise<{ entry: EngineEntry; results: CellResult[] }> {
  const { id } = session;
  const results: CellResult[] = [];
  options.onProgress?.({ engine: id, done: 0, total: probes.length });
  try {
    for (const probe of probes) {
      const nonce = mintNonce(id);
      proxy.tag(nonce);
      const [run] = await session
        .run({
          // A fresh context per row: no preflight cache, cookie or HTTP cache entry carries over from another row, or from an earlier run (the spec model judges each alone).
          contextKey: `${runKey}: ${probe.id}`,
          runnerUrl: `${probe.pageOrigin}/__lab/runner?nonce=${nonce}`,
          requests: [probeRequestFor(probe, nonce, options.timeoutMs)],
          // Posing must be exact: never run under another origin.
          refuse: async (context) => {
            const pageOrigin = await context.evaluate<string>('location.origin', options.timeoutMs);
            return pageOrigin === probe.pageOrigin
              ? undefined
              : `this engine cannot pose as ${probe.pageOrigin}: the page's origin was ${pageOrigin}, so the probe was not run`;
          },
          // Could this engine reach the target at all? A top-level GET of its URL tells.
          control: { url: () => probe.endpoint.url, before: () => proxy.tag(nonce, 'control') },
        })
        .finally(() => proxy.tag(undefined));
      const cell = checkCell(
        probe,
        id,
        buildOf(session.info, 'defaults'),
        specViews.get(probe.id)!,
        run!,
        lab.journal.forNonce(nonce),
      );
      results.push(cell);
      options.onCell?.(cell);
      options.onProgress?.({ engine: id, done: results.length, total: probes.length });
    }
  } catch (error) {
    keptOnInterrupt(undefined)(error); // the cells completed before a signal stay; anything else is a harness failure
  }
  return { entry: session.info, results };
}

function checkCell(
  probe: CheckProbe,
  engine: EngineId,
  build: EngineBuild,
  spec: SpecView,
  run: ProbeRun,
  journal: JournalEntry[],
): CellResult {
  // What the user expects stays the expectation; a known engine behaviour only names the verdict (check runs the defaults profile).
  const deviation = behaviourDeviation(spec.knownBehaviours, build, spec.outcome);
  const cell = buildCell({
    scenario: probe.id,
    engine,
    spec,
    expected: probe.expect,
    ...(deviation ? { deviation } : {}),
    cookiePolicy: false,
    classifyAs: { mode: run.request.mode },
    probe: run.outcome,
    journal,
    tlsErrors: run.tlsErrors,
    console: run.console,
    request: run.request,
    durationMs: run.durationMs,
    control: run.control,
  });
  // Say why in the spec's words when the engine did what the model predicts, and, where the server's answer blocked what was expected allowed, what to change.
  if (cell.outcome === spec.outcome && cell.outcome !== 'error') {
    cell.explanation = `${cell.explanation} Why: ${spec.explanation}`;
    if (cell.outcome === 'blocked' && probe.expect === 'allowed' && spec.fix)
      cell.explanation = `${cell.explanation.replace(/\.?$/, '.')} Fix: ${spec.fix}.`;
  }
  return cell;
}

/**
 * A path meant to fail that the server answered 2xx (a route such as
 * /api/items/:id matched it): its row tested no error answer, and its
 * explanation says so, with the fix.
 */
export function untestedErrorPath(probe: CheckProbe, replayed: Replay, view: SpecView): SpecView {
  const status = lastAnswered(replayed)?.status;
  if (!probe.errorPath || status === undefined || status < 200 || status > 299) return view;
  const fix =
    probe.errorPath.kind === 'missing'
      ? 'a route matched it: name a path that fails with --error-path, or errorPaths in a config'
      : 'name a path that fails';
  return {
    ...view,
    explanation: `${view.explanation}. Note: this path was answered ${status}, so no error answer was tested (${fix})`,
  };
}
