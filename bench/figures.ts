// What every bench part shares: how it reports back to bench/main.ts, and how
// figures are printed.
import { readFileSync } from 'node:fs';
export interface PartOutcome {
  /** The part did its work (cells came back, the study measured): the quick form checks this, never a timing. */
  ran: boolean;
  summary: string;
}

/** `quick`: the short form CI runs so the benchmark cannot rot; it measures little. */
export type BenchPart = (quick: boolean) => Promise<PartOutcome>;

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * CPU seconds used so far by this process and by its children that have
 * ended (the browsers, once closed), from /proc/self/stat: the figure that
 * says whether a run is bound by the machine's cores rather than by waiting.
 */
export function cpuSeconds(): { own: number; children: number } {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  // Fields 14-17 of proc(5) (utime, stime, cutime, cstime), counted from field 3, in clock ticks.
  const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((index) => Number(fields[index]) / CLOCK_TICKS_PER_SECOND);
  return { own: utime! + stime!, children: cutime! + cstime! };
}

/** USER_HZ: 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;
