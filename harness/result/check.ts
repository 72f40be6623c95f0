// `cors-lab check`'s parts of the result: its section (endpoints, how they
// were reached, the security sweep's findings) and the replay each row keeps.
import type { EngineId } from '../engines/types.ts';
import type { Prediction } from '../spec/types.ts';

export interface ReplayedExchange {
  kind: 'preflight' | 'request';
  method: string;
  url: string;
  /** The headers cors-lab sent (those the spec says a browser sends that matter to CORS). */
  sent: [string, string][];
  status?: number;
  /** The raw answer lines, in order. */
  headers?: [string, string][];
  /** Set when the server could not be reached. */
  error?: string;
}

export interface Replay {
  label: string;
  exchanges: ReplayedExchange[];
  /** The spec model's prediction from the replayed answers; absent if the target could not be reached. */
  prediction?: Prediction;
  /** Why there is no prediction. */
  error?: string;
}

/** Why a finding exists: one cause, however many origins or endpoints show it. */
export type FindingCause =
  | 'reflects-any-origin'
  | 'allows-null'
  | 'allows-http'
  | 'allows-any-subdomain'
  | 'matches-by-prefix'
  | 'matches-by-suffix'
  | 'error-answers-lack-cors'
  | 'missing-vary-origin'
  | 'missing-vary-request-headers';

/** One request that shows a finding's cause. */
export interface FindingCase {
  /** The matrix row. */
  scenario: string;
  endpoint: string;
  /** The origin the request carried ("null" for a sandboxed iframe). */
  origin: string;
  /** Sweep rows: how the origin was derived, and from what (an allowed origin or an --allow-origin-pattern). */
  attack?: string;
  derivedFrom?: string;
  /** Engines whose behaviour shows it (for a hostile origin: let the page read the credentialed response); empty when it is in the server's answers alone. */
  engines: EngineId[];
  /** What the server answered, from the journal or the replay. */
  evidence: string;
}

/**
 * `cors-lab check` only: one cause found in the server's answers.
 * - security: a hostile origin could read a credentialed response in a real browser;
 * - cors: the front end cannot read answers it needs (error answers without CORS headers);
 * - hygiene: the answers are right today but unsafe behind an HTTP cache (no Vary: Origin).
 */
export interface CheckFinding {
  cause: FindingCause;
  kind: 'security' | 'cors' | 'hygiene';
  /** One line, e.g. "reflects any Origin, with credentials". */
  title: string;
  endpoints: string[];
  /** Every engine in any case. */
  engines: EngineId[];
  cases: FindingCase[];
  /** Why it matters. */
  why: string;
  /** How to fix it, naming the common servers where that helps. */
  fix: string;
}

/** Where a check's endpoints came from when not typed in: a HAR or an OpenAPI document, with what was left out and why. */
export interface CheckSource {
  kind: 'har' | 'openapi';
  file: string;
  /** Requests (HAR entries) or operations read. */
  read: number;
  /** Endpoints checked. */
  taken: number;
  /** What was not checked, by reason, with a few examples. */
  skipped: { reason: string; count: number; examples: string[] }[];
  /** Requests of one shape checked once (HAR): the row, the request it checked, and how many others it stands for, with a few. */
  covered?: { row: string; checked: string; count: number; examples: string[] }[];
}

export interface CheckSection {
  source?: CheckSource;
  endpoints: { name: string; url: string; method: string; kind: string; credentials: string }[];
  resolve: string[];
  ca: string[];
  sweep: boolean;
  /** One per cause, security first. */
  findings: CheckFinding[];
  /** The origins the owner means to allow (--allow-origin-pattern), as given. */
  allowOriginPatterns?: string[];
  /** Whether a path that does not exist was requested beside each endpoint, and the --error-path values. */
  errorPaths?: { missingPath: boolean; paths: string[] };
  /** How the engines reach the target: through the lab's proxy. */
  via: string;
}
