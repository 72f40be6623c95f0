// The research studies' sections of the result (result.research): what each
// study measured, per engine. The studies (harness/research/) fill them in;
// the reports read them.
import type { EngineInfo, MissingEngine, PermissionState } from '../engines/types.ts';

// ---------------------------------------------------------------------------
// research max-age: preflight-cache lifetime per Access-Control-Max-Age case

export interface Trial {
  /** Seconds between the first request's preflight and the second request, from the journal (clock offset added). */
  elapsed: number;
  /** Served from the cache: the second request sent no preflight. */
  cached: boolean;
  /** Journal entries (seq) of the preflights sent. */
  preflights: number[];
}

export interface Lifetime {
  /**
   * bracket: cached at `cachedAt`, re-preflighted at `refetchedAt`;
   * not-cached: re-preflighted even at the shortest interval tried;
   * lower-bound: still cached at the longest interval tried.
   */
  kind: 'bracket' | 'not-cached' | 'lower-bound' | 'error';
  cachedAt?: number;
  refetchedAt?: number;
  /** controlled (the clock shim) or real time. */
  time: 'controlled' | 'real';
  text: string;
  error?: string;
}

export interface MaxAgeEngineResult {
  engine: EngineInfo;
  clock: {
    mode: 'controlled' | 'real';
    detail: string;
    validation?: { maxAge: number; real: Lifetime; controlled: Lifetime; agree: boolean };
  };
  cases: { label: string; value: string | undefined; lifetime: Lifetime; trials: Trial[] }[];
}

export interface MaxAgeStudy {
  study: 'max-age';
  maxWaitSeconds: number;
  engines: MaxAgeEngineResult[];
  enginesMissing: MissingEngine[];
}

// ---------------------------------------------------------------------------
// research pna: Private/Local Network Access from public pages

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

export const PERMISSION_CASES: PermissionCase[] = [
  'default',
  'granted',
  'denied',
  ...LNA_PERMISSIONS.map((name) => `only ${name} granted` as const),
];

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
  enginesMissing: MissingEngine[];
}

// ---------------------------------------------------------------------------
// research compat: the measured matrix held against MDN's browser-compat-data

/** What BCD says of one feature in one browser at one version. */
export interface BcdClaim {
  /** The BCD browser the engine is compared with (chrome, firefox, safari). */
  browser: string;
  /** The version compared at: the measured one, or Safari's current release for WebKitGTK. */
  atVersion: string;
  /**
   * supported: from `since`, by default; flag: only with `flags` set;
   * partial: a partial implementation; not-supported; unknown: BCD has no data.
   */
  status: 'supported' | 'partial' | 'flag' | 'not-supported' | 'unknown';
  since?: string;
  flags?: { type: string; name: string; valueToSet?: string }[];
  notes: string[];
  /** The claim in words, e.g. "supported since 69", "only with the preference network.x = false (since 115)". */
  text: string;
}

export interface CompatCell {
  scenario: string;
  /** The cell's outcome, or for a request-header rule the header's value ("absent" when not sent). */
  measured: string;
  /** What the rule wants for "supported". */
  wanted: string;
}

export interface CompatVerdictRow {
  engine: string;
  family: string;
  claim: BcdClaim;
  /** Why the engine's column is compared with another browser's data, where it is (WebKitGTK with Safari's). */
  comparedWith?: string;
  measured: { supported: boolean | null; cells: CompatCell[]; text: string };
  verdict: 'agree' | 'disagree' | 'not comparable';
  reason: string;
  /** For a claim behind a preference the engine can be run with: the same cells with the preference set. */
  flagRun?:
    | { setting: string; supported: boolean | null; cells: CompatCell[]; text: string; matchesClaim: boolean }
    | { setting: string; notRun: string };
  /** For a disagreement: what could explain it, and what was tried. */
  diagnosis?: string;
}

export interface CompatFeature {
  key: string;
  title: string;
  mdnUrl?: string;
  scenarios: string[];
  engines: CompatVerdictRow[];
}

export interface CompatStudy {
  study: 'compat';
  /** The release of MDN browser-compat-data (the npm package) compared with. */
  bcd: { version: string; timestamp?: string };
  /** Where the cells came from: this run, or a result file (--from). */
  source: { kind: 'run' } | { kind: 'file'; file: string };
  features: CompatFeature[];
  enginesMissing: MissingEngine[];
}

// ---------------------------------------------------------------------------
// research history: the same scenarios across builds of one engine

/** What is compared between builds: the page's outcome, the engine's first request, and every request the lab saw. */
export type HistoryAspect = 'outcome' | 'request' | 'journal';
export const HISTORY_ASPECTS: HistoryAspect[] = ['outcome', 'request', 'journal'];

/** One build in a series, as measured. */
export interface HistoryBuild {
  engine: string;
  version: string;
}

/** The builds of one family and kind, oldest first: history compares only within a series. */
export interface HistorySeries {
  family: string;
  kind: string;
  builds: HistoryBuild[];
}

/** A stretch of consecutive builds that behaved alike. */
export interface HistoryStretch {
  value: string;
  first: HistoryBuild;
  last: HistoryBuild;
}

/** One scenario's aspect across one series, where it changed at least once. */
export interface HistoryTimeline {
  scenario: string;
  title: string;
  family: string;
  kind: string;
  aspect: HistoryAspect;
  stretches: HistoryStretch[];
  /** "blocked up to 137.0.7151.0, allowed from 138.0.7204.0". */
  text: string;
}

/** The same major version measured as both kinds disagreeing: a difference of build kind, not of version. */
export interface KindDifference {
  scenario: string;
  family: string;
  major: number;
  aspect: HistoryAspect;
  full: HistoryBuild & { value: string };
  shell: HistoryBuild & { value: string };
}

export interface HistoryStudy {
  study: 'history';
  /** What ran in every build: "catalog" (the scenarios), "pna", "max-age". */
  studies: string[];
  /** Rows compared across builds (scenarios, and the studies' cases), changed or not. */
  rows: number;
  series: HistorySeries[];
  scenarios: number;
  timelines: HistoryTimeline[];
  kindDifferences: KindDifference[];
  /** Cells that gave no answer, left out of the comparison (never read as a change). */
  errors: { scenario: string; engine: string; explanation: string }[];
  /** Cells measured and how fast, for the benchmark's rate. */
  cells: number;
  durationMs: number;
  enginesMissing: MissingEngine[];
}
