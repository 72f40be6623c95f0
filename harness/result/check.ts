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

/** `cors-lab check` only: a credentialed response that a hostile origin could read in a real browser. */
export interface SecurityFinding {
  scenario: string;
  endpoint: string;
  origin: string;
  /** How the origin was derived: null, http-downgrade, sibling-subdomain, prefix, suffix, unrelated. */
  attack: string;
  derivedFrom: string;
  description: string;
  /** Engines that let the page read a credentialed response from this origin. */
  engines: EngineId[];
  severity: 'high';
  summary: string;
}

export interface CheckSection {
  endpoints: { name: string; url: string; method: string; kind: string; credentials: string }[];
  resolve: string[];
  ca: string[];
  sweep: boolean;
  findings: SecurityFinding[];
  /** How the engines reach the target: through the lab's proxy. */
  via: string;
}
