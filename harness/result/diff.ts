// `cors-lab diff`'s result: two matrix results compared cell by cell.
import type { EngineId } from '../engines/types.ts';
import type { Outcome } from '../scenario/schema.ts';
import type { CellVerdict } from './result.ts';
import type { RunInfo } from './run-info.ts';

/** How a cell changed, as wpt.fyi's run diff has it. */
export type CellChangeKind = 'improved' | 'regressed' | 'changed' | 'added' | 'removed';

/** One side of a compared cell: what the engine did, and the evidence the comparison reads. */
export interface CellSide {
  outcome: Outcome;
  verdict: CellVerdict;
  matchesExpectation: boolean;
  expected: Outcome;
  engineVersion: string;
  preflightSent: boolean;
  requestReached: boolean;
  /** The (last) request carried cookies. */
  cookiesSent: boolean;
  /** The status the server sent to the (last) request, when one reached it. */
  status?: number;
  /** The CORS headers (access-control-*, vary) of the server's answers in the journal, preflight and request. */
  corsHeaders: { preflight?: Record<string, string>; request?: Record<string, string> };
  /** The engine's console lines for the probe (or "not exposed"). */
  console: string[] | 'not exposed';
}

export interface CellChange {
  scenario: string;
  engine: EngineId;
  variant?: string;
  kind: CellChangeKind;
  /** The verdict changed (spec, known behaviour, cookie policy, new finding, error), whatever the outcome did. */
  verdictChanged: boolean;
  before?: CellSide;
  after?: CellSide;
  /** What differs in the evidence, one line each (outcome, verdict, preflight, status, headers, console, engine version). */
  differences: string[];
  /** The likeliest cause: the engine build changed, the server answered otherwise, or neither shows. */
  cause:
    | 'engine version'
    | 'server answers'
    | 'engine version and server answers'
    | 'cookies the engine sent'
    | 'not shown by the evidence'
    | 'added or removed';
}

export interface DiffSide {
  file: string;
  kind: 'run' | 'check';
  startedAt: string;
  tool: { name: string; version: string };
  runInfo?: RunInfo;
  profile: string;
  engines: { id: EngineId; browser: string; version: string; driver: string }[];
}

export interface EngineDiff {
  engine: EngineId;
  variant?: string;
  before?: string;
  after?: string;
  improved: number;
  regressed: number;
  changed: number;
  added: number;
  removed: number;
  verdictChanges: number;
}

export interface RunDiff {
  kind: 'diff';
  tool: { name: string; version: string };
  before: DiffSide;
  after: DiffSide;
  /** Same rows measured (scenario-set hash), same profile and outcome-changing options. */
  aligned: boolean;
  /** What differs between the runs when they are not aligned (or could not be told). */
  alignment: string[];
  engines: EngineDiff[];
  summary: {
    improved: number;
    regressed: number;
    changed: number;
    added: number;
    /** Cells only in the second run that are not as expected: new failures, which fail the diff like a regression. */
    addedNotAsExpected: number;
    removed: number;
    verdictChanges: number;
    unchanged: number;
  };
  /** Every cell that differs (outcome, verdict, or only on one side); unchanged cells are counted, not listed. */
  changes: CellChange[];
}
