// What every bench part shares: how it reports back to bench/main.ts, and how
// figures are printed.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
export interface PartOutcome {
  /** The part did its work (cells came back, the study measured): the quick form checks this, never a timing. */
  ran: boolean;
  summary: string;
}

/** `quick`: the short form CI runs so the benchmark cannot rot; it measures little. */
export type BenchPart = (quick: boolean) => Promise<PartOutcome>;

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Busy core-seconds of the whole machine so far, from /proc/stat (every
 * process: the browsers and all their helpers, cors-lab, anything else
 * running), and the number of cores. Taken before and after a run, it says
 * whether the run was bound by the machine's cores rather than by waiting.
 */
export function machineBusy(): { busySeconds: number; cores: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  // cpu user nice system idle iowait irq softirq steal, in clock ticks (USER_HZ, 100 on Linux).
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number) as number[];
  return { busySeconds: (user! + nice! + system! + irq! + softirq! + steal!) / 100, cores: availableParallelism() };
}
