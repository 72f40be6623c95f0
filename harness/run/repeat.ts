// --repeat N: each cell runs N times, each attempt in fresh browser contexts.
// Attempts that agree make one cell (the first attempt's, with the count);
// attempts whose outcome or verdict differ make a flaky cell: never counted
// as passing, never a new finding, with every attempt's evidence.
import type { CellResult, FlakyAttempt } from '../result/result.ts';

/** The attempts of one cell (same scenario, engine, middleware), in order, as one cell. */
export function mergeAttempts(attempts: CellResult[]): CellResult {
  const first = attempts[0]!;
  if (attempts.length === 1) return first;
  const agree = attempts.every((attempt) => attempt.outcome === first.outcome && attempt.verdict === first.verdict);
  if (agree) return { ...first, attempts: attempts.length };
  const outcomes = attempts.map((attempt) => attempt.outcome);
  const count = (outcome: string) => outcomes.filter((candidate) => candidate === outcome).length;
  const summary = [...new Set(outcomes)].map((outcome) => `${outcome} ${count(outcome)}×`).join(', ');
  return {
    ...first,
    verdict: 'flaky',
    matchesExpectation: false,
    attempts: attempts.length,
    flaky: attempts.map(attemptOf),
    explanation: `flaky: ${attempts.length} attempts gave ${summary}. First attempt: ${first.explanation}`,
  };
}

function attemptOf(cell: CellResult): FlakyAttempt {
  const console = cell.evidence.console === 'not exposed' ? [] : cell.evidence.console.map((entry) => entry.text);
  return {
    outcome: cell.outcome,
    verdict: cell.verdict,
    explanation: cell.explanation,
    preflightSent: cell.evidence.preflightSent,
    requestReached: cell.evidence.requestReached,
    ...(cell.evidence.status !== undefined ? { status: cell.evidence.status } : {}),
    ...(console.length > 0 ? { console } : {}),
    durationMs: cell.durationMs,
    journal: cell.evidence.journal.map((entry) => entry.seq),
  };
}
