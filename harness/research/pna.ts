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
import { randomBytes } from 'node:crypto';
import { trustMaterial } from '../lab/certificates.ts';
import { discoverForRun } from '../engines/discovery.ts';
import {
  ENGINE_IDS,
  type AddressSpaceNetwork,
  type EngineContext,
  type EngineId,
  type EngineInfo,
  type LaunchedEngine,
  type PermissionState,
} from '../engines/types.ts';
import { Journal, type JournalEntry } from '../lab/journal.ts';
import { startLab, type Lab, type ServerKey } from '../lab/lab.ts';
import { startProxy, type LabProxy } from '../lab/proxy.ts';
import { Upstream } from '../lab/upstream.ts';
import type { ProbeResult } from '../probes/bundle.ts';
import { LAUNCH_TIMEOUT_MS, probeRequest, runInPage } from '../run/runner.ts';
import { loadScenarioText, type Scenario } from '../scenario/loader.ts';

export type PageMechanism = 'override' | 'csp';
export type PageSecurity = 'secure' | 'non-secure';
export type TargetSpace = 'local' | 'loopback';
export type PnaRequest = 'preflighted' | 'simple' | 'no-cors';
/**
 * The permission as launched; every LNA permission name granted or denied;
 * or only one name granted (which target each name governs).
 */
export type PermissionCase = 'default' | PermissionState | `only ${string} granted`;

export const PAGE_MECHANISMS: PageMechanism[] = ['override', 'csp'];
export const PAGE_SECURITIES: PageSecurity[] = ['secure', 'non-secure'];
export const TARGET_SPACES: TargetSpace[] = ['local', 'loopback'];
export const PNA_REQUESTS: PnaRequest[] = ['preflighted', 'simple', 'no-cors'];

/**
 * Permission names automation may know for Local Network Access: the
 * original single permission, and the newer split into local and loopback.
 */
export const LNA_PERMISSIONS = ['local-network-access', 'local-network', 'loopback-network'];

export const PERMISSION_CASES: PermissionCase[] = ['default', 'granted', 'denied', ...LNA_PERMISSIONS.map((name) => `only ${name} granted` as const)];

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
export const ALLOW_PRIVATE_NETWORK = { 'Access-Control-Allow-Private-Network': 'true', 'Access-Control-Allow-Local-Network': 'true' };

/** Request headers that belong to Private/Local Network Access (any of these in a preflight is recorded). */
const PNA_HEADER = /private-network|local-network|address-space/i;

export interface PnaObservation {
  mechanism: PageMechanism;
  page: PageSecurity;
  target: TargetSpace;
  permission: PermissionCase;
  /** The target answered with Access-Control-Allow-Private-Network: true (and -Local-Network). */
  allowHeader: boolean;
  request: PnaRequest;
  pageUrl: string;
  targetUrl: string;
  /**
   * allowed: the page read the response; opaque: no-cors fetch resolved with
   * an opaque response; blocked: the lab answered but the page got an error;
   * not-sent: nothing reached the lab (the engine refused before sending);
   * timeout: the request never settled (for example a permission prompt
   * nobody answers).
   */
  outcome: 'allowed' | 'opaque' | 'blocked' | 'not-sent' | 'timeout';
  /** A preflight reached the lab. */
  preflight: boolean;
  /** Private/Local Network Access request headers seen in the journal, "name: value". */
  pnaHeaders: string[];
  /** Journal entries (seq) of this request. */
  journal: number[];
  /** The page's error, and console lines that came with it. */
  message?: string;
}

export interface PnaPage {
  mechanism: PageMechanism;
  page: PageSecurity;
  url: string;
  /** window.isSecureContext as the page itself reported it. */
  isSecureContext: boolean | null;
  /** Why this page could not be measured (e.g. the engine has no override), if so. */
  skipped?: string;
  /** Each permission the study tried to set for this page's origin, and whether the automation could. */
  permissions: { case: PermissionCase; name: string; state: PermissionState; ok: boolean; reason?: string }[];
}

export interface PnaEngineResult {
  engine: EngineInfo;
  /** How the engine was told which lab ports are public and local, or why it cannot be. */
  overrides: string;
  /** How permissions are set in this engine (what each page's attempts gave is under pages). */
  permissions: string;
  /** How the non-secure page's hostname reached the lab. */
  hosts: string;
  pages: PnaPage[];
  observations: PnaObservation[];
}

export interface PnaStudy {
  study: 'pna';
  /** Per request: a request still unsettled then is "timeout" (held). */
  timeoutMs: number;
  engines: PnaEngineResult[];
  enginesMissing: { id: EngineId; reason: string; fix: string }[];
}

const ORIGINS = `origins: { page: https://${SECURE_PAGE_HOST}, local: https://${TARGET_HOST}:alt, loopback: https://${TARGET_HOST}:third }`;

/** The scenario behind one target, answer and request (the page reads its own URL, not the scenario's page origin). */
export function pnaScenario(target: TargetSpace, allowHeader: boolean, request: PnaRequest): Scenario {
  const allow = allowHeader ? Object.entries(ALLOW_PRIVATE_NETWORK).map(([name, value]) => `, ${name}: "${value}"`).join('') : '';
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
  if (problems.length > 0) throw new Error(`research scenario: ${problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ')}`);
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
export function observe(entries: JournalEntry[], result: ProbeResult | undefined, request: PnaRequest): Pick<PnaObservation, 'outcome' | 'preflight' | 'pnaHeaders' | 'journal'> {
  const preflights = entries.filter((entry) => entry.kind === 'preflight');
  const pnaHeaders = [...new Set(entries.flatMap((entry) => Object.entries(entry.headers ?? {}).filter(([name]) => PNA_HEADER.test(name)).map(([name, value]) => `${name}: ${value}`)))];
  let outcome: PnaObservation['outcome'];
  if (!result || result.settled === 'timeout') outcome = 'timeout';
  else if (result.settled === 'resolved') outcome = request === 'no-cors' || result.type === 'opaque' ? 'opaque' : 'allowed';
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
    const engines: PnaEngineResult[] = [];
    // One engine at a time: the study is short, and a permission prompt or a
    // refusal in one engine must not slow another's timings.
    for (const { id, driver } of runnable) {
      const network = pnaNetwork(lab);
      const launch = (proxy?: string) => driver!.launch({ trust: trustMaterial(lab.certificates), timeoutMs: LAUNCH_TIMEOUT_MS, network, ...(proxy ? { proxy } : {}) });
      // An engine that cannot resolve the non-secure page's host itself
      // reaches it through the lab's posing proxy.
      const proxy = driver!.mapsHostnames ? undefined : await posingProxy(lab);
      let engine: LaunchedEngine;
      try {
        engine = await launch(proxy?.address);
      } catch (error) {
        await proxy?.close();
        // Reported as not run, with why: nothing is measured in an engine that did not start.
        missing.push({ id, reason: `the engine did not start: ${(error as Error).message.split('\n')[0]}`, fix: 'npx cors-lab browsers   (shows each engine and how to fix it)' });
        continue;
      }
      try {
        const hostDetail = proxy
          ? `${NON_SECURE_PAGE_HOST} reached through cors-lab's posing proxy, which carried all of this engine's requests`
          : `${NON_SECURE_PAGE_HOST} resolved to 127.0.0.1 by the engine`;
        engines.push(await studyEngine(lab, engine, options, hostDetail));
      } finally {
        await engine.close();
        await proxy?.close();
      }
      options.onProgress?.(`${id}: done`);
    }
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
    forwards: (host) => host === SECURE_PAGE_HOST || host === TARGET_HOST,
    upstream: new Upstream({ caPems: [lab.certificates.ca.certPem] }),
    certificateFor: () => lab.certificates.leaf,
  });
}

async function studyEngine(lab: Lab, engine: LaunchedEngine, options: PnaOptions, hosts: string): Promise<PnaEngineResult> {
  const support = engine.networkSupport;
  const pages: PnaPage[] = [];
  const observations: PnaObservation[] = [];
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
        const context = await engine.newContext();
        try {
          const setting = permissionsOf(permission);
          for (const name of setting?.names ?? []) {
            const set = await context.setPermission(name, setting!.state, new URL(url).origin);
            // The first sentence is enough: drivers add stack lines.
            measured.permissions.push({ case: permission, name, state: setting!.state, ok: set.ok, ...(set.ok ? {} : { reason: set.reason.split(/(?<=\.) | RemoteError@/)[0]!.slice(0, 200) }) });
          }
          // Nothing the automation accepted: the case would only repeat the default.
          if (setting && !measured.permissions.some((entry) => entry.case === permission && entry.ok)) continue;
          try {
            await context.goto(url, options.timeoutMs + 5000);
          } catch (error) {
            measured.skipped = `the page could not be loaded: ${(error as Error).message.split('\n')[0]}`;
            break;
          }
          measured.isSecureContext = await context.evaluate<boolean>('window.isSecureContext', options.timeoutMs);
          // The runner's own script comes from the same loopback server: an
          // engine may refuse even that for a page it treats as public.
          if (!(await context.evaluate<boolean>("typeof window.__corsLab === 'object'", options.timeoutMs))) {
            const console = (context.takeConsole() ?? []).map((line) => line.text).join(' | ');
            measured.skipped = `the page's own probe script (same server) did not load, so nothing could be asked of it${console ? `: ${console}` : ''}`;
            break;
          }
          context.takeConsole();
          observations.push(...(await observePage(lab, context, options, { mechanism, page, permission, pageUrl: url }, support.overrides)));
        } finally {
          await context.close().catch(() => {});
        }
        options.onProgress?.(`${engine.info.id}: ${mechanism} ${page} page, permission ${permission}: ${observations.length} requests so far`);
      }
    }
  }
  return { engine: engine.info, overrides: support.overridesDetail, permissions: support.permissionsDetail, hosts, pages, observations };
}

/** Every target, answer and request from one loaded page, one at a time (so console lines belong to one request). */
async function observePage(
  lab: Lab,
  context: EngineContext,
  options: PnaOptions,
  where: Pick<PnaObservation, 'mechanism' | 'page' | 'permission' | 'pageUrl'>,
  overrides: boolean,
): Promise<PnaObservation[]> {
  const observations: PnaObservation[] = [];
  for (const target of TARGET_SPACES) {
    // Without an override no lab port is local: only loopback targets exist.
    if (target === 'local' && !overrides) continue;
    for (const allowHeader of [false, true]) {
      for (const request of PNA_REQUESTS) {
        const scenario = pnaScenario(target, allowHeader, request);
        const nonce = `p${randomBytes(6).toString('hex')}`;
        lab.register(scenario, nonce);
        const probe = probeRequest(scenario, lab, nonce, options.timeoutMs);
        let failure: string | undefined;
        const [result] = await runInPage(context, [probe], options.timeoutMs).catch((error: unknown) => {
            failure = (error as Error).message.split('\n')[0];
            return [undefined];
          });
        const entries = lab.journal.forNonce(nonce).sort((a, b) => a.seq - b.seq);
        const console = (context.takeConsole() ?? []).map((line) => line.text);
        const message = [failure, result?.error ? `${result.error.name}: ${result.error.message}` : '', ...console].filter(Boolean).join(' | ');
        observations.push({ ...where, target, allowHeader, request, targetUrl: probe.url, ...observe(entries, result, request), ...(message ? { message } : {}) });
      }
    }
  }
  return observations;
}

const OUTCOME_WORDS: Record<PnaObservation['outcome'], string> = {
  allowed: 'allowed',
  opaque: 'opaque response',
  blocked: 'blocked (answered, withheld)',
  'not-sent': 'not sent (refused before sending)',
  timeout: 'held (no result within the timeout)',
};

/** One request set's outcomes in a few words: "allowed" when all agree, else per request. */
function describeOutcomes(observations: PnaObservation[]): string {
  const found = PNA_REQUESTS.map((request) => observations.find((observation) => observation.request === request));
  // An opaque response is what no-cors always gives: allowed, as far as the network goes.
  if (found.every((observation) => observation && (observation.outcome === 'allowed' || (observation.request === 'no-cors' && observation.outcome === 'opaque')))) return 'allowed (no-cors: opaque response)';
  const words = found.map((observation) => (observation ? OUTCOME_WORDS[observation.outcome] : 'not measured'));
  if (new Set(words).size === 1) return words[0]!;
  return PNA_REQUESTS.map((request, index) => `${request} ${words[index]}`).join(', ');
}

/** A driver's refusal in a few words: no protocol prefixes, session ids or stack. */
function shortReason(reason: string | undefined): string {
  return (reason ?? 'no reason given')
    .replace(/^\w+\.send: /, '')
    .replace(/^Protocol error \([^)]*\): /, '')
    .replace(/\/session\/[^/]+\//, '/session/…/')
    .replace(/^(.{90}).+$/, '$1…');
}

/** One table cell: what one engine did for one kind of page calling one kind of target. */
export interface PnaCell {
  /** Short lines for the table. */
  lines: string[];
  /** The observations behind it (the evidence). */
  observations: PnaObservation[];
}

export function pnaCell(result: PnaEngineResult, mechanism: PageMechanism, page: PageSecurity, target: TargetSpace): PnaCell {
  const measured = result.pages.find((entry) => entry.mechanism === mechanism && entry.page === page);
  if (!measured) return { lines: ['not measured'], observations: [] };
  if (measured.skipped) return { lines: [`not measured: ${measured.skipped}`], observations: [] };
  const observations = result.observations.filter((entry) => entry.mechanism === mechanism && entry.page === page && entry.target === target);
  if (observations.length === 0) return { lines: [`no ${target} target: ${result.overrides}`], observations };
  const lines: string[] = [];
  if ((page === 'secure') !== measured.isSecureContext) lines.push(`page isSecureContext: ${measured.isSecureContext}`);
  for (const permission of PERMISSION_CASES) {
    const chosen = observations.filter((entry) => entry.permission === permission && !entry.allowHeader);
    if (chosen.length > 0) lines.push(`${permission}: ${describeOutcomes(chosen)}`);
  }
  const refused = new Map<string, { states: Set<string>; reason: string }>();
  for (const entry of measured.permissions.filter((attempt) => !attempt.ok)) {
    const found = refused.get(entry.name) ?? { states: new Set<string>(), reason: shortReason(entry.reason) };
    found.states.add(entry.state);
    refused.set(entry.name, found);
  }
  if (refused.size > 0) lines.push(`automation could not set: ${[...refused].map(([name, { states, reason }]) => `${name} ${[...states].join('/')} (${reason})`).join('; ')}`);
  const headers = [...new Set(observations.flatMap((entry) => entry.pnaHeaders))];
  const preflights = observations.filter((entry) => entry.preflight).length;
  lines.push(`preflight header: ${headers.length > 0 ? headers.join(', ') : preflights > 0 ? `none (in ${preflights} preflights)` : 'none (no preflight reached the lab)'}`);
  // Each plain answer beside the same request answered with the allow header.
  const changed = observations
    .filter((entry) => !entry.allowHeader)
    .map((plain) => ({ plain, allow: observations.find((other) => other.allowHeader && other.permission === plain.permission && other.request === plain.request) }))
    .filter(({ plain, allow }) => allow !== undefined && allow.outcome !== plain.outcome);
  lines.push(
    `Allow-Private-Network: true: ${changed.length === 0 ? 'no change' : `changes ${changed.map(({ plain, allow }) => `${plain.permission} ${plain.request}: ${plain.outcome} → ${allow!.outcome}`).join('; ')}`}`,
  );
  return { lines, observations };
}
