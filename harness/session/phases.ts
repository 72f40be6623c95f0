// Where a run's time goes, per engine: the benchmark adds these up to show
// what bounds a run (browser start, contexts, page loads, a cookie scenario's
// first-party visit, the probes themselves, waiting for late console messages and for the answer of a
// request still open when its probe ran out of time, reachability controls).
import type { EngineId } from '../engines/types.ts';

export const RUN_PHASES = [
  'launch',
  'contexts',
  'page loads',
  'visits',
  'probes',
  'console settling',
  'evidence settling',
  'controls',
  'close',
] as const;
export type RunPhase = (typeof RUN_PHASES)[number];
export type PhaseReport = (engine: EngineId, phase: RunPhase, ms: number) => void;

/** Runs `work`, telling `report` (when there is one) how long it took as `phase` of `engine`'s run. */
export async function timed<T>(
  report: PhaseReport | undefined,
  engine: EngineId,
  phase: RunPhase,
  work: () => Promise<T>,
): Promise<T> {
  if (!report) return work();
  const started = performance.now();
  try {
    return await work();
  } finally {
    report(engine, phase, performance.now() - started);
  }
}
