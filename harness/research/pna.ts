// `cors-lab research pna`: what each engine does when a page it treats as
// public calls a target it treats as local (private) or loopback, measured
// with the journal. Pages are made public two ways:
// - "override": the engine's own address-space override (Chromium's
//   --ip-address-space-overrides, Firefox's network.lna.address_space.*
//   prefs), which also makes one lab port "local";
// - "csp": the page is served from loopback with
//   Content-Security-Policy: treat-as-public-address.
// For each page (secure and non-secure), target, server answer (with and
// without Access-Control-Allow-Private-Network: true), permission state and
// request (preflighted fetch, simple fetch, no-cors fetch), an observation
// records whether the request reached the lab, whether a preflight carried a
// Private/Local Network Access header, and what the page got.
import { discoverForRun } from '../engines/discovery.ts';
import pLimit from 'p-limit';
import {
  ENGINE_IDS,
  type AddressSpaceNetwork,
  type EngineContext,
  type EngineId,
  type LaunchedEngine,
  type PermissionState,
} from '../engines/types.ts';
import { Journal, type JournalEntry } from '../../servers/journal.ts';
import { startLab, type Lab, type ServerKey } from '../lab/lab.ts';
import { peerIsDescendant } from '../lab/peer-process.ts';
import { startProxy, type LabProxy } from '../lab/proxy.ts';
import { Upstream } from '../../servers/upstream.ts';
import type { ProbeRequest, ProbeResult } from '../probes/bundle.ts';
import { firstLine, harnessFailure } from '../session/failure.ts';
import { gotoPage, mintNonce, runInPage } from '../session/page.ts';
import { probeRequest } from '../session/probe-request.ts';
import { ProbeSession } from '../session/session.ts';
import {
  LNA_PERMISSIONS,
  PAGE_MECHANISMS,
  PAGE_SECURITIES,
  PERMISSION_CASES,
  PNA_REQUESTS,
  TARGET_SPACES,
  type PageMechanism,
  type PageSecurity,
  type PermissionCase,
  type PnaEngineResult,
  type PnaObservation,
  type PnaPage,
  type PnaRequest,
  type PnaStudy,
  type TargetSpace,
} from '../result/research.ts';
import { loadScenarioText, type Scenario } from '../scenario/loader.ts';

/** The permissions a case sets, and to what. */
function permissionsOf(permission: PermissionCase): { names: string[]; state: PermissionState } | undefined {
  if (permission === 'default') return undefined;
  if (permission === 'granted' || permission === 'denied') return { names: LNA_PERMISSIONS, state: permission };
  return { names: [permission.replace(/^only (.*) granted$/, '$1')], state: 'granted' };
}

/** The hostname of non-secure pages: not *.localhost, so not potentially trustworthy; each engine resolves it to 127.0.0.1 itself. */
export const NON_SECURE_PAGE_HOST = 'public-page.test';
const SECURE_PAGE_HOST = 'app.site-a.localhost';
const TARGET_HOST = 'api.site-b.localhost';

/** Where each part of the study is served (see the header comment). */
const SERVERS = {
  overridePage: { secure: 'https-main', 'non-secure': 'http-main' },
  cspPage: { secure: 'https-third', 'non-secure': 'http-third' },
  target: { local: 'https-alt', loopback: 'https-third' },
} as const satisfies Record<string, Record<string, ServerKey>>;

/** Response headers a target adds to allow Private/Local Network Access, in the "allow" variant. */
export const ALLOW_PRIVATE_NETWORK = {
  'Access-Control-Allow-Private-Network': 'true',
  'Access-Control-Allow-Local-Network': 'true',
};

/** Request headers that belong to Private/Local Network Access (any of these in a preflight is recorded). */
const PNA_HEADER = /private-network|local-network|address-space/i;

const ORIGINS = `origins: { page: https://${SECURE_PAGE_HOST}, local: https://${TARGET_HOST}:alt, loopback: https://${TARGET_HOST}:third }`;

/** The scenario behind one target, answer and request (the page reads its own URL, not the scenario's page origin). */
export function pnaScenario(target: TargetSpace, allowHeader: boolean, request: PnaRequest): Scenario {
  const allow = allowHeader
    ? Object.entries(ALLOW_PRIVATE_NETWORK)
        .map(([name, value]) => `, ${name}: "${value}"`)
        .join('')
    : '';
  const requestLine =
    request === 'preflighted'
      ? `{ target: ${target}, path: /pna, method: PUT, headers: { X-Lab: "1" }, body: "x" }`
      : `{ target: ${target}, path: /pna, mode: ${request === 'no-cors' ? 'no-cors' : 'cors'} }`;
  const text = `${ORIGINS}
scenarios:
  - id: pna-${target}-${allowHeader ? 'allow' : 'plain'}-${request}
    title: ${request} fetch to a ${target} target${allowHeader ? ' that allows private network access' : ''}
    request: ${requestLine}
    server: { ${target}: { /pna: { preflight: { headers: { Access-Control-Allow-Origin: "*", Access-Control-Allow-Methods: PUT, Access-Control-Allow-Headers: x-lab${allow} } }, actual: { headers: { Access-Control-Allow-Origin: "*"${allow} } } } } }
    expect: { spec: allowed }
`;
  const { scenarios, problems } = loadScenarioText(text, 'research pna');
  if (problems.length > 0)
    throw new Error(
      `research scenario: ${problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ')}`,
    );
  return scenarios[0]!;
}

/** The address-space overrides and host mapping the engine is launched with. */
export function pnaNetwork(lab: Pick<Lab, 'ports'>): AddressSpaceNetwork {
  const at = (key: ServerKey) => `127.0.0.1:${lab.ports[key]}`;
  return {
    publicAddresses: Object.values(SERVERS.overridePage).map(at),
    localAddresses: [at(SERVERS.target.local)],
    loopbackHostnames: [NON_SECURE_PAGE_HOST],
  };
}

export function pageUrl(lab: Pick<Lab, 'ports'>, mechanism: PageMechanism, page: PageSecurity): string {
  const key = (mechanism === 'override' ? SERVERS.overridePage : SERVERS.cspPage)[page];
  const scheme = page === 'secure' ? 'https' : 'http';
  const host = page === 'secure' ? SECURE_PAGE_HOST : NON_SECURE_PAGE_HOST;
  return `${scheme}://${host}:${lab.ports[key]}/__lab/runner${mechanism === 'csp' ? '?treat-as-public-address' : ''}`;
}

/** What the journal and the page say about one request. */
export function observe(
  entries: JournalEntry[],
  result: ProbeResult | undefined,
  request: PnaRequest,
): Pick<PnaObservation, 'outcome' | 'preflight' | 'pnaHeaders' | 'journal'> {
  const preflights = entries.filter((entry) => entry.kind === 'preflight');
  const pnaHeaders = [
    ...new Set(
      entries.flatMap((entry) =>
        Object.entries(entry.headers ?? {})
          .filter(([name]) => PNA_HEADER.test(name))
          .map(([name, value]) => `${name}: ${value}`),
      ),
    ),
  ];
  let outcome: PnaObservation['outcome'];
  if (!result || result.settled === 'timeout') outcome = 'timeout';
  else if (result.settled === 'resolved')
    outcome = request === 'no-cors' || result.type === 'opaque' ? 'opaque' : 'allowed';
  else outcome = entries.length === 0 ? 'not-sent' : 'blocked';
  return { outcome, preflight: preflights.length > 0, pnaHeaders, journal: entries.map((entry) => entry.seq) };
}

export interface PnaOptions {
  engines?: EngineId[];
  /** Default: every case in PERMISSION_CASES. */
  permissions?: PermissionCase[];
  timeoutMs: number;
  certDir?: string;
  onProgress?: (line: string) => void;
}

export async function studyPna(options: PnaOptions): Promise<PnaStudy> {
  const { runnable, missing } = await discoverForRun(options.engines ?? ENGINE_IDS);
  const lab = await startLab({ hostnames: [SECURE_PAGE_HOST, TARGET_HOST], certDir: options.certDir });
  try {
    // Engines side by side: most of the study is requests waiting at a
    // prompt, which costs no CPU; a request the lab answers settles in
    // milliseconds, far inside the timeout.
    const studied = await Promise.all(
      runnable.map(async ({ id, driver }): Promise<PnaEngineResult | undefined> => {
        // An engine that cannot resolve the non-secure page's host itself
        // reaches it through the lab's posing proxy.
        const proxy = driver!.mapsHostnames ? undefined : await posingProxy(lab);
        try {
          const started = await ProbeSession.start(id, driver!, lab, {
            timeoutMs: options.timeoutMs,
            launch: { network: pnaNetwork(lab), ...(proxy ? { proxy: proxy.address } : {}) },
          });
          if ('notStarted' in started) {
            missing.push(started.notStarted);
            return undefined;
          }
          try {
            const hostDetail = proxy
              ? `${NON_SECURE_PAGE_HOST} reached through cors-lab's posing proxy, which carried all of this engine's requests`
              : `${NON_SECURE_PAGE_HOST} resolved to 127.0.0.1 by the engine`;
            return await studyEngine(lab, started.session, options, hostDetail);
          } finally {
            await started.session.close();
            options.onProgress?.(`${id}: done`);
          }
        } finally {
          await proxy?.close();
        }
      }),
    );
    const engines = studied.filter((entry): entry is PnaEngineResult => entry !== undefined);
    return { study: 'pna', timeoutMs: options.timeoutMs, engines, enginesMissing: missing };
  } finally {
    await lab.close();
  }
}

/** A proxy that serves the non-secure page host from the lab and forwards the lab's own hosts (its journal is its own). */
function posingProxy(lab: Lab): Promise<LabProxy> {
  return startProxy({
    journal: new Journal(),
    label: 'proxy:pna',
    posedPort: (scheme, host, port) => (scheme === 'http' && host === NON_SECURE_PAGE_HOST ? port : undefined),
    forwarding: {
      forwards: (host) => host === SECURE_PAGE_HOST || host === TARGET_HOST,
      upstream: new Upstream({ caPems: [lab.certificates.ca.certPem] }),
      certificateFor: () => lab.certificates.leaf,
    },
    admits: peerIsDescendant,
  });
}

/**
 * Page runs side by side. A page run is one case's requests to one target,
 * made one at a time in a fresh context, as a user's page would make them:
 * several Local Network Access requests at once are another experiment
 * (Firefox ESR refuses a request while another waits at its prompt). The
 * lanes let requests held by a prompt wait out the timeout together, not
 * one after another.
 */
const LANES = 8;

async function studyEngine(
  lab: Lab,
  session: ProbeSession,
  options: PnaOptions,
  hosts: string,
): Promise<PnaEngineResult> {
  const { engine } = session;
  const support = engine.networkSupport;
  const pages: PnaPage[] = [];
  const runs: PageRun[] = [];
  for (const mechanism of PAGE_MECHANISMS) {
    for (const page of PAGE_SECURITIES) {
      const url = pageUrl(lab, mechanism, page);
      const measured: PnaPage = { mechanism, page, url, isSecureContext: null, permissions: [] };
      pages.push(measured);
      if (mechanism === 'override' && !support.overrides) {
        measured.skipped = `no address-space override: ${support.overridesDetail}`;
        continue;
      }
      for (const permission of options.permissions ?? PERMISSION_CASES) {
        // Without an override no lab port is local: only loopback targets exist.
        for (const target of TARGET_SPACES.filter((space) => space !== 'local' || support.overrides)) {
          runs.push({
            measured,
            where: { mechanism, page, permission, pageUrl: url },
            requests: planRequests(lab, options, target),
          });
        }
      }
    }
  }
  const lanes = pLimit(LANES);
  const done = await Promise.all(runs.map((run) => lanes(() => observePageRun(lab, engine, options, run))));

  // Put together in the study's order: per page, per permission case, per target.
  const observations: PnaObservation[] = [];
  for (const measured of pages.filter((entry) => !entry.skipped)) {
    for (const permission of options.permissions ?? PERMISSION_CASES) {
      const ofCase = done.filter(
        (observed) => observed.run.measured === measured && observed.run.where.permission === permission,
      );
      const first = ofCase[0]!;
      const state = permissionsOf(permission)?.state;
      // The first sentence is enough: drivers add stack lines.
      measured.permissions.push(
        ...first.permissions.map(({ name, set }) => ({
          case: permission,
          name,
          state: state!,
          ok: set.ok,
          ...(set.ok ? {} : { reason: set.reason.split(/(?<=\.) | RemoteError@/)[0]!.slice(0, 200) }),
        })),
      );
      // Nothing the automation accepted: the case would only repeat the default.
      if (ofCase.every((observed) => observed.unsettable)) continue;
      if (first.isSecureContext !== undefined) measured.isSecureContext = first.isSecureContext;
      const skipped = ofCase.find((observed) => observed.skipped)?.skipped;
      if (skipped) {
        measured.skipped = skipped;
        break;
      }
      observations.push(...ofCase.flatMap((observed) => observed.observations));
      options.onProgress?.(
        `${engine.info.id}: ${measured.mechanism} ${measured.page} page, permission ${permission}: ${observations.length} requests so far`,
      );
    }
  }
  return {
    engine: engine.info,
    overrides: support.overridesDetail,
    permissions: support.permissionsDetail,
    hosts,
    pages,
    observations,
  };
}

interface PlannedRequest {
  target: TargetSpace;
  allowHeader: boolean;
  request: PnaRequest;
  probe: ProbeRequest;
}

type Where = Pick<PnaObservation, 'mechanism' | 'page' | 'permission' | 'pageUrl'>;

/** One case's requests to one target, made in one page. */
interface PageRun {
  measured: PnaPage;
  where: Where;
  requests: PlannedRequest[];
}

/** Every answer and request a page asks of one target, each with its own nonce. */
function planRequests(lab: Lab, options: PnaOptions, target: TargetSpace): PlannedRequest[] {
  const planned: PlannedRequest[] = [];
  for (const allowHeader of [false, true]) {
    for (const request of PNA_REQUESTS) {
      const scenario = pnaScenario(target, allowHeader, request);
      const nonce = mintNonce('pna');
      lab.register(scenario, nonce);
      planned.push({ target, allowHeader, request, probe: probeRequest(scenario, lab, nonce, options.timeoutMs) });
    }
  }
  return planned;
}

interface Observed {
  run: PageRun;
  /** What the automation said to each of the case's permissions. */
  permissions: { name: string; set: Awaited<ReturnType<EngineContext['setPermission']>> }[];
  /** The automation set none of the case's permissions: nothing was asked. */
  unsettable?: boolean;
  isSecureContext?: boolean;
  /** Why the page could not be asked anything. */
  skipped?: string;
  observations: PnaObservation[];
}

/** Attempts at a new context: an engine asked for several at once now and then loses one. */
const CONTEXT_ATTEMPTS = 2;

async function newContext(engine: LaunchedEngine): Promise<EngineContext> {
  try {
    return await engine.newContext();
  } catch {
    return engine.newContext();
  }
}

/** A page run in a fresh context: the case's permissions set, the page loaded and checked, then its requests one at a time. */
async function observePageRun(lab: Lab, engine: LaunchedEngine, options: PnaOptions, run: PageRun): Promise<Observed> {
  const { where } = run;
  const setting = permissionsOf(where.permission);
  let context: EngineContext;
  try {
    context = await newContext(engine);
  } catch (error) {
    return {
      run,
      permissions: [],
      skipped: `no context could be opened (${CONTEXT_ATTEMPTS} attempts): ${firstLine(error)}`,
      observations: [],
    };
  }
  try {
    const permissions: Observed['permissions'] = [];
    for (const name of setting?.names ?? [])
      permissions.push({ name, set: await context.setPermission(name, setting!.state, new URL(where.pageUrl).origin) });
    if (setting && !permissions.some((entry) => entry.set.ok))
      return { run, permissions, unsettable: true, observations: [] };
    try {
      await gotoPage(context, where.pageUrl, options.timeoutMs);
    } catch (error) {
      return { run, permissions, skipped: `the page could not be loaded: ${firstLine(error)}`, observations: [] };
    }
    const isSecureContext = await context.evaluate<boolean>('window.isSecureContext', options.timeoutMs);
    // The runner's own script comes from the same loopback server: an
    // engine may refuse even that for a page it treats as public.
    if (!(await context.evaluate<boolean>("typeof window.__corsLab === 'object'", options.timeoutMs))) {
      const console = (context.takeConsole() ?? []).map((line) => line.text).join(' | ');
      return {
        run,
        permissions,
        isSecureContext,
        skipped: `the page's own probe script (same server) did not load, so nothing could be asked of it${console ? `: ${console}` : ''}`,
        observations: [],
      };
    }
    context.takeConsole();
    const observations: PnaObservation[] = [];
    for (const { target, allowHeader, request, probe } of run.requests) {
      const [outcome] = await runInPage(context, [probe], options.timeoutMs).catch((error: unknown) => [
        harnessFailure(error),
      ]);
      const result = outcome && !('harnessError' in outcome) ? outcome : undefined;
      const failure = outcome && 'harnessError' in outcome ? outcome.harnessError : undefined;
      const entries = lab.journal.forNonce(probe.nonce).sort((a, b) => a.seq - b.seq);
      const console = (context.takeConsole() ?? []).map((line) => line.text);
      const message = [failure, result?.error ? `${result.error.name}: ${result.error.message}` : '', ...console]
        .filter(Boolean)
        .join(' | ');
      observations.push({
        ...where,
        target,
        allowHeader,
        request,
        targetUrl: probe.url,
        ...observe(entries, result, request),
        ...(message ? { message } : {}),
      });
    }
    return { run, permissions, isSecureContext, observations };
  } finally {
    await context.close().catch(() => {});
  }
}
