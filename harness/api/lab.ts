// The programmatic lab for middleware authors (import { createLab } from
// 'cors-lab'): the lab's servers and warm browsers, started once; each probe
// mounts the author's middleware in a real server behind a lab origin and
// makes one request in every engine, with no browser start-up and no page load.
import { createServer, Server, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { discoverForRun } from '../engines/discovery.ts';
import { compareEngineIds, ENGINE_IDS, type EngineId, type MissingEngine } from '../engines/types.ts';
import { serverKeyFor, startLab, type Lab } from '../lab/lab.ts';
import { Upstream } from '../../servers/upstream.ts';
import { routeHandler, type MiddlewareAdapter } from '../middleware/adapter.ts';
import type { CorsPolicy } from '../scenario/policy.ts';
import { loadAdapter } from '../middleware/registry.ts';
import { listenOnLoopback } from '../middleware/serve.ts';
import { replay, specRequestOf, specViewOf } from '../check/replay.ts';
import { buildCell } from '../run/cell.ts';
import { behaviourDeviation, buildOf } from '../scenario/behaviours.ts';
import type { CellResult, EngineEntry, SpecView } from '../result/result.ts';
import { notStarted } from '../session/launch.ts';
import { mintNonce } from '../session/page.ts';
import { asSpecChain } from '../run/request-chain.ts';
import { labControlUrl } from '../session/reachability.ts';
import { ProbeSession } from '../session/session.ts';
import { probeRequest } from '../session/probe-request.ts';
import type { LabOrigin, Scenario } from '../scenario/loader.ts';
import { requestSchema } from '../scenario/schema.ts';

/** Connect-style middleware: cors-lab's route handler is its `next`. */
export type ConnectMiddleware = (
  request: IncomingMessage,
  response: ServerResponse,
  next: (error?: unknown) => void,
) => void;

export interface ProbeInput {
  /**
   * What answers the API origin: a connect-style middleware (request,
   * response, next), a whole app (request listener) or an http.Server, or a
   * built-in adapter with a policy: { adapter: 'hono', policy: {...} }, or
   * a server already listening on a loopback port: { port }.
   */
  server:
    | ConnectMiddleware
    | RequestListener
    | Server
    | { adapter: string | MiddlewareAdapter; policy: CorsPolicy }
    | { port: number };
  request?: {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
    credentials?: 'omit' | 'same-origin' | 'include';
    kind?: 'fetch' | 'xhr';
    /** The outcome is "allowed" only if the page can read this response header. */
    readHeader?: string;
  };
  /** The page making the request: the front end (default) or a foreign site. */
  from?: 'page' | 'foreign';
}

export interface ProbeOutcome {
  /** One cell per engine, with the journal evidence and the explanation. */
  cells: CellResult[];
  allowedIn: EngineId[];
  blockedIn: EngineId[];
  /** The spec model's explanation, from the server's answers to a replay (labelled as replayed). */
  spec: SpecView;
  engines: EngineEntry[];
}

export interface CorsLab {
  /** Serialized origins: the front end, a foreign site, and the API the middleware answers. */
  origins: { page: string; foreign: string; api: string };
  engines: EngineEntry[];
  /** Engines asked for that are not installed, or found and did not start (found: true): never run, never invented. */
  missing: MissingEngine[];
  probe(input: ProbeInput): Promise<ProbeOutcome>;
  close(): Promise<void>;
}

export interface CreateLabOptions {
  engines?: EngineId[];
  /** Per probe; default 8000 ms. */
  timeoutMs?: number;
  certDir?: string;
}

const origin = (name: string, host: string): LabOrigin => ({
  name,
  scheme: 'https',
  host,
  slot: 'main',
  certificate: 'lab',
  state: 'running',
});
const PAGE = origin('page', 'app.site-a.localhost');
const FOREIGN = origin('page', 'evil.site-e.localhost');
const API = origin('api', 'api.site-b.localhost');

export async function createLab(options: CreateLabOptions = {}): Promise<CorsLab> {
  const timeoutMs = options.timeoutMs ?? 8000;
  const lab = await startLab({ hostnames: [PAGE.host, FOREIGN.host, API.host], certDir: options.certDir });
  const { runnable, missing } = await discoverForRun(options.engines ?? ENGINE_IDS);
  const warm: ProbeSession[] = [];
  const servers = serverPool();
  // An engine that does not start is listed in `missing`, as in every flow;
  // the lab works with the others, and says so, since a matcher's "every
  // engine that ran" would otherwise quietly cover fewer engines.
  await Promise.all(
    runnable.map(async ({ id, driver }) => {
      const started = await ProbeSession.start(id, driver!, lab, { timeoutMs });
      if ('notStarted' in started) {
        missing.push(started.notStarted);
        return;
      }
      try {
        await started.session.context(WARM_CONTEXT);
        warm.push(started.session);
      } catch (error) {
        await started.session.close();
        missing.push(notStarted(id, error));
      }
    }),
  );
  for (const entry of missing.filter((candidate) => candidate.found))
    process.emitWarning(`cors-lab: ${entry.id}: ${entry.reason}; lab.probe runs without it`);
  if (warm.length === 0) {
    await lab.close();
    throw new Error(
      `cors-lab: no engine could be started: ${missing.map((entry) => `${entry.id}: ${entry.reason}`).join('; ') || 'none was asked for'}. See npx cors-lab browsers`,
    );
  }
  // Engines in result order, whichever started first.
  warm.sort((a, b) => compareEngineIds(a.id, b.id));
  const replayer = new Upstream({ caPems: [lab.certificates.ca.certPem], timeoutMs });
  let closed = false;

  return {
    origins: { page: lab.originUrl(PAGE), foreign: lab.originUrl(FOREIGN), api: lab.originUrl(API) },
    engines: warm.map((session) => session.info),
    missing,
    async probe(input) {
      if (closed) throw new Error('this lab is closed');
      const port = await servers.portFor(input.server);
      const scenario = scenarioFor(input);
      const forward = { host: API.host, serverKey: serverKeyFor(API), port };
      // The spec model's view, from a replay through the lab (its own nonce, so the browsers' journal stays theirs).
      const replayNonce = mintNonce('replay');
      lab.register(scenario, replayNonce, forward);
      const replayRequest = probeRequest(scenario, lab, replayNonce, timeoutMs);
      // The replay runs while the browsers probe; each cell waits for it to know the spec column.
      const spec = replay(specRequestOf(replayRequest, lab.originUrl(scenario.page)), replayer).then((replayed) => {
        const view = specViewOf(replayed, replayRequest, lab.originUrl(scenario.page));
        // The replay went under its own nonce: its chain is written as the spec's, which each cell's journal is held against.
        return view.chain ? { ...view, chain: asSpecChain(view.chain, replayNonce) } : view;
      });
      const cells = await Promise.all(warm.map((session) => probeIn(session, lab, scenario, forward, timeoutMs, spec)));
      return {
        cells,
        allowedIn: cells.filter((cell) => cell.outcome === 'allowed').map((cell) => cell.engine),
        blockedIn: cells.filter((cell) => cell.outcome === 'blocked').map((cell) => cell.engine),
        spec: await spec,
        engines: warm.map((session) => session.info),
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(warm.map((session) => session.close()));
      await servers.closeAll();
      await lab.close();
    },
  };
}

/** The warm context every probe of the lab runs in. */
const WARM_CONTEXT = 'lab';

/** One probe in one warm engine: the runner page stays loaded between probes from the same page origin. */
async function probeIn(
  session: ProbeSession,
  lab: Lab,
  scenario: Scenario,
  forward: Parameters<Lab['register']>[2],
  timeoutMs: number,
  spec: Promise<SpecView>,
): Promise<CellResult> {
  const nonce = mintNonce(session.id);
  lab.register(scenario, nonce, forward);
  const [run] = await session.run({
    contextKey: WARM_CONTEXT,
    runnerUrl: `${lab.originUrl(scenario.page)}/__lab/runner`,
    requests: [probeRequest(scenario, lab, nonce, timeoutMs)],
    control: { url: (request) => labControlUrl(request.url, request.nonce) },
    reuseLoadedPage: true,
    // A probe here is meant to take milliseconds: the console is taken at once.
    settleConsole: false,
  });
  const specView = await spec;
  // No expectation of its own here (the matchers bring theirs): a cell is held to the spec model and the known engine behaviours (the lab's browsers run the defaults profile).
  const deviation = behaviourDeviation(specView.knownBehaviours, buildOf(session.info, 'defaults'), specView.outcome);
  return buildCell({
    scenario: scenario.id,
    engine: session.id,
    spec: specView,
    expected: deviation?.outcome ?? specView.outcome,
    ...(deviation ? { deviation } : {}),
    cookiePolicy: false,
    classifyAs: { mode: run!.request.mode, readHeader: scenario.request.readHeader },
    probe: run!.outcome,
    journal: lab.journal.forNonce(nonce),
    tlsErrors: run!.tlsErrors,
    console: run!.console,
    request: run!.request,
    durationMs: run!.durationMs,
    control: run!.control,
  });
}

function scenarioFor(input: ProbeInput): Scenario {
  const request = requestSchema.parse({ target: 'api', path: '/api', ...input.request });
  const page = input.from === 'foreign' ? FOREIGN : PAGE;
  return {
    id: `probe-${request.method.toLowerCase()}-${request.path.replace(/[^a-z0-9]+/gi, '-')}`,
    title: `${request.method} ${request.path} from the ${input.from ?? 'page'} origin`,
    file: 'lab.probe',
    tags: [],
    isolation: 'shared',
    origins: { page, api: API },
    page,
    target: API,
    request,
    server: {},
    expect: { cookiePolicy: false, deviations: {} },
    middleware: { on: API, policy: {} },
  };
}

/**
 * The servers probes are made against, each started once (the same
 * middleware object, probed again, reuses its server); closeAll ends them.
 */
export function serverPool(): { portFor(server: ProbeInput['server']): Promise<number>; closeAll(): Promise<void> } {
  const started = new Map<unknown, Promise<{ port: number; close(): Promise<void> }>>();
  return {
    async portFor(server) {
      let running = started.get(server);
      if (!running) {
        running = serve(server);
        started.set(server, running);
      }
      return (await running).port;
    },
    async closeAll() {
      await Promise.all([...started.values()].map(async (running) => (await running.catch(() => undefined))?.close()));
    },
  };
}

/** Starts whatever answers the API origin on a loopback port. */
async function serve(server: ProbeInput['server']): Promise<{ port: number; close(): Promise<void> }> {
  let listener: Server;
  if (server instanceof Server) {
    listener = server;
  } else if (typeof server === 'function') {
    const handler = server as ConnectMiddleware;
    // Three parameters: connect-style middleware, with cors-lab's route after it.
    listener = createServer(
      server.length >= 3
        ? (request, response) => handler(request, response, () => routeHandler(request, response))
        : (server as RequestListener),
    );
  } else if ('port' in server) {
    // Already listening (in another process, for a lab served with serveLab).
    return { port: server.port, close: async () => {} };
  } else {
    const adapter = typeof server.adapter === 'string' ? await loadAdapter(server.adapter) : server.adapter;
    const made = await adapter.create(server.policy, routeHandler);
    listener = made instanceof Server ? made : createServer(made);
  }
  return listenOnLoopback(listener);
}
